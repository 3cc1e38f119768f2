// Round trips of every Signal record type the store keeps (sessions, identities, one-time
// prekeys, the signed prekey inside the device row, sender keys) and the transaction contract
// that libsignal's ratchet steps rely on (PROTOCOL.md §8 prekey ids, §9 Signal addresses).
#include <catch2/catch.hpp>
#include <sqlite3.h>

#include <chrono>
#include <stdexcept>
#include <thread>

#include "device_check.hpp"
#include "temp_dir.hpp"
#include "wa/store/device_store.hpp"

using store_test::TempDir;
using util::Bytes;
using wa::store::Device;
using wa::store::Store;
using OptBytes = std::optional<Bytes>;

namespace {

Bytes record(uint8_t fill, size_t n = 40) {
  Bytes b(n, fill);
  b[0] = 0;  // a leading zero byte must survive the round trip
  return b;
}

std::vector<uint32_t> ids_of(const std::vector<Store::PreKey>& keys) {
  std::vector<uint32_t> out;
  for (const auto& k : keys) out.push_back(k.id);
  return out;
}

// Runs one statement on the store file through a separate raw connection.
void raw_exec(const std::string& dir, const std::string& sql) {
  sqlite3* raw = nullptr;
  REQUIRE(sqlite3_open((dir + "/store.db").c_str(), &raw) == SQLITE_OK);
  REQUIRE(sqlite3_exec(raw, sql.c_str(), nullptr, nullptr, nullptr) == SQLITE_OK);
  sqlite3_close(raw);
}

struct Rollback : std::runtime_error {
  Rollback() : std::runtime_error("rollback") {}
};

}  // namespace

TEST_CASE("sessions round-trip by (name, device)", "[store][signal]") {
  TempDir t;
  auto s = Store::open(t.sub("acme"));
  CHECK_FALSE(s->load_session("15551234567", 0).has_value());
  CHECK_FALSE(s->contains_session("15551234567", 0));
  CHECK(s->session_devices("15551234567").empty());

  s->store_session("15551234567", 0, record(1));
  s->store_session("15551234567", 12, record(2));
  s->store_session("123456789_1", 0, record(3));  // the LID address of someone is separate
  CHECK(s->load_session("15551234567", 0) == OptBytes(record(1)));
  CHECK(s->load_session("15551234567", 12) == OptBytes(record(2)));
  CHECK(s->load_session("123456789_1", 0) == OptBytes(record(3)));
  CHECK_FALSE(s->load_session("15551234567", 1).has_value());
  CHECK(s->contains_session("15551234567", 12));
  CHECK(s->session_devices("15551234567") == std::vector<uint32_t>{0, 12});
  CHECK(s->session_devices("123456789_1") == std::vector<uint32_t>{0});

  s->store_session("15551234567", 0, record(4, 300));  // a ratchet step replaces the record
  CHECK(s->load_session("15551234567", 0) == OptBytes(record(4, 300)));

  s->delete_session("15551234567", 12);
  CHECK_FALSE(s->contains_session("15551234567", 12));
  CHECK(s->contains_session("15551234567", 0));
  s->delete_all_sessions("15551234567");
  CHECK(s->session_devices("15551234567").empty());
  CHECK(s->contains_session("123456789_1", 0));  // other names untouched

  CHECK_THROWS_AS(s->store_session("x", 0, Bytes{}), wa::store::StoreError);
}

TEST_CASE("sessions and identities survive reopening the store", "[store][signal]") {
  TempDir t;
  {
    auto s = Store::open(t.sub("acme"));
    s->store_session("15551234567", 3, record(7));
    s->put_identity("15551234567", 3, Bytes(32, 0x42));
    s->store_sender_key("120363@g.us", "15551234567", 3, record(8));
  }
  auto s = Store::open(t.sub("acme"));
  CHECK(s->load_session("15551234567", 3) == OptBytes(record(7)));
  CHECK(s->get_identity("15551234567", 3) == OptBytes(Bytes(32, 0x42)));
  CHECK(s->load_sender_key("120363@g.us", "15551234567", 3) == OptBytes(record(8)));
}

