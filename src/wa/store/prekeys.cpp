// One-time prekeys (PROTOCOL.md §8 "Prekey upload stanza"): ids sequential from 1, sent as 3
// bytes, so they must stay below 2^24; keys not yet acknowledged by the server are handed out
// again on the next upload attempt (both reference clients reuse unuploaded ids).
#include <algorithm>

#include "wa/store/device_store.hpp"
#include "wa/store/sqlite_util.hpp"

namespace wa::store {
namespace {

constexpr int64_t kMaxPreKeyId = (1 << 24) - 1;  // largest id that fits the 3-byte <id>

Store::PreKey read_prekey(const sql::Statement& st) {
  Store::PreKey k;
  k.id = static_cast<uint32_t>(st.column_int(0));
  Bytes priv = st.column_blob(1);
  Bytes pub = st.column_blob(2);
  if (priv.size() != 32 || pub.size() != 32) throw StoreError("prekey row is corrupt: key length");
  k.key.priv = util::curve::to_key32(priv);
  k.key.pub = util::curve::to_key32(pub);
  k.uploaded = st.column_int(3) != 0;
  return k;
}

// The next id to hand out: the persisted counter (migration 2), but never at or below a stored
// key, and 1 when the counter row is gone (wipe() empties every table).
int64_t next_prekey_id(sqlite3* db) {
  int64_t next = 1;
  {
    sql::Statement st(db, "SELECT next_id FROM prekey_counter WHERE id = 1");
    if (st.step()) next = st.column_int(0);
  }
  sql::Statement st(db, "SELECT COALESCE(MAX(id), 0) + 1 FROM prekeys");
  if (st.step()) next = std::max(next, st.column_int(0));
  return next;
}

}  // namespace

std::vector<Store::PreKey> Store::get_or_generate_prekeys(uint32_t count) {
  std::lock_guard<std::recursive_mutex> lock(mu_);
  sql::Transaction tx(*stmts_);
  std::vector<PreKey> out;
  {
    sql::Statement st(*stmts_,
                      "SELECT id, priv, pub, uploaded FROM prekeys WHERE uploaded = 0 "
                      "ORDER BY id LIMIT ?");
    st.bind(1, static_cast<int64_t>(count));
    while (st.step()) out.push_back(read_prekey(st));
  }
  if (out.size() < count) {
    int64_t next = next_prekey_id(db_);
    const int64_t missing = static_cast<int64_t>(count) - static_cast<int64_t>(out.size());
    if (next + missing - 1 > kMaxPreKeyId) {
      // Neither reference client wraps (§8); re-pairing starts numbering afresh.
      throw StoreError("prekey ids exhausted: ids must stay below 2^24");
    }
    sql::Statement ins(db_, "INSERT INTO prekeys (id, priv, pub, uploaded) VALUES (?, ?, ?, 0)");
    for (int64_t i = 0; i < missing; ++i, ++next) {
      PreKey k;
      k.id = static_cast<uint32_t>(next);
      k.key = util::curve::KeyPair::generate();
      ins.bind(1, next).bind(2, k.key.priv_bytes()).bind(3, k.key.pub_bytes()).run();
      ins.reset();
      out.push_back(std::move(k));
    }
    sql::Statement ctr(db_, "INSERT OR REPLACE INTO prekey_counter (id, next_id) VALUES (1, ?)");
    ctr.bind(1, next).run();
  }
  tx.commit();
  return out;
}

Store::PreKey Store::generate_direct_prekey() {
  std::lock_guard<std::recursive_mutex> lock(mu_);
  sql::Transaction tx(*stmts_);
  const int64_t id = next_prekey_id(db_);
  if (id > kMaxPreKeyId) throw StoreError("prekey ids exhausted: ids must stay below 2^24");
  PreKey k;
  k.id = static_cast<uint32_t>(id);
  k.key = util::curve::KeyPair::generate();
  k.uploaded = true;
  sql::Statement ins(db_, "INSERT INTO prekeys (id, priv, pub, uploaded) VALUES (?, ?, ?, 1)");
  ins.bind(1, id).bind(2, k.key.priv_bytes()).bind(3, k.key.pub_bytes()).run();
  sql::Statement ctr(db_, "INSERT OR REPLACE INTO prekey_counter (id, next_id) VALUES (1, ?)");
  ctr.bind(1, id + 1).run();
  tx.commit();
  return k;
}

void Store::mark_prekeys_uploaded(uint32_t up_to_id) {
  std::lock_guard<std::recursive_mutex> lock(mu_);
  sql::Statement st(*stmts_, "UPDATE prekeys SET uploaded = 1 WHERE id <= ?");
  st.bind(1, static_cast<int64_t>(up_to_id)).run();
}

uint32_t Store::uploaded_prekey_count() {
  std::lock_guard<std::recursive_mutex> lock(mu_);
  sql::Statement st(*stmts_, "SELECT COUNT(*) FROM prekeys WHERE uploaded = 1");
  if (!st.step()) return 0;
  return static_cast<uint32_t>(st.column_int(0));
}

std::optional<Store::PreKey> Store::load_prekey(uint32_t id) {
  std::lock_guard<std::recursive_mutex> lock(mu_);
  sql::Statement st(*stmts_, "SELECT id, priv, pub, uploaded FROM prekeys WHERE id = ?");
  st.bind(1, static_cast<int64_t>(id));
  if (!st.step()) return std::nullopt;
  return read_prekey(st);
}

void Store::remove_prekey(uint32_t id) {
  std::lock_guard<std::recursive_mutex> lock(mu_);
  sql::Statement st(*stmts_, "DELETE FROM prekeys WHERE id = ?");
  st.bind(1, static_cast<int64_t>(id)).run();
}

}  // namespace wa::store
