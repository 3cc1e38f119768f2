#include "open_files.hpp"

#include <filesystem>
#include <stdexcept>

namespace e2e {

std::vector<std::string> open_files_under(pid_t pid, const std::string& dir) {
  namespace fs = std::filesystem;
  const fs::path fds = fs::path("/proc") / std::to_string(pid) / "fd";
  std::error_code ec;
  fs::directory_iterator it(fds, ec);
  if (ec) throw std::runtime_error("cannot list " + fds.string() + ": " + ec.message());
  // /proc shows resolved paths; the directory itself may be gone already.
  const std::string prefix = fs::weakly_canonical(fs::path(dir)).string() + "/";
  std::vector<std::string> out;
  for (; it != fs::directory_iterator(); it.increment(ec)) {
    if (ec) throw std::runtime_error("cannot list " + fds.string() + ": " + ec.message());
    std::error_code link_ec;
    const fs::path target = fs::read_symlink(it->path(), link_ec);
    if (link_ec) continue;  // closed between listing and reading
    const std::string t = target.string();
    if (t.compare(0, prefix.size(), prefix) == 0) out.push_back(t);
  }
  return out;
}

}  // namespace e2e
