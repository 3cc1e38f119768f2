// Store::trim: an idle store's memory handed back (bench/RESULTS.md "Scale").
#include <sqlite3.h>

#include "wa/store/device_store.hpp"
#include "wa/store/sqlite_util.hpp"

namespace wa::store {

void Store::trim() {
  std::lock_guard<std::recursive_mutex> lock(mu_);
  // Inside a transaction (trim called from a callback of Store::transaction) a checkpoint is
  // refused with SQLITE_LOCKED; there is nothing to gain there anyway.
  if (sqlite3_get_autocommit(db_) == 0) return;
  if (sync_) {
    // The checkpoint syncs twice: the pool runs it, away from the caller's (network) thread.
    want_checkpoint(SQLITE_CHECKPOINT_PASSIVE);
  } else {
    // PASSIVE: copies what no reader still needs and returns; BUSY only means another
    // connection holds the checkpoint lock, which postpones the work to a later checkpoint.
    const int rc =
        sqlite3_wal_checkpoint_v2(db_, nullptr, SQLITE_CHECKPOINT_PASSIVE, nullptr, nullptr);
    if (rc != SQLITE_BUSY && rc != SQLITE_LOCKED) sql::check(db_, rc, "checkpoint");
  }
  release_memory();
}

bool Store::trim_if_idle() {
  std::lock_guard<std::recursive_mutex> lock(mu_);
  const bool busy = committed_ != idle_check_at_;
  idle_check_at_ = committed_;
  // Busy since the last check, or nothing committed since the last trim (an idle session stays
  // trimmed).
  if (busy || committed_ == trimmed_at_) return false;
  // Memory only: a checkpoint would open a connection of its own on the pool for every session
  // that went quiet, and the WAL's size is the wal_hook's business (kCheckpointPages).
  if (sqlite3_get_autocommit(db_) == 0) return false;
  release_memory();
  return true;
}

void Store::release_memory() {
  trimmed_at_ = committed_;
  stmts_->clear();
  // Frees this connection's unpinned cache pages; they are read back from the file on demand.
  sql::check(db_, sqlite3_db_release_memory(db_), "release memory");
}

}  // namespace wa::store
