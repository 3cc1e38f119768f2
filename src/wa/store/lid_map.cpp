// LID <-> phone-number user mapping (PROTOCOL.md §6 step 6: recorded at pair-success; later
// work learns more mappings from usync and message attributes).
#include "wa/store/device_store.hpp"
#include "wa/store/sqlite_util.hpp"

namespace wa::store {

void Store::put_lid_mapping(const std::string& lid_user, const std::string& pn_user) {
  if (lid_user.empty() || pn_user.empty()) {
    throw StoreError("cannot store LID mapping: empty user part");
  }
  std::lock_guard<std::recursive_mutex> lock(mu_);
  sql::Transaction tx(*stmts_);
  // The mapping is one-to-one: a new pair replaces whatever either side was mapped to before
  // (as whatsmeow lidmap.go does: drop the old row holding this PN, then upsert by LID).
  sql::Statement del(*stmts_, "DELETE FROM lid_map WHERE lid_user = ? OR pn_user = ?");
  del.bind(1, lid_user).bind(2, pn_user).run();
  sql::Statement ins(*stmts_, "INSERT INTO lid_map (lid_user, pn_user) VALUES (?, ?)");
  ins.bind(1, lid_user).bind(2, pn_user).run();
  tx.commit();
}

std::optional<std::string> Store::pn_for_lid(const std::string& lid_user) {
  std::lock_guard<std::recursive_mutex> lock(mu_);
  sql::Statement st(*stmts_, "SELECT pn_user FROM lid_map WHERE lid_user = ?");
  st.bind(1, lid_user);
  if (!st.step()) return std::nullopt;
  return st.column_text(0);
}

std::optional<std::string> Store::lid_for_pn(const std::string& pn_user) {
  std::lock_guard<std::recursive_mutex> lock(mu_);
  sql::Statement st(*stmts_, "SELECT lid_user FROM lid_map WHERE pn_user = ?");
  st.bind(1, pn_user);
  if (!st.step()) return std::nullopt;
  return st.column_text(0);
}

}  // namespace wa::store
