// The tenant store's staged events and sent messages (migration 3).
#include <catch2/catch.hpp>

#include "temp_dir.hpp"
#include "wa/store/device_store.hpp"

using store_test::TempDir;
using wa::store::Store;

namespace {

Store::StagedEvent staged(const std::string& key, const std::string& data) {
  Store::StagedEvent e;
  e.source_key = key;
  e.type = "message.received";
  e.data = data;
  e.created_ms = 1700000000000;
  return e;
}

}  // namespace

TEST_CASE("staged events come back oldest first and survive reopen and wipe", "[store][events]") {
  TempDir t;
  {
    auto s = Store::open(t.sub("acme"));
    const int64_t a = s->stage_event(staged("k1", R"({"n":1})"));
    const int64_t b = s->stage_event(staged("k2", R"({"n":2})"));
    CHECK(b > a);
    CHECK_THROWS_AS(s->stage_event(staged("k1", "{}")), wa::store::StoreError);  // key reused
    CHECK_THROWS_AS(s->stage_event(staged("", "{}")), wa::store::StoreError);
    s->wipe();  // a logout wipes credentials, not what arrived before it
  }
  auto s = Store::open(t.sub("acme"));
  auto rows = s->staged_events(10);
  REQUIRE(rows.size() == 2);
  CHECK(rows[0].source_key == "k1");
  CHECK(rows[0].data == R"({"n":1})");
  CHECK(rows[0].type == "message.received");
  CHECK(rows[0].created_ms == 1700000000000);
  CHECK(rows[1].source_key == "k2");
  CHECK(s->staged_events(1).size() == 1);
  const int64_t c = s->stage_event(staged("k3", R"({"n":3})"));
  s->remove_staged_events(rows[1].seq);  // k1 and k2, not the later k3
  rows = s->staged_events(10);
  REQUIRE(rows.size() == 1);
  CHECK(rows[0].source_key == "k3");
  CHECK(rows[0].seq == c);
  s->remove_staged_events(c);
  CHECK(s->staged_events(10).empty());
}

TEST_CASE("a staged event rolls back with its transaction", "[store][events]") {
  TempDir t;
  auto s = Store::open(t.sub("acme"));
  CHECK_THROWS(s->transaction([&] {
    s->stage_event(staged("k1", "{}"));
    s->put_lid_mapping("111", "15550000001");
    throw std::runtime_error("decryption failed after all");
  }));
  CHECK(s->staged_events(10).empty());
  CHECK_FALSE(s->pn_for_lid("111").has_value());
  s->transaction([&] { s->stage_event(staged("k1", "{}")); });
  CHECK(s->staged_events(10).size() == 1);
}

TEST_CASE("sent messages keep recent texts and raise their status only upwards", "[store][events]") {
  TempDir t;
  auto s = Store::open(t.sub("acme"));
  const int64_t now = 1700000000000;
  s->put_sent_message({"ID1", "111@lid", "15550000001@s.whatsapp.net", std::string("hello"), now, 0});
  auto m = s->find_sent_message("ID1");
  REQUIRE(m);
  CHECK(m->chat == "111@lid");
  CHECK(m->recipient == "15550000001@s.whatsapp.net");
  CHECK(m->text == std::optional<std::string>("hello"));
  CHECK(m->status_level == 0);
  CHECK_FALSE(s->find_sent_message("ID2"));

  CHECK(s->raise_sent_status("ID1", 2));   // read before delivered: read
  CHECK_FALSE(s->raise_sent_status("ID1", 1));  // delivered after read: nothing new
  CHECK_FALSE(s->raise_sent_status("ID1", 2));  // read again: nothing new
  CHECK(s->raise_sent_status("ID1", 3));
  CHECK(s->find_sent_message("ID1")->status_level == 3);
  CHECK_FALSE(s->raise_sent_status("unknown", 1));

  // Only the newest kKeepSentTexts keep their text; the rows stay for receipts.
  for (int64_t i = 0; i < Store::kKeepSentTexts; ++i) {
    s->put_sent_message({"N" + std::to_string(i), "111@lid", "15550000001@s.whatsapp.net",
                         std::string("t"), now + 1 + i, 0});
  }
  m = s->find_sent_message("ID1");
  REQUIRE(m);
  CHECK_FALSE(m->text.has_value());
  CHECK(m->status_level == 3);
  CHECK(s->find_sent_message("N0")->text == std::optional<std::string>("t"));

  // Rows older than kKeepSentMs go when a newer message is recorded.
  s->put_sent_message({"LATE", "111@lid", "15550000001@s.whatsapp.net", std::string("x"),
                       now + Store::kKeepSentMs + 1, 0});
  CHECK_FALSE(s->find_sent_message("ID1"));
  CHECK(s->find_sent_message("LATE"));

  // A restart keeps them: a retry receipt after it is still answered with the original text.
  s.reset();
  s = Store::open(t.sub("acme"));
  REQUIRE(s->find_sent_message("LATE"));
  CHECK(s->find_sent_message("LATE")->text == std::optional<std::string>("x"));

  // A wipe (logout) forgets them: they hold message text.
  s->wipe();
  CHECK_FALSE(s->find_sent_message("LATE"));
}
