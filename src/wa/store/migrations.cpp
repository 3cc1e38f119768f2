#include "wa/store/migrations.hpp"

#include <sqlite3.h>
#include <string>

#include "wa/store/sqlite_util.hpp"

namespace wa::store {
namespace {

// Migration 1: the credentials and Signal state PROTOCOL.md §6 "Persist (minimum)" lists.
// Column choices follow whatsmeow's store/sqlstore schema (whatsmeow_device, _identity_keys,
// _pre_keys, _sessions, _sender_keys, _lid_map) minus its multi-account our_jid columns: here
// one database holds exactly one tenant's device. Key lengths are enforced by CHECKs so a bug
// elsewhere cannot persist a truncated key.
constexpr const char* kMigration1 = R"sql(
CREATE TABLE device (
  id                  INTEGER PRIMARY KEY CHECK (id = 1),
  noise_priv          BLOB    NOT NULL CHECK (length(noise_priv) = 32),
  noise_pub           BLOB    NOT NULL CHECK (length(noise_pub) = 32),
  identity_priv       BLOB    NOT NULL CHECK (length(identity_priv) = 32),
  identity_pub        BLOB    NOT NULL CHECK (length(identity_pub) = 32),
  registration_id     INTEGER NOT NULL CHECK (registration_id >= 0 AND registration_id < 4294967296),
  signed_pre_key_id   INTEGER NOT NULL CHECK (signed_pre_key_id >= 0 AND signed_pre_key_id < 16777216),
  signed_pre_key_priv BLOB    NOT NULL CHECK (length(signed_pre_key_priv) = 32),
  signed_pre_key_pub  BLOB    NOT NULL CHECK (length(signed_pre_key_pub) = 32),
  signed_pre_key_sig  BLOB    NOT NULL CHECK (length(signed_pre_key_sig) = 64),
  adv_secret          BLOB    NOT NULL CHECK (length(adv_secret) = 32),
  jid                 TEXT    NOT NULL DEFAULT '',
  lid                 TEXT    NOT NULL DEFAULT '',
  account             BLOB    NOT NULL DEFAULT x'',
  platform            TEXT    NOT NULL DEFAULT '',
  business_name       TEXT    NOT NULL DEFAULT '',
  push_name           TEXT    NOT NULL DEFAULT ''
);

-- LID <-> phone-number user parts; each side maps to at most one other (whatsmeow lidmap.go).
CREATE TABLE lid_map (
  lid_user TEXT PRIMARY KEY,
  pn_user  TEXT NOT NULL UNIQUE
);

-- Signal identity keys of remote addresses (name = "USER_1" style, device id).
CREATE TABLE identities (
  name   TEXT    NOT NULL,
  device INTEGER NOT NULL,
  key    BLOB    NOT NULL CHECK (length(key) = 32),
  PRIMARY KEY (name, device)
);

-- One-time prekeys: ids are sequential from 1 and sent in 3 bytes (PROTOCOL.md §8).
CREATE TABLE prekeys (
  id       INTEGER PRIMARY KEY CHECK (id >= 1 AND id < 16777216),
  priv     BLOB    NOT NULL CHECK (length(priv) = 32),
  pub      BLOB    NOT NULL CHECK (length(pub) = 32),
  uploaded INTEGER NOT NULL DEFAULT 0 CHECK (uploaded IN (0, 1))
);

-- Serialized Signal session records per remote address.
CREATE TABLE sessions (
  name   TEXT    NOT NULL,
  device INTEGER NOT NULL,
  record BLOB    NOT NULL,
  PRIMARY KEY (name, device)
);

-- Serialized sender-key records (group id + sender address), for group messages.
CREATE TABLE sender_keys (
  group_id      TEXT    NOT NULL,
  sender_name   TEXT    NOT NULL,
  sender_device INTEGER NOT NULL,
  record        BLOB    NOT NULL,
  PRIMARY KEY (group_id, sender_name, sender_device)
);
)sql";

// Migration 2: the next one-time prekey id, persisted. whatsmeow derives it as MAX(key_id) + 1
// (store/sqlstore/store.go getNextPreKeyID), which hands out an id again once the highest key was
// consumed by a pkmsg and removed; a peer still holding that id from an earlier upload would
// then build a session on a key we no longer have. A counter never goes back. Seeded from the
// keys already present so an upgraded store continues after them. One row (id = 1); absent after
// wipe(), when numbering restarts at 1 together with fresh credentials.
constexpr const char* kMigration2 = R"sql(
CREATE TABLE prekey_counter (
  id      INTEGER PRIMARY KEY CHECK (id = 1),
  next_id INTEGER NOT NULL CHECK (next_id >= 1 AND next_id <= 16777216)
);
INSERT INTO prekey_counter (id, next_id) SELECT 1, COALESCE(MAX(id), 0) + 1 FROM prekeys;
)sql";

