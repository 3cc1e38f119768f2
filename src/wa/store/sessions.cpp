// Serialized Signal session records keyed by Signal address (name, device id), PROTOCOL.md §9:
// name is "USER" for a phone-number JID, "USER_1" for a LID, and so on; the device id is the
// JID's device. libsignal's session-store callbacks land here.
#include "wa/store/device_store.hpp"
#include "wa/store/sqlite_util.hpp"

namespace wa::store {

std::optional<Bytes> Store::load_session(const std::string& name, uint32_t device) {
  std::lock_guard<std::recursive_mutex> lock(mu_);
  sql::Statement st(*stmts_, "SELECT record FROM sessions WHERE name = ? AND device = ?");
  st.bind(1, name).bind(2, static_cast<int64_t>(device));
  if (!st.step()) return std::nullopt;
  return st.column_blob(0);
}

void Store::store_session(const std::string& name, uint32_t device, const Bytes& record) {
  if (record.empty()) throw StoreError("cannot store session: empty record");
  std::lock_guard<std::recursive_mutex> lock(mu_);
  sql::Statement st(*stmts_, "INSERT OR REPLACE INTO sessions (name, device, record) VALUES (?, ?, ?)");
  st.bind(1, name).bind(2, static_cast<int64_t>(device)).bind(3, record).run();
}

bool Store::contains_session(const std::string& name, uint32_t device) {
  std::lock_guard<std::recursive_mutex> lock(mu_);
  sql::Statement st(*stmts_, "SELECT 1 FROM sessions WHERE name = ? AND device = ?");
  st.bind(1, name).bind(2, static_cast<int64_t>(device));
  return st.step();
}

void Store::delete_session(const std::string& name, uint32_t device) {
  std::lock_guard<std::recursive_mutex> lock(mu_);
  sql::Statement st(*stmts_, "DELETE FROM sessions WHERE name = ? AND device = ?");
  st.bind(1, name).bind(2, static_cast<int64_t>(device)).run();
}

void Store::delete_all_sessions(const std::string& name) {
  std::lock_guard<std::recursive_mutex> lock(mu_);
  sql::Statement st(*stmts_, "DELETE FROM sessions WHERE name = ?");
  st.bind(1, name).run();
}

std::vector<uint32_t> Store::session_devices(const std::string& name) {
  std::lock_guard<std::recursive_mutex> lock(mu_);
  sql::Statement st(*stmts_, "SELECT device FROM sessions WHERE name = ? ORDER BY device");
  st.bind(1, name);
  std::vector<uint32_t> out;
  while (st.step()) out.push_back(static_cast<uint32_t>(st.column_int(0)));
  return out;
}

}  // namespace wa::store
