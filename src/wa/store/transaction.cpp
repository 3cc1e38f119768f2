// Store::transaction: one SQLite transaction around a multi-step change (a Signal ratchet step
// touches the session, the peer's identity and perhaps a one-time prekey; all of it must commit
// together or not at all, PROTOCOL.md §9).
#include "wa/store/device_store.hpp"
#include "wa/store/sqlite_util.hpp"

namespace wa::store {

void Store::transaction(const std::function<void()>& fn) {
  // The recursive mutex stays held for the whole of fn: its Store calls on this thread re-enter
  // it and their sql::Transaction becomes a savepoint of this one; other threads wait.
  std::lock_guard<std::recursive_mutex> lock(mu_);
  sql::Transaction tx(*stmts_);
  fn();  // an exception leaves through tx's destructor, which rolls everything back
  tx.commit();
}

void Store::reading(const std::function<void()>& fn) {
  std::lock_guard<std::recursive_mutex> lock(mu_);
  sql::Transaction tx(*stmts_, /*deferred=*/true);
  fn();
  tx.commit();
}

}  // namespace wa::store
