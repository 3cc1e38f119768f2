#include "wa/store/private_fs.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <system_error>

#include "wa/store/device_store.hpp"

namespace wa::store::fs {
namespace {

[[noreturn]] void fail_errno(const std::string& what, const std::string& path, int err) {
  throw StoreError(what + " " + path + ": " + std::strerror(err));
}

}  // namespace

void ensure_private_dir(const std::string& dir) {
  std::filesystem::path p(dir);
  std::filesystem::path parent = p.parent_path();
  if (!parent.empty()) {
    std::error_code ec;
    std::filesystem::create_directories(parent, ec);
    if (ec) throw StoreError("cannot create directory " + parent.string() + ": " + ec.message());
  }
  if (::mkdir(dir.c_str(), 0700) != 0 && errno != EEXIST) fail_errno("cannot create", dir, errno);
  struct stat st {};
  if (::lstat(dir.c_str(), &st) != 0) fail_errno("cannot stat", dir, errno);
  if (!S_ISDIR(st.st_mode)) throw StoreError("not a directory: " + dir);
  // mkdir's mode is filtered by the umask, and an older directory may be group/world readable.
  if ((st.st_mode & 07777) != 0700 && ::chmod(dir.c_str(), 0700) != 0) {
    fail_errno("cannot chmod", dir, errno);
  }
}

void ensure_private_file(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);
  if (fd < 0) fail_errno("cannot open", path, errno);
  int rc = ::fchmod(fd, 0600);
  int err = errno;
  ::close(fd);
  if (rc != 0) fail_errno("cannot chmod", path, err);
}

void restrict_if_exists(const std::string& path) {
  if (::chmod(path.c_str(), 0600) != 0 && errno != ENOENT) fail_errno("cannot chmod", path, errno);
}

void sync_dir(const std::string& dir) {
  int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) fail_errno("cannot open", dir, errno);
  int rc = ::fsync(fd);
  int err = errno;
  ::close(fd);
  if (rc != 0) fail_errno("cannot sync", dir, err);
}

}  // namespace wa::store::fs
