// The single `device` row: save (replace atomically) and load.
#include <sqlite3.h>

#include <stdexcept>

#include "wa/store/device_store.hpp"
#include "wa/store/sqlite_util.hpp"

namespace wa::store {
namespace {

util::curve::Key32 key_column(const sql::Statement& st, int col, const char* name) {
  util::Bytes b = st.column_blob(col);
  if (b.size() != 32) throw StoreError(std::string("device row is corrupt: bad length of ") + name);
  return util::curve::to_key32(b);
}

void require_length(const Bytes& b, size_t n, const char* name) {
  if (b.size() != n) {
    throw StoreError(std::string("cannot save device: ") + name + " must be " + std::to_string(n) +
                     " bytes, got " + std::to_string(b.size()));
  }
}

}  // namespace

void Store::save_device(const Device& d) {
  require_length(d.signed_pre_key.signature, 64, "signed prekey signature");
  require_length(d.adv_secret, 32, "adv secret");
  if (d.signed_pre_key.id >= (1u << 24)) {
    throw StoreError("cannot save device: signed prekey id must fit in 3 bytes");
  }

  std::lock_guard<std::recursive_mutex> lock(mu_);
  sql::Transaction tx(*stmts_);
  sql::Statement st(*stmts_,
                    "INSERT OR REPLACE INTO device (id, noise_priv, noise_pub, identity_priv, "
                    "identity_pub, registration_id, signed_pre_key_id, signed_pre_key_priv, "
                    "signed_pre_key_pub, signed_pre_key_sig, adv_secret, jid, lid, account, "
                    "platform, business_name, push_name) "
                    "VALUES (1, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
  st.bind(1, d.noise_key.priv_bytes())
      .bind(2, d.noise_key.pub_bytes())
      .bind(3, d.identity_key.priv_bytes())
      .bind(4, d.identity_key.pub_bytes())
      .bind(5, static_cast<int64_t>(d.registration_id))
      .bind(6, static_cast<int64_t>(d.signed_pre_key.id))
      .bind(7, d.signed_pre_key.key.priv_bytes())
      .bind(8, d.signed_pre_key.key.pub_bytes())
      .bind(9, d.signed_pre_key.signature)
      .bind(10, d.adv_secret)
      .bind(11, d.jid)
      .bind(12, d.lid)
      .bind(13, d.account)
      .bind(14, d.platform)
      .bind(15, d.business_name)
      .bind(16, d.push_name);
  st.run();
  tx.commit();
}

std::optional<Device> Store::load_device() {
  std::lock_guard<std::recursive_mutex> lock(mu_);
  sql::Statement st(*stmts_,
                    "SELECT noise_priv, noise_pub, identity_priv, identity_pub, registration_id, "
                    "signed_pre_key_id, signed_pre_key_priv, signed_pre_key_pub, "
                    "signed_pre_key_sig, adv_secret, jid, lid, account, platform, business_name, "
                    "push_name FROM device WHERE id = 1");
  if (!st.step()) return std::nullopt;
  Device d;
  d.noise_key.priv = key_column(st, 0, "noise_priv");
  d.noise_key.pub = key_column(st, 1, "noise_pub");
  d.identity_key.priv = key_column(st, 2, "identity_priv");
  d.identity_key.pub = key_column(st, 3, "identity_pub");
  d.registration_id = static_cast<uint32_t>(st.column_int(4));
  d.signed_pre_key.id = static_cast<uint32_t>(st.column_int(5));
  d.signed_pre_key.key.priv = key_column(st, 6, "signed_pre_key_priv");
  d.signed_pre_key.key.pub = key_column(st, 7, "signed_pre_key_pub");
  d.signed_pre_key.signature = st.column_blob(8);
  d.adv_secret = st.column_blob(9);
  d.jid = st.column_text(10);
  d.lid = st.column_text(11);
  d.account = st.column_blob(12);
  d.platform = st.column_text(13);
  d.business_name = st.column_text(14);
  d.push_name = st.column_text(15);
  return d;
}

}  // namespace wa::store
