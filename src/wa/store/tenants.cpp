// Tenant directories under SESSIONS_DIR: discovery at startup and removal after logout.
#include <algorithm>
#include <filesystem>
#include <regex>
#include <system_error>

#include "wa/store/device_store.hpp"

namespace wa::store {

std::vector<std::string> Store::list_tenants(const std::string& sessions_dir) {
  namespace stdfs = std::filesystem;
  // Tenant names become path components: only names that cannot escape the directory count.
  static const std::regex kName("^[A-Za-z0-9_-]{1,64}$");
  std::vector<std::string> out;
  std::error_code ec;
  if (!stdfs::is_directory(sessions_dir, ec)) return out;
  stdfs::directory_iterator it(sessions_dir, ec);
  if (ec) throw StoreError("cannot list " + sessions_dir + ": " + ec.message());
  for (; it != stdfs::directory_iterator(); it.increment(ec)) {
    const auto& entry = *it;
    // An entry whose status cannot be read is skipped, not fatal: it is not a usable tenant.
    std::error_code status_ec;
    // symlink_status: a symlinked "tenant" pointing elsewhere is not one of ours.
    if (!stdfs::is_directory(entry.symlink_status(status_ec))) continue;
    std::string name = entry.path().filename().string();
    if (!std::regex_match(name, kName)) continue;
    if (!stdfs::is_regular_file(stdfs::symlink_status(entry.path() / "store.db", status_ec))) {
      continue;
    }
    out.push_back(name);
  }
  if (ec) throw StoreError("cannot list " + sessions_dir + ": " + ec.message());
  std::sort(out.begin(), out.end());
  return out;
}

void Store::destroy(const std::string& dir) {
  std::error_code ec;
  std::filesystem::remove_all(dir, ec);  // returns 0 without error when dir does not exist
  if (ec) throw StoreError("cannot remove " + dir + ": " + ec.message());
}

}  // namespace wa::store
