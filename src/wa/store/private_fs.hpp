// Filesystem helpers for the tenant directory: the store holds long-term private keys, so the
// directory must be 0700 and the database files 0600 regardless of the process umask.
#pragma once
#include <string>

namespace wa::store::fs {

// mkdir -p of the parents (default modes), then the directory itself with 0700; an existing
// directory with any other mode is chmod'ed to 0700. Throws StoreError on failure or if the
// path exists and is not a directory.
void ensure_private_dir(const std::string& dir);

// Creates the file if missing (0600, O_NOFOLLOW) and forces its mode to 0600.
void ensure_private_file(const std::string& path);

// chmod 0600 if the file exists (used for SQLite's -wal/-shm side files). No-op if missing.
void restrict_if_exists(const std::string& path);

// fsync of the directory itself, so that the entries of files created in it are on disk.
// Throws StoreError on failure.
void sync_dir(const std::string& dir);

}  // namespace wa::store::fs
