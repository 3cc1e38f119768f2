// main() for replaying fuzz inputs without libFuzzer (tests/fuzz/CMakeLists.txt): every file
// named on the command line, or found directly in a directory named there, is passed once to
// the target's LLVMFuzzerTestOneInput. A crash or abort fails the test; a directory that does
// not exist is skipped (a target may have no regressions yet). Files are replayed in name
// order so a failure is reproducible, and each is announced first so the log names the input
// that crashed.
#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <memory>
#include <string>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size);

namespace fs = std::filesystem;

namespace {

int replay(const fs::path& file) {
  std::ifstream in(file, std::ios::binary);
  if (!in) {
    std::fprintf(stderr, "replay: cannot read %s\n", file.c_str());
    return 1;
  }
  const std::vector<char> bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  std::fprintf(stderr, "replay: %s (%zu bytes)\n", file.c_str(), bytes.size());
  // A copy in an allocation of exactly its size, as libFuzzer makes, so ASan sees reads past
  // the end (never a null pointer, also for an empty input).
  std::unique_ptr<uint8_t[]> data(new uint8_t[bytes.empty() ? 1 : bytes.size()]);
  std::copy(bytes.begin(), bytes.end(), data.get());
  LLVMFuzzerTestOneInput(data.get(), bytes.size());
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  int failures = 0, count = 0;
  for (int i = 1; i < argc; ++i) {
    const fs::path arg = argv[i];
    std::error_code ec;
    if (fs::is_directory(arg, ec)) {
      std::vector<fs::path> files;
      for (const auto& entry : fs::directory_iterator(arg))
        if (entry.is_regular_file() && entry.path().filename().string()[0] != '.')
          files.push_back(entry.path());
      std::sort(files.begin(), files.end());
      for (const auto& f : files) failures += replay(f), ++count;
    } else if (fs::exists(arg, ec)) {
      failures += replay(arg), ++count;
    } else {
      std::fprintf(stderr, "replay: %s does not exist, skipped\n", arg.c_str());
    }
  }
  std::fprintf(stderr, "replay: %d inputs, %d unreadable\n", count, failures);
  return failures == 0 ? 0 : 1;
}
