// Store durability with a SyncPool (sync_pool.hpp): commit counting, the WAL's sync, waiters,
// and checkpoints on a connection of their own.
#include <sqlite3.h>
#include <unistd.h>

#include <condition_variable>
#include <optional>

#include "util/log.hpp"
#include "wa/store/device_store.hpp"
#include "wa/store/sqlite_util.hpp"
#include "wa/store/sync_pool.hpp"

namespace wa::store {
namespace {

// SQLite's own automatic checkpoint threshold (SQLITE_DEFAULT_WAL_AUTOCHECKPOINT pages): beyond
// it readers start to slow down on the WAL index.
constexpr int kCheckpointPages = 1000;
// Syncs of one store running at once. Two let a commit made during a sync be synced without
// waiting for that sync to end; more would only let one busy store occupy the whole pool.
constexpr int kMaxStepsPerStore = 2;

}  // namespace

int Store::on_commit(void* p) {
  // Runs inside the commit, on the committing thread, which holds mu_ (every Store method
  // does): a sync step reading committed_ under mu_ therefore sees only finished commits.
  ++static_cast<Store*>(p)->committed_;
  return 0;  // 0: let the commit proceed
}

int Store::on_wal_frames(void* p, sqlite3*, const char*, int pages) {
  if (pages >= kCheckpointPages) static_cast<Store*>(p)->want_checkpoint(SQLITE_CHECKPOINT_PASSIVE);
  return SQLITE_OK;
}

bool Store::queue_step() {
  // A step not started yet reads committed_ when it starts, so it covers every commit made
  // until then: one such step is enough.
  if (step_queued_ || steps_running_ >= kMaxStepsPerStore) return false;
  step_queued_ = true;
  return true;
}

void Store::want_checkpoint(int mode) {
  bool schedule = false;
  {
    std::lock_guard<std::mutex> lk(sync_mu_);
    // TRUNCATE (after a wipe) is the stronger request and wins over PASSIVE.
    if (mode > checkpoint_mode_) checkpoint_mode_ = mode;
    schedule = queue_step();
  }
  if (!schedule) return;
  // Not owned by a shared_ptr (a test opening a store with a pool by hand): nothing can keep it
  // alive on the pool, so the checkpoint waits for the next request that can.
  if (auto self = weak_from_this().lock()) {
    sync_->schedule(std::move(self));
  } else {
    std::lock_guard<std::mutex> lk(sync_mu_);
    step_queued_ = false;
  }
}

bool Store::durable_or_later(std::function<void(bool ok)> then) {
  if (!sync_) return true;
  uint64_t need = 0;
  {
    std::lock_guard<std::recursive_mutex> lock(mu_);
    need = committed_;
  }
  bool schedule = false;
  {
    std::lock_guard<std::mutex> lk(sync_mu_);
    if (need <= synced_ && !sync_failed_) return true;
    waiters_.emplace_back(need, std::move(then));
    schedule = queue_step();
  }
  if (schedule) sync_->schedule(shared_from_this());
  return false;
}

bool Store::wait_durable() {
  std::mutex mu;
  std::condition_variable cv;
  std::optional<bool> result;
  const bool now = durable_or_later([&](bool ok) {
    std::lock_guard<std::mutex> lk(mu);
    result = ok;
    cv.notify_all();
  });
  if (now) return true;
  std::unique_lock<std::mutex> lk(mu);
  cv.wait(lk, [&] { return result.has_value(); });
  return *result;
}

bool Store::sync_step() {
  {
    std::lock_guard<std::mutex> lk(sync_mu_);
    step_queued_ = false;
    ++steps_running_;
  }
  uint64_t target = 0;
  {
    std::lock_guard<std::recursive_mutex> lock(mu_);
    target = committed_;
  }
  bool failed = false;
  uint64_t synced = 0;
  {
    std::lock_guard<std::mutex> lk(sync_mu_);
    failed = sync_failed_;
    synced = synced_;
  }
  // One fdatasync covers every commit counted so far, however many they are (SQLite itself
  // syncs the WAL with fdatasync on Linux).
  if (!failed && target > synced) {
    sync_->count_sync();
    if (::fdatasync(wal_fd_) != 0) {
      failed = true;
      util::log::error("store_sync_failed", "", {{"dir", dir_}, {"errno", errno}});
    }
  }
  std::vector<std::function<void(bool)>> ready;
  int checkpoint = -1;
  bool ok = true;
  {
    std::lock_guard<std::mutex> lk(sync_mu_);
    if (failed) {
      // After a failed fsync the kernel may have dropped the dirty pages: no later sync can
      // vouch for them, so every waiter, present and future, is told.
      sync_failed_ = true;
    } else if (target > synced_) {
      synced_ = target;  // a later sync may have finished first; never move backwards
    }
    for (auto it = waiters_.begin(); it != waiters_.end();) {
      if (sync_failed_ || it->first <= synced_) {
        ready.push_back(std::move(it->second));
        it = waiters_.erase(it);
      } else {
        ++it;
      }
    }
    checkpoint = checkpoint_mode_;
    checkpoint_mode_ = -1;
    ok = !sync_failed_;
  }
  for (auto& fn : ready) fn(ok);
  if (checkpoint >= 0 && ok) checkpoint_aside(checkpoint);
  std::lock_guard<std::mutex> lk(sync_mu_);
  --steps_running_;
  // Waiters for commits made after this step read committed_ need another step, unless one is
  // queued or still running that will see them.
  if ((!waiters_.empty() || checkpoint_mode_ >= 0) && steps_running_ == 0) return queue_step();
  return false;
}

void Store::checkpoint_aside(int mode) {
  // A connection of its own: a checkpoint on the main one would hold its mutex, and with it the
  // network thread's next statement, for the whole copy and its two syncs. A PASSIVE checkpoint
  // runs beside the writer; frames it cannot copy yet stay for the next one.
  sqlite3* db = nullptr;
  const std::string path = dir_ + "/store.db";
  int rc = sqlite3_open_v2(path.c_str(), &db,
                           SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX | SQLITE_OPEN_NOFOLLOW, nullptr);
  if (rc == SQLITE_OK) {
    sqlite3_busy_timeout(db, 1000);
    // A connection learns that the database is in WAL mode only once it has read it; before
    // that a checkpoint does nothing (and says so with -1 frames).
    rc = sqlite3_exec(db, "SELECT count(*) FROM sqlite_master", nullptr, nullptr, nullptr);
  }
  if (rc == SQLITE_OK) rc = sqlite3_wal_checkpoint_v2(db, nullptr, mode, nullptr, nullptr);
  if (rc != SQLITE_OK && rc != SQLITE_BUSY && rc != SQLITE_LOCKED) {
    util::log::warn("store_checkpoint_failed", "",
                    {{"dir", dir_}, {"error", db ? sqlite3_errmsg(db) : "out of memory"}});
  }
  sqlite3_close_v2(db);
}

}  // namespace wa::store
