// Serialized sender-key records (group messaging) keyed by group id and sender Signal address.
// 1:1 sending never uses them, but libsignal's store context requires the callbacks.
#include "wa/store/device_store.hpp"
#include "wa/store/sqlite_util.hpp"

namespace wa::store {

std::optional<Bytes> Store::load_sender_key(const std::string& group, const std::string& sender,
                                            uint32_t device) {
  std::lock_guard<std::recursive_mutex> lock(mu_);
  sql::Statement st(*stmts_,
                    "SELECT record FROM sender_keys "
                    "WHERE group_id = ? AND sender_name = ? AND sender_device = ?");
  st.bind(1, group).bind(2, sender).bind(3, static_cast<int64_t>(device));
  if (!st.step()) return std::nullopt;
  return st.column_blob(0);
}

void Store::store_sender_key(const std::string& group, const std::string& sender,
                             uint32_t device, const Bytes& record) {
  if (record.empty()) throw StoreError("cannot store sender key: empty record");
  std::lock_guard<std::recursive_mutex> lock(mu_);
  sql::Statement st(*stmts_,
                    "INSERT OR REPLACE INTO sender_keys (group_id, sender_name, sender_device, "
                    "record) VALUES (?, ?, ?, ?)");
  st.bind(1, group).bind(2, sender).bind(3, static_cast<int64_t>(device)).bind(4, record).run();
}

}  // namespace wa::store
