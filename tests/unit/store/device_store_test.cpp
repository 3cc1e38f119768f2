#include <catch2/catch.hpp>
#include <sqlite3.h>

#include <algorithm>
#include <cstdio>

#include "device_check.hpp"
#include "temp_dir.hpp"
#include "util/crypto.hpp"
#include "wa/store/device_store.hpp"

using store_test::TempDir;
using wa::store::Device;
using wa::store::Store;

namespace {

Device paired_device() {
  Device d = Device::generate();
  d.jid = "15551234567:12@s.whatsapp.net";
  d.lid = "123456789012345:12@lid";
  d.account = util::crypto::random_bytes(170);
  d.account[5] = 0;  // embedded NUL must survive (BLOB, not TEXT)
  d.platform = "android";
  d.business_name = "Acme \xC3\x9F GmbH";
  d.push_name = "Zo\xC3\xAB";
  return d;
}

}  // namespace

TEST_CASE("Device::generate makes fresh, self-consistent credentials", "[store]") {
  Device a = Device::generate();
  Device b = Device::generate();
  CHECK(store_test::self_consistent(a));
  CHECK(a.signed_pre_key.id == 1);
  CHECK(a.signed_pre_key.signature.size() == 64);
  CHECK(a.adv_secret.size() == 32);
  CHECK_FALSE(a.paired());
  CHECK(a.noise_key.priv != b.noise_key.priv);
  CHECK(a.identity_key.priv != b.identity_key.priv);
  CHECK(a.noise_key.priv != a.identity_key.priv);
  CHECK(a.adv_secret != b.adv_secret);
  // The signature covers 05||pub, not the bare 32-byte key.
  util::Bytes bare(a.signed_pre_key.key.pub.begin(), a.signed_pre_key.key.pub.end());
  CHECK_FALSE(util::curve::verify(a.identity_key.pub, bare, a.signed_pre_key.signature));
  // ...and it is the identity key that signs.
  CHECK_FALSE(util::curve::verify(a.noise_key.pub,
                                  store_test::serialized_pub(a.signed_pre_key.key.pub),
                                  a.signed_pre_key.signature));
}

TEST_CASE("registration ids are 14-bit and non-zero", "[store]") {
  for (int i = 0; i < 64; ++i) {
    uint32_t id = Device::generate().registration_id;
    CHECK(id >= 1);
    CHECK(id <= 0x3FFF);
  }
}

TEST_CASE("a fresh store has no device", "[store]") {
  TempDir t;
  auto s = Store::open(t.sub("acme"));
  CHECK_FALSE(s->load_device().has_value());
  CHECK(s->dir() == t.sub("acme"));
}

TEST_CASE("generated device round-trips", "[store]") {
  TempDir t;
  auto s = Store::open(t.sub("acme"));
  Device d = Device::generate();
  s->save_device(d);
  auto back = s->load_device();
  REQUIRE(back.has_value());
  CHECK(store_test::same_device(d, *back));
  CHECK_FALSE(back->paired());
  CHECK(store_test::self_consistent(*back));
}

TEST_CASE("paired device round-trips and replaces the unpaired row", "[store]") {
  TempDir t;
  auto s = Store::open(t.sub("acme"));
  Device first = Device::generate();
  s->save_device(first);
  Device d = paired_device();
  s->save_device(d);
  auto back = s->load_device();
  REQUIRE(back.has_value());
  CHECK(store_test::same_device(d, *back));
  CHECK(back->paired());
  CHECK(back->account.size() == 170);

  // Exactly one row, whatever was saved before.
  sqlite3* raw = nullptr;
  REQUIRE(sqlite3_open_v2((t.sub("acme") + "/store.db").c_str(), &raw, SQLITE_OPEN_READONLY,
                          nullptr) == SQLITE_OK);
  sqlite3_stmt* st = nullptr;
  REQUIRE(sqlite3_prepare_v2(raw, "SELECT count(*) FROM device", -1, &st, nullptr) == SQLITE_OK);
  REQUIRE(sqlite3_step(st) == SQLITE_ROW);
  CHECK(sqlite3_column_int(st, 0) == 1);
  sqlite3_finalize(st);
  sqlite3_close(raw);
}

TEST_CASE("data survives close and reopen", "[store]") {
  TempDir t;
  Device d = paired_device();
  {
    auto s = Store::open(t.sub("acme"));
    s->save_device(d);
    s->put_lid_mapping("123456789012345", "15551234567");
    s->put_identity("123456789012345_1", 0, util::Bytes(32, 0xAB));
  }
  auto s = Store::open(t.sub("acme"));
  auto back = s->load_device();
  REQUIRE(back.has_value());
  CHECK(store_test::same_device(d, *back));
  CHECK(s->pn_for_lid("123456789012345") == std::optional<std::string>("15551234567"));
  CHECK(s->get_identity("123456789012345_1", 0) == std::optional<util::Bytes>(util::Bytes(32, 0xAB)));
}

TEST_CASE("save_device rejects malformed credentials and keeps the old row", "[store]") {
  TempDir t;
  auto s = Store::open(t.sub("acme"));
  Device good = Device::generate();
  s->save_device(good);

  Device bad = Device::generate();
  bad.adv_secret.resize(31);
  CHECK_THROWS_AS(s->save_device(bad), wa::store::StoreError);
  bad = Device::generate();
  bad.signed_pre_key.signature.clear();
  CHECK_THROWS_AS(s->save_device(bad), wa::store::StoreError);

  auto back = s->load_device();
  REQUIRE(back.has_value());
  CHECK(store_test::same_device(good, *back));
}

