// Store lifetime: opening (directory and file modes, pragmas, migrations), wipe, close.
#include <fcntl.h>
#include <sqlite3.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string>
#include <vector>

#include "wa/store/device_store.hpp"
#include "wa/store/migrations.hpp"
#include "wa/store/private_fs.hpp"
#include "wa/store/sqlite_util.hpp"

namespace wa::store {
namespace {

constexpr int kBusyTimeoutMs = 5000;
// Page cache limit per connection, in KiB (a negative cache_size is KiB, PRAGMA cache_size).
// SQLite's default is 2000 KiB, and a connection keeps every page it has touched up to that
// limit: with one connection per tenant, a store that sent a few messages would hold its whole
// working set forever. 64 KiB (16 pages) covers one message's rows (session, identity, device);
// beyond it pages are read again from the OS page cache, far cheaper than the commit's fsync.
constexpr int kCacheKib = 64;

}  // namespace

Store::Store(std::string dir, sqlite3* db)
    : dir_(std::move(dir)), db_(db), stmts_(std::make_unique<sql::StatementCache>(db)) {}

Store::~Store() {
  stmts_->clear();
  // The last connection to close checkpoints the WAL into store.db, syncing both.
  sqlite3_close_v2(db_);
  if (wal_fd_ >= 0) ::close(wal_fd_);
}

std::unique_ptr<Store> Store::open(const std::string& dir, SyncPool* sync) {
  fs::ensure_private_dir(dir);
  const std::string path = dir + "/store.db";
  // Create the database file ourselves with 0600 before SQLite sees it: SQLite would create it
  // 0644 and later gives the -wal/-shm files the main file's mode (os_unix.c findCreateFileMode).
  fs::ensure_private_file(path);
  fs::restrict_if_exists(path + "-wal");
  fs::restrict_if_exists(path + "-shm");

  sql::configure_process();
  sqlite3* db = nullptr;
  // NOMUTEX: every use of the connection holds mu_ already, so SQLite's own per-call mutex
  // would only be taken and released again around each call.
  int rc = sqlite3_open_v2(path.c_str(), &db,
                           SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX | SQLITE_OPEN_NOFOLLOW,
                           nullptr);
  // Own the handle at once so every later failure closes it.
  std::unique_ptr<Store> store(new Store(dir, db));
  if (rc != SQLITE_OK) sql::fail(db, "cannot open " + path);
  sqlite3_extended_result_codes(db, 1);
  sql::check(db, sqlite3_busy_timeout(db, kBusyTimeoutMs), "busy_timeout");
  // WAL: a crash leaves either the old or the new row. synchronous=FULL: a commit is durable
  // once it returns. With a SyncPool, NORMAL: the commit is atomic when it returns and durable
  // once the pool has synced the WAL (durable_or_later); checkpoints still sync the WAL before
  // and store.db after. secure_delete overwrites freed pages so keys deleted by wipe() do not
  // linger in the file.
  sql::exec(db,
            "PRAGMA journal_mode=WAL;"
            + std::string(sync ? "PRAGMA synchronous=NORMAL;" : "PRAGMA synchronous=FULL;") +
            "PRAGMA foreign_keys=ON;"
            "PRAGMA secure_delete=ON;"
            "PRAGMA cache_size=-" + std::to_string(kCacheKib) + ";");
  {
    sql::Statement st(db, "PRAGMA journal_mode");
    if (!st.step() || st.column_text(0) != "wal") throw StoreError("cannot enable WAL on " + path);
  }
  run_migrations(db);
  // Counts commits: what a sync must cover, and whether the store was idle (trim_if_idle).
  sqlite3_commit_hook(db, &Store::on_commit, store.get());
  // The side files now exist; they inherit 0600 from store.db, enforce it anyway.
  fs::restrict_if_exists(path + "-wal");
  fs::restrict_if_exists(path + "-shm");
  if (sync) {
    // The WAL stays this file for as long as the connection is open (a checkpoint rewinds or
    // truncates it, never replaces it), so syncing this descriptor syncs what SQLite wrote.
    // The directory is synced once so that the WAL's own directory entry is on disk too.
    store->wal_fd_ = ::open((path + "-wal").c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
    if (store->wal_fd_ < 0) throw StoreError("cannot open " + path + "-wal: " + std::strerror(errno));
    fs::sync_dir(dir);
    store->sync_ = sync;
    // Replaces SQLite's automatic checkpoint, which would run (and sync) inside a commit.
    sqlite3_wal_hook(db, &Store::on_wal_frames, store.get());
  }
  return store;
}

void Store::wipe() {
  std::lock_guard<std::recursive_mutex> lock(mu_);
  {
    sql::Transaction tx(*stmts_);
    std::vector<std::string> tables;
    {
      // Every table, including ones later migrations add; "sqlite_%" are SQLite's own. Staged
      // events stay: a logout must not lose what arrived before it (they are not credentials).
      sql::Statement st(*stmts_,
                        "SELECT name FROM sqlite_master WHERE type = 'table' "
                        "AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\' AND name != 'staged_events'");
      while (st.step()) tables.push_back(st.column_text(0));
    }
    for (const auto& t : tables) sql::exec(db_, "DELETE FROM \"" + t + "\"");
    tx.commit();
  }
  // Move the (zeroed, secure_delete) pages into the main file and empty the WAL, so old key
  // material does not stay in store.db-wal either. BUSY (another connection reading) only
  // postpones this to a later checkpoint; the wipe itself is committed either way.
  if (sync_) {
    want_checkpoint(SQLITE_CHECKPOINT_TRUNCATE);
    return;
  }
  int rc = sqlite3_wal_checkpoint_v2(db_, nullptr, SQLITE_CHECKPOINT_TRUNCATE, nullptr, nullptr);
  if (rc != SQLITE_BUSY && rc != SQLITE_LOCKED) sql::check(db_, rc, "checkpoint after wipe");
}

}  // namespace wa::store
