// prepare_sessions_dir: a missing directory is created 0700, one the service could never write
// is refused naming sessions_dir and SESSIONS_DIR. The tests run as root too, where permission
// bits do not stop writes, so the refusals use paths nobody can write: below a regular file,
// a regular file itself, and procfs.
#include <catch2/catch.hpp>
#include <stdlib.h>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "config/config.hpp"
#include "config/sessions_dir.hpp"

namespace fs = std::filesystem;

namespace {

struct TempDir {
  std::string path;
  TempDir() {
    char tmpl[] = "/tmp/wa-sessions-dir-test-XXXXXX";
    REQUIRE(mkdtemp(tmpl) != nullptr);
    path = tmpl;
  }
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(path, ec);
  }
};

// The ConfigError message of prepare_sessions_dir ("" if it succeeded).
std::string error_of(const std::string& dir) {
  try {
    sidecar::prepare_sessions_dir(dir);
  } catch (const sidecar::ConfigError& e) {
    return e.what();
  }
  return "";
}

std::vector<std::string> entries(const std::string& dir) {
  std::vector<std::string> out;
  for (const auto& e : fs::directory_iterator(dir)) out.push_back(e.path().filename().string());
  return out;
}

void make_file(const std::string& path) {
  std::ofstream(path) << "not a directory\n";
  REQUIRE(fs::is_regular_file(path));
}

const char* kNamesKey = "config: sessions_dir (env SESSIONS_DIR) cannot be used: ";

}  // namespace

TEST_CASE("a missing sessions dir is created 0700, parents included, and left empty",
          "[config][sessions_dir]") {
  TempDir t;
  const std::string dir = t.path + "/a/b/sessions";
  CHECK(error_of(dir) == "");
  struct stat st {};
  REQUIRE(::stat(dir.c_str(), &st) == 0);
  CHECK(S_ISDIR(st.st_mode));
  CHECK((st.st_mode & 07777) == 0700);
  CHECK(entries(dir).empty());  // the probe file is gone
}

TEST_CASE("an existing writable sessions dir is accepted and keeps its contents",
          "[config][sessions_dir]") {
  TempDir t;
  make_file(t.path + "/kept");
  REQUIRE(::chmod(t.path.c_str(), 0750) == 0);
  CHECK(error_of(t.path + "/") == "");
  CHECK(entries(t.path) == std::vector<std::string>{"kept"});
  struct stat st {};
  REQUIRE(::stat(t.path.c_str(), &st) == 0);
  CHECK((st.st_mode & 07777) == 0750);  // an existing directory's mode is the operator's
}

TEST_CASE("a sessions dir below a regular file is refused", "[config][sessions_dir]") {
  TempDir t;
  make_file(t.path + "/file");
  const std::string dir = t.path + "/file/sub/sessions";
  const std::string e = error_of(dir);
  CHECK_THAT(e, Catch::StartsWith(kNamesKey) && Catch::Contains(t.path + "/file"));
  CHECK(fs::is_regular_file(t.path + "/file"));
}

TEST_CASE("a sessions dir that is a regular file is refused", "[config][sessions_dir]") {
  TempDir t;
  make_file(t.path + "/file");
  const std::string e = error_of(t.path + "/file");
  CHECK_THAT(e, Catch::StartsWith(kNamesKey) && Catch::Contains("is not a directory"));
}

TEST_CASE("an existing directory no file can be created in is refused",
          "[config][sessions_dir]") {
  // procfs takes no new files, not even from root.
  const std::string e = error_of("/proc");
  CHECK_THAT(e, Catch::StartsWith(kNamesKey) &&
                    Catch::Contains("cannot create a file in \"/proc\""));
}
