// Events staged in the tenant's database until the service's outbox holds them (the
// transactional outbox pattern): written in the same transaction as the state change they report.
#include "wa/store/device_store.hpp"
#include "wa/store/sqlite_util.hpp"

namespace wa::store {

int64_t Store::stage_event(const StagedEvent& event) {
  if (event.source_key.empty() || event.type.empty()) {
    throw StoreError("cannot stage event: empty key or type");
  }
  std::lock_guard<std::recursive_mutex> lock(mu_);
  sql::Transaction tx(*stmts_);
  sql::Statement st(*stmts_,
                    "INSERT INTO staged_events (source_key, type, data, created_ms) "
                    "VALUES (?, ?, ?, ?) RETURNING seq");
  st.bind(1, event.source_key).bind(2, event.type).bind(3, event.data).bind(4, event.created_ms);
  if (!st.step()) throw StoreError("cannot stage event: no seq returned");
  const int64_t seq = st.column_int(0);
  while (st.step()) {
  }
  tx.commit();
  return seq;
}

std::vector<Store::StagedEvent> Store::staged_events(size_t limit) {
  std::lock_guard<std::recursive_mutex> lock(mu_);
  sql::Statement st(*stmts_,
                    "SELECT seq, source_key, type, data, created_ms FROM staged_events "
                    "ORDER BY seq LIMIT ?");
  st.bind(1, static_cast<int64_t>(limit));
  std::vector<StagedEvent> out;
  while (st.step()) {
    out.push_back(StagedEvent{st.column_int(0), st.column_text(1), st.column_text(2),
                              st.column_text(3), st.column_int(4)});
  }
  return out;
}

void Store::remove_staged_events(int64_t through_seq) {
  std::lock_guard<std::recursive_mutex> lock(mu_);
  sql::Statement st(*stmts_, "DELETE FROM staged_events WHERE seq <= ?");
  st.bind(1, through_seq).run();
}

}  // namespace wa::store
