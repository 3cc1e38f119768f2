// Remote Signal identity keys by address (PROTOCOL.md §6 step 6 stores the phone's
// accountSignatureKey under (LIDUSER_1, 0); sessions add more later).
#include "wa/store/device_store.hpp"
#include "wa/store/sqlite_util.hpp"

namespace wa::store {

void Store::put_identity(const std::string& name, uint32_t device, const Bytes& key) {
  if (key.size() != 32) {
    throw StoreError("cannot store identity: key must be 32 bytes, got " +
                     std::to_string(key.size()));
  }
  std::lock_guard<std::recursive_mutex> lock(mu_);
  sql::Transaction tx(*stmts_);
  sql::Statement st(*stmts_, "INSERT OR REPLACE INTO identities (name, device, key) VALUES (?, ?, ?)");
  st.bind(1, name).bind(2, static_cast<int64_t>(device)).bind(3, key).run();
  tx.commit();
}

std::optional<Bytes> Store::get_identity(const std::string& name, uint32_t device) {
  std::lock_guard<std::recursive_mutex> lock(mu_);
  sql::Statement st(*stmts_, "SELECT key FROM identities WHERE name = ? AND device = ?");
  st.bind(1, name).bind(2, static_cast<int64_t>(device));
  if (!st.step()) return std::nullopt;
  return st.column_blob(0);
}

void Store::delete_identity(const std::string& name, uint32_t device) {
  std::lock_guard<std::recursive_mutex> lock(mu_);
  sql::Statement st(*stmts_, "DELETE FROM identities WHERE name = ? AND device = ?");
  st.bind(1, name).bind(2, static_cast<int64_t>(device)).run();
}

}  // namespace wa::store