TEST_CASE("wipe deletes every row but keeps the store usable", "[store]") {
  TempDir t;
  auto s = Store::open(t.sub("acme"));
  s->save_device(paired_device());
  s->put_lid_mapping("1", "2");
  s->put_identity("x_1", 3, util::Bytes(32, 1));
  s->wipe();
  CHECK_FALSE(s->load_device().has_value());
  CHECK_FALSE(s->pn_for_lid("1").has_value());
  CHECK_FALSE(s->lid_for_pn("2").has_value());
  CHECK_FALSE(s->get_identity("x_1", 3).has_value());

  // Still usable, and the wipe persisted across reopen.
  Device d = Device::generate();
  s->save_device(d);
  s.reset();
  s = Store::open(t.sub("acme"));
  auto back = s->load_device();
  REQUIRE(back.has_value());
  CHECK(store_test::same_device(d, *back));
  CHECK_FALSE(s->pn_for_lid("1").has_value());
}

TEST_CASE("a database from a newer build is refused", "[store]") {
  TempDir t;
  { auto s = Store::open(t.sub("acme")); }
  sqlite3* raw = nullptr;
  REQUIRE(sqlite3_open((t.sub("acme") + "/store.db").c_str(), &raw) == SQLITE_OK);
  REQUIRE(sqlite3_exec(raw, "PRAGMA user_version = 999", nullptr, nullptr, nullptr) == SQLITE_OK);
  sqlite3_close(raw);
  CHECK_THROWS_AS(Store::open(t.sub("acme")), wa::store::StoreError);
}

TEST_CASE("open runs migrations once and creates the Signal tables", "[store]") {
  TempDir t;
  { auto s = Store::open(t.sub("acme")); }
  { auto s = Store::open(t.sub("acme")); }  // second open must not re-run migration 1
  sqlite3* raw = nullptr;
  REQUIRE(sqlite3_open_v2((t.sub("acme") + "/store.db").c_str(), &raw, SQLITE_OPEN_READONLY,
                          nullptr) == SQLITE_OK);
  for (const char* table : {"device", "lid_map", "identities", "prekeys", "sessions", "sender_keys"}) {
    sqlite3_stmt* st = nullptr;
    REQUIRE(sqlite3_prepare_v2(raw, "SELECT count(*) FROM sqlite_master WHERE type='table' AND name=?",
                               -1, &st, nullptr) == SQLITE_OK);
    sqlite3_bind_text(st, 1, table, -1, SQLITE_STATIC);
    REQUIRE(sqlite3_step(st) == SQLITE_ROW);
    INFO(table);
    CHECK(sqlite3_column_int(st, 0) == 1);
    sqlite3_finalize(st);
  }
  sqlite3_stmt* st = nullptr;
  REQUIRE(sqlite3_prepare_v2(raw, "PRAGMA user_version", -1, &st, nullptr) == SQLITE_OK);
  REQUIRE(sqlite3_step(st) == SQLITE_ROW);
  CHECK(sqlite3_column_int(st, 0) >= 1);
  sqlite3_finalize(st);
  REQUIRE(sqlite3_prepare_v2(raw, "PRAGMA journal_mode", -1, &st, nullptr) == SQLITE_OK);
  REQUIRE(sqlite3_step(st) == SQLITE_ROW);
  CHECK(std::string(reinterpret_cast<const char*>(sqlite3_column_text(st, 0))) == "wal");
  sqlite3_finalize(st);
  sqlite3_close(raw);
}

namespace {

util::Bytes file_bytes(const std::string& path) {
  FILE* f = fopen(path.c_str(), "rb");
  if (!f) return {};
  util::Bytes out;
  uint8_t buf[4096];
  size_t n;
  while ((n = fread(buf, 1, sizeof buf, f)) > 0) out.insert(out.end(), buf, buf + n);
  fclose(f);
  return out;
}

bool contains(const util::Bytes& hay, const util::curve::Key32& needle) {
  return std::search(hay.begin(), hay.end(), needle.begin(), needle.end()) != hay.end();
}

}  // namespace

TEST_CASE("after wipe no private key bytes remain in the database files", "[store]") {
  TempDir t;
  const std::string db = t.sub("acme") + "/store.db";
  Device d = Device::generate();
  {
    auto s = Store::open(t.sub("acme"));
    s->save_device(d);
    // The key is on disk before the wipe (otherwise the check below proves nothing).
    util::Bytes before = file_bytes(db);
    util::Bytes before_wal = file_bytes(db + "-wal");
    before.insert(before.end(), before_wal.begin(), before_wal.end());
    REQUIRE(contains(before, d.identity_key.priv));
    s->wipe();
  }
  for (const std::string& path : {db, db + "-wal", db + "-shm"}) {
    util::Bytes bytes = file_bytes(path);
    INFO(path);
    CHECK_FALSE(contains(bytes, d.identity_key.priv));
    CHECK_FALSE(contains(bytes, d.noise_key.priv));
    CHECK_FALSE(contains(bytes, d.signed_pre_key.key.priv));
  }
}