// Migration 3: what the webhooks need to survive a crash, in the same database (and so the same
// transactions) as the Signal state.
// - staged_events: an event (message.received, message.status) written in the transaction that
//   commits the decryption or the receipt's status change, before the receipt or ack goes to
//   WhatsApp; moved to the service's event outbox right after the commit. `source_key` makes
//   that move idempotent when a crash repeats it. Kept by wipe(): events are not credentials.
// - sent_messages: messages this device sent, for two purposes. Retry receipts: a device that
//   could not decrypt its copy asks for it again, also after our restart (PROTOCOL.md §10
//   step 7), so the text is kept for the most recent ones only. Receipts: the highest status
//   a recipient device reported (1 delivered, 2 read, 3 played), so each is reported once.
constexpr const char* kMigration3 = R"sql(
CREATE TABLE staged_events (
  seq        INTEGER PRIMARY KEY AUTOINCREMENT,
  source_key TEXT    NOT NULL UNIQUE,
  type       TEXT    NOT NULL,
  data       TEXT    NOT NULL,
  created_ms INTEGER NOT NULL
);

CREATE TABLE sent_messages (
  seq          INTEGER PRIMARY KEY AUTOINCREMENT,
  id           TEXT    NOT NULL UNIQUE,
  chat         TEXT    NOT NULL,
  recipient    TEXT    NOT NULL,
  text         BLOB,
  sent_ms      INTEGER NOT NULL,
  status_level INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX sent_messages_by_time ON sent_messages (sent_ms);
)sql";

// Migration 4: put_sent_message() forgets the text of all but the newest texts on every send.
// Without this index that UPDATE walked every row older than them, and a busy tenant keeps a
// month of rows; with it, only the rows that still hold a text (about kKeepSentTexts + 1).
constexpr const char* kMigration4 = R"sql(
CREATE INDEX sent_messages_with_text ON sent_messages (seq) WHERE text IS NOT NULL;
)sql";

// Append new migrations here; index + 1 is the schema version each one produces.
constexpr const char* kMigrations[] = {kMigration1, kMigration2, kMigration3, kMigration4};
constexpr int kMigrationCount = sizeof(kMigrations) / sizeof(kMigrations[0]);

int read_user_version(sqlite3* db) {
  sql::Statement st(db, "PRAGMA user_version");
  if (!st.step()) throw StoreError("could not read schema version");
  return static_cast<int>(st.column_int(0));
}

}  // namespace

int latest_schema_version() { return kMigrationCount; }

void run_migrations(sqlite3* db) {
  for (;;) {
    // Read the version inside the write transaction: another process opening the same file at
    // the same moment must not run a migration twice.
    sql::Transaction tx(db);
    int version = read_user_version(db);
    if (version > kMigrationCount) {
      throw StoreError("store.db has schema version " + std::to_string(version) +
                       ", newer than this build supports (" + std::to_string(kMigrationCount) +
                       ")");
    }
    if (version == kMigrationCount) {
      tx.commit();
      return;
    }
    sql::exec(db, kMigrations[version]);
    // user_version lives in the database header and is written as part of this transaction.
    sql::exec(db, "PRAGMA user_version = " + std::to_string(version + 1));
    tx.commit();
  }
}

}  // namespace wa::store