TEST_CASE("delete_identity removes only that address", "[store][signal]") {
  TempDir t;
  auto s = Store::open(t.sub("acme"));
  s->put_identity("15551234567", 0, Bytes(32, 1));
  s->put_identity("15551234567", 5, Bytes(32, 2));
  s->delete_identity("15551234567", 0);
  CHECK_FALSE(s->get_identity("15551234567", 0).has_value());
  CHECK(s->get_identity("15551234567", 5) == OptBytes(Bytes(32, 2)));
  s->delete_identity("15551234567", 0);  // idempotent
}

TEST_CASE("sender keys round-trip by group and sender address", "[store][signal]") {
  TempDir t;
  auto s = Store::open(t.sub("acme"));
  CHECK_FALSE(s->load_sender_key("g1", "111", 0).has_value());
  s->store_sender_key("g1", "111", 0, record(1));
  s->store_sender_key("g1", "111", 2, record(2));
  s->store_sender_key("g2", "111", 0, record(3));
  CHECK(s->load_sender_key("g1", "111", 0) == OptBytes(record(1)));
  CHECK(s->load_sender_key("g1", "111", 2) == OptBytes(record(2)));
  CHECK(s->load_sender_key("g2", "111", 0) == OptBytes(record(3)));
  CHECK_FALSE(s->load_sender_key("g1", "222", 0).has_value());
  s->store_sender_key("g1", "111", 0, record(9));
  CHECK(s->load_sender_key("g1", "111", 0) == OptBytes(record(9)));
}

TEST_CASE("the signed prekey round-trips inside the device row", "[store][signal]") {
  TempDir t;
  auto s = Store::open(t.sub("acme"));
  Device d = Device::generate();
  s->save_device(d);
  auto loaded = s->load_device();
  REQUIRE(loaded);
  CHECK(loaded->signed_pre_key.id == 1);  // both reference clients use id 1 (§6, §8)
  CHECK(loaded->signed_pre_key.key.priv == d.signed_pre_key.key.priv);
  CHECK(loaded->signed_pre_key.key.pub == d.signed_pre_key.key.pub);
  CHECK(loaded->signed_pre_key.signature == d.signed_pre_key.signature);
  CHECK(loaded->registration_id == d.registration_id);
  // The signature still verifies with the stored identity key over 05||pub (§8).
  CHECK(store_test::self_consistent(*loaded));
}

TEST_CASE("prekeys: a key given to a peer directly is never offered for upload", "[store][signal]") {
  TempDir t;
  auto s = Store::open(t.sub("acme"));
  // An upload of 1..3 is in flight (generated, not yet acknowledged) when a retry receipt
  // needs a key of its own (whatsmeow GenOnePreKey).
  CHECK(ids_of(s->get_or_generate_prekeys(3)) == std::vector<uint32_t>{1, 2, 3});
  const Store::PreKey direct = s->generate_direct_prekey();
  CHECK(direct.id == 4);
  CHECK(direct.uploaded);
  auto stored = s->load_prekey(4);
  REQUIRE(stored);
  CHECK(stored->key.priv == direct.key.priv);
  CHECK(stored->uploaded);
  // The retried upload sends 1..3 again and new keys skip 4.
  CHECK(ids_of(s->get_or_generate_prekeys(5)) == std::vector<uint32_t>{1, 2, 3, 5, 6});
  CHECK(s->generate_direct_prekey().id == 7);
}

