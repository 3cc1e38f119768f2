// Messages this device sent: the text of recent ones for retry receipts, and the highest
// receipt status per message (migration 3 in migrations.cpp).
#include "wa/store/device_store.hpp"
#include "wa/store/sqlite_util.hpp"

namespace wa::store {

void Store::put_sent_message(const SentMessage& m) {
  if (m.id.empty()) throw StoreError("cannot store sent message: empty id");
  std::lock_guard<std::recursive_mutex> lock(mu_);
  sql::Transaction tx(*stmts_);
  {
    sql::Statement st(*stmts_,
                      "INSERT INTO sent_messages (id, chat, recipient, text, sent_ms, status_level) "
                      "VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (id) DO UPDATE SET "
                      "chat = excluded.chat, recipient = excluded.recipient, text = excluded.text, "
                      "sent_ms = excluded.sent_ms");
    st.bind(1, m.id).bind(2, m.chat).bind(3, m.recipient);
    if (m.text) {
      st.bind(4, util::Bytes(m.text->begin(), m.text->end()));
    }  // else stays NULL
    st.bind(5, m.sent_ms).bind(6, static_cast<int64_t>(m.status_level)).run();
  }
  // Texts are message content: kept only as long as a retry can still ask for them.
  sql::Statement forget(*stmts_,
                        "UPDATE sent_messages SET text = NULL WHERE text IS NOT NULL AND seq <= "
                        "(SELECT MAX(seq) FROM sent_messages) - ?");
  forget.bind(1, kKeepSentTexts).run();
  sql::Statement expire(*stmts_, "DELETE FROM sent_messages WHERE sent_ms < ?");
  expire.bind(1, m.sent_ms - kKeepSentMs).run();
  tx.commit();
}

std::optional<Store::SentMessage> Store::find_sent_message(const std::string& id) {
  std::lock_guard<std::recursive_mutex> lock(mu_);
  sql::Statement st(*stmts_,
                    "SELECT id, chat, recipient, text, sent_ms, status_level FROM sent_messages "
                    "WHERE id = ?");
  st.bind(1, id);
  if (!st.step()) return std::nullopt;
  SentMessage m;
  m.id = st.column_text(0);
  m.chat = st.column_text(1);
  m.recipient = st.column_text(2);
  if (!st.column_is_null(3)) {
    const util::Bytes b = st.column_blob(3);
    m.text = std::string(b.begin(), b.end());
  }
  m.sent_ms = st.column_int(4);
  m.status_level = static_cast<int>(st.column_int(5));
  return m;
}

bool Store::raise_sent_status(const std::string& id, int level) {
  std::lock_guard<std::recursive_mutex> lock(mu_);
  sql::Statement st(*stmts_,
                    "UPDATE sent_messages SET status_level = ? WHERE id = ? AND status_level < ? "
                    "RETURNING id");
  st.bind(1, static_cast<int64_t>(level)).bind(2, id).bind(3, static_cast<int64_t>(level));
  bool changed = false;
  while (st.step()) changed = true;
  return changed;
}

}  // namespace wa::store
