#include "config/sessions_dir.hpp"

#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <filesystem>
#include <system_error>
#include <vector>

#include "config/config_detail.hpp"

namespace sidecar {
namespace {

[[noreturn]] void refuse(const std::string& reason) {
  config_detail::invalid(*config_detail::find_key("sessions_dir"), "cannot be used: " + reason,
                         nullptr);
}

[[noreturn]] void refuse_errno(const std::string& what, const std::string& path, int err) {
  refuse(what + " \"" + path + "\": " + std::error_code(err, std::generic_category()).message());
}

}  // namespace

void prepare_sessions_dir(const std::string& dir) {
  std::filesystem::path path(dir);
  if (!path.has_filename()) path = path.parent_path();  // "/var/wa/" names "/var/wa"
  const std::filesystem::path parent = path.parent_path();
  if (!parent.empty()) {
    std::error_code ec;
    std::filesystem::create_directories(parent, ec);
    if (ec) refuse("cannot create directory \"" + parent.string() + "\": " + ec.message());
  }
  const std::string d = path.string();
  if (::mkdir(d.c_str(), 0700) == 0) {
    // mkdir's mode went through the umask; the directory holds every tenant's keys.
    if (::chmod(d.c_str(), 0700) != 0) refuse_errno("cannot chmod 0700", d, errno);
  } else if (errno != EEXIST) {
    refuse_errno("cannot create directory", d, errno);
  }
  struct stat st {};
  if (::stat(d.c_str(), &st) != 0) refuse_errno("cannot stat", d, errno);
  if (!S_ISDIR(st.st_mode)) refuse("\"" + d + "\" exists and is not a directory");

  // Permission bits alone do not tell (root ignores them; a read-only mount overrides them):
  // only creating a file shows that the stores can be created here.
  const std::string probe = d + "/.wa-sidecar-write-probe-XXXXXX";
  std::vector<char> name(probe.begin(), probe.end());
  name.push_back('\0');
  const int fd = ::mkstemp(name.data());
  if (fd < 0) refuse_errno("cannot create a file in", d, errno);
  const int close_err = ::close(fd) == 0 ? 0 : errno;
  if (::unlink(name.data()) != 0) refuse_errno("cannot remove the probe file", name.data(), errno);
  if (close_err != 0) refuse_errno("cannot write a file in", d, close_err);
}

}  // namespace sidecar