TEST_CASE("prekeys: sequential ids from 1, unuploaded handed out again", "[store][signal]") {
  TempDir t;
  auto s = Store::open(t.sub("acme"));
  CHECK(s->get_or_generate_prekeys(0).empty());
  auto first = s->get_or_generate_prekeys(3);
  CHECK(ids_of(first) == std::vector<uint32_t>{1, 2, 3});
  for (const auto& k : first) {
    CHECK_FALSE(k.uploaded);
    CHECK(util::curve::KeyPair::from_private(k.key.priv).pub == k.key.pub);
  }
  CHECK(first[0].key.pub != first[1].key.pub);

  // A retry before the server acknowledged: the same keys first, then new ones.
  auto again = s->get_or_generate_prekeys(5);
  CHECK(ids_of(again) == std::vector<uint32_t>{1, 2, 3, 4, 5});
  CHECK(again[0].key.priv == first[0].key.priv);
  CHECK(again[2].key.pub == first[2].key.pub);

  CHECK(s->uploaded_prekey_count() == 0);
  s->mark_prekeys_uploaded(3);
  CHECK(s->uploaded_prekey_count() == 3);
  CHECK(ids_of(s->get_or_generate_prekeys(2)) == std::vector<uint32_t>{4, 5});
  CHECK(ids_of(s->get_or_generate_prekeys(3)) == std::vector<uint32_t>{4, 5, 6});

  auto two = s->load_prekey(2);
  REQUIRE(two);
  CHECK(two->id == 2);
  CHECK(two->uploaded);
  CHECK(two->key.priv == first[1].key.priv);
  CHECK(two->key.pub == first[1].key.pub);
  auto six = s->load_prekey(6);
  REQUIRE(six);
  CHECK_FALSE(six->uploaded);
  CHECK_FALSE(s->load_prekey(7).has_value());

  // A pkmsg consumed an uploaded key: it is gone and no longer counted.
  s->remove_prekey(2);
  CHECK_FALSE(s->load_prekey(2).has_value());
  CHECK(s->uploaded_prekey_count() == 2);
  s->remove_prekey(2);  // idempotent
}

TEST_CASE("prekey ids are never handed out twice, even after removal and reopen",
          "[store][signal]") {
  TempDir t;
  {
    auto s = Store::open(t.sub("acme"));
    CHECK(ids_of(s->get_or_generate_prekeys(3)) == std::vector<uint32_t>{1, 2, 3});
    s->mark_prekeys_uploaded(3);
    s->remove_prekey(3);  // the highest id was consumed
  }
  auto s = Store::open(t.sub("acme"));
  CHECK(ids_of(s->get_or_generate_prekeys(1)) == std::vector<uint32_t>{4});
  s->mark_prekeys_uploaded(4);
  s->remove_prekey(4);
  s->remove_prekey(2);
  s->remove_prekey(1);  // the table is empty now, the counter still remembers
  CHECK(ids_of(s->get_or_generate_prekeys(1)) == std::vector<uint32_t>{5});

  // wipe() (logout) starts numbering afresh with the new credentials.
  s->wipe();
  CHECK(ids_of(s->get_or_generate_prekeys(2)) == std::vector<uint32_t>{1, 2});
}

TEST_CASE("prekey ids stay below 2^24 (3-byte <id>)", "[store][signal]") {
  TempDir t;
  const std::string dir = t.sub("acme");
  { auto s = Store::open(dir); }
  raw_exec(dir, "UPDATE prekey_counter SET next_id = 16777214 WHERE id = 1");
  auto s = Store::open(dir);
  auto keys = s->get_or_generate_prekeys(2);
  CHECK(ids_of(keys) == std::vector<uint32_t>{16777214, 16777215});
  s->mark_prekeys_uploaded(16777215);
  CHECK_THROWS_AS(s->get_or_generate_prekeys(1), wa::store::StoreError);
  CHECK(s->uploaded_prekey_count() == 2);  // the failed call wrote nothing
}

TEST_CASE("an exception inside transaction() leaves nothing written", "[store][signal]") {
  TempDir t;
  auto s = Store::open(t.sub("acme"));
  s->store_session("keep", 1, record(1));
  CHECK_THROWS_AS(s->transaction([&] {
    s->store_session("keep", 1, record(2));  // overwrite
    s->store_session("new", 2, record(3));
    s->put_identity("new", 2, Bytes(32, 9));
    s->get_or_generate_prekeys(4);
    s->remove_prekey(1);
    s->store_sender_key("g", "new", 2, record(4));
    throw Rollback();
  }), Rollback);
  CHECK(s->load_session("keep", 1) == OptBytes(record(1)));
  CHECK_FALSE(s->contains_session("new", 2));
  CHECK_FALSE(s->get_identity("new", 2).has_value());
  CHECK_FALSE(s->load_prekey(1).has_value());
  CHECK_FALSE(s->load_sender_key("g", "new", 2).has_value());
  // The rolled-back generation handed out no ids: numbering still starts at 1.
  CHECK(ids_of(s->get_or_generate_prekeys(1)) == std::vector<uint32_t>{1});

  // And a transaction that completes commits everything.
  s->transaction([&] {
    s->store_session("new", 2, record(5));
    s->put_identity("new", 2, Bytes(32, 9));
  });
  CHECK(s->load_session("new", 2) == OptBytes(record(5)));
  CHECK(s->get_identity("new", 2) == OptBytes(Bytes(32, 9)));
}

TEST_CASE("calls inside transaction() join it: invisible to others until commit",
          "[store][signal]") {
  TempDir t;
  auto s = Store::open(t.sub("acme"));
  auto other = Store::open(t.sub("acme"));  // a second connection to the same file
  s->transaction([&] {
    s->store_session("bob", 0, record(1));
    s->put_identity("bob", 0, Bytes(32, 7));
    // Visible on the writing connection...
    CHECK(s->load_session("bob", 0) == OptBytes(record(1)));
    // ...but not committed: had each call committed on its own, the other connection would
    // already see them.
    CHECK_FALSE(other->load_session("bob", 0).has_value());
    CHECK_FALSE(other->get_identity("bob", 0).has_value());
  });
  CHECK(other->load_session("bob", 0) == OptBytes(record(1)));
  CHECK(other->get_identity("bob", 0) == OptBytes(Bytes(32, 7)));
}

TEST_CASE("reads inside reading() share one snapshot", "[store][signal]") {
  TempDir t;
  auto s = Store::open(t.sub("acme"));
  auto other = Store::open(t.sub("acme"));  // a second connection to the same file
  s->store_session("bob", 0, record(1));
  s->reading([&] {
    CHECK(s->load_session("bob", 0) == OptBytes(record(1)));
    // Committed by the other connection after this snapshot began: not seen inside it.
    other->store_session("bob", 0, record(2));
    CHECK(s->load_session("bob", 0) == OptBytes(record(1)));
  });
  CHECK(s->load_session("bob", 0) == OptBytes(record(2)));
  // A failure inside leaves the connection usable, outside any transaction.
  CHECK_THROWS_AS(s->reading([&] { throw Rollback(); }), Rollback);
  s->transaction([&] { s->store_session("bob", 1, record(3)); });
  CHECK(other->load_session("bob", 1) == OptBytes(record(3)));
}

TEST_CASE("a nested transaction that fails rolls back only its own part", "[store][signal]") {
  TempDir t;
  const std::string dir = t.sub("acme");
  { auto s = Store::open(dir); }
  raw_exec(dir, "UPDATE prekey_counter SET next_id = 16777215 WHERE id = 1");
  auto s = Store::open(dir);
  s->transaction([&] {
    s->store_session("outer", 0, record(1));
    try {
      s->transaction([&] {
        s->store_session("inner", 0, record(2));
        throw Rollback();
      });
    } catch (const Rollback&) {
    }
    CHECK_FALSE(s->contains_session("inner", 0));
    CHECK(s->contains_session("outer", 0));
    // A Store method whose own sql::Transaction fails half-way (the last 3-byte id is used up)
    // undoes only itself; the outer transaction stays open and usable.
    CHECK(ids_of(s->get_or_generate_prekeys(1)) == std::vector<uint32_t>{16777215});
    CHECK_THROWS_AS(s->get_or_generate_prekeys(2), wa::store::StoreError);
    s->store_session("outer", 1, record(3));
  });
  CHECK(s->load_session("outer", 0) == OptBytes(record(1)));
  CHECK(s->load_session("outer", 1) == OptBytes(record(3)));
  CHECK_FALSE(s->contains_session("inner", 0));
  CHECK(s->load_prekey(16777215).has_value());
}

TEST_CASE("another thread's write is not swallowed by a rolled-back transaction",
          "[store][signal]") {
  TempDir t;
  auto s = Store::open(t.sub("acme"));
  std::thread writer;
  CHECK_THROWS_AS(s->transaction([&] {
    s->store_session("mine", 0, record(1));
    writer = std::thread([&] { s->store_session("theirs", 0, record(2)); });
    // Give the other thread time to reach the store; it must wait for this transaction.
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    throw Rollback();
  }), Rollback);
  writer.join();
  CHECK_FALSE(s->contains_session("mine", 0));
  CHECK(s->load_session("theirs", 0) == OptBytes(record(2)));
}
