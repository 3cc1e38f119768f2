// Events and their JSON body: the documented keys in order, the API's time format, identical
// bytes for identical events, and the type names.
#include <catch2/catch.hpp>

#include <random>
#include <string>

#include "util/iso_time.hpp"
#include "webhooks/event.hpp"

using nlohmann::json;
using webhooks::Event;
using webhooks::EventType;

namespace {

Event sample() {
  Event e;
  e.id = "01HF7YAT00ABCDEFGHJKMNPQRS";
  e.type = EventType::message_received;
  e.tenant_id = "acme";
  e.created_ms = 1700000000123;
  e.data = json{{"text", "Olá! 👋 \"hi\""}, {"from", "15551234567@s.whatsapp.net"}};
  return e;
}

}  // namespace

TEST_CASE("event body: the documented keys in order, compact", "[webhooks][event]") {
  CHECK(webhooks::event_body(sample()) ==
        "{\"id\":\"01HF7YAT00ABCDEFGHJKMNPQRS\",\"type\":\"message.received\","
        "\"tenantId\":\"acme\",\"timestamp\":\"2023-11-14T22:13:20.123Z\","
        "\"data\":{\"from\":\"15551234567@s.whatsapp.net\",\"text\":\"Olá! 👋 \\\"hi\\\"\"}}");
  const json parsed = json::parse(webhooks::event_body(sample()));
  CHECK(parsed["id"] == sample().id);
  CHECK(parsed["data"] == sample().data);
}

TEST_CASE("event body: the timestamp is written as the HTTP API writes times",
          "[webhooks][event]") {
  std::mt19937_64 rng(Catch::rngSeed());
  Event e = sample();
  for (int i = 0; i < 2000; ++i) {
    // Up to the year 9999, the edges included.
    e.created_ms = i == 0 ? 0 : i == 1 ? 253402300799999 : rng() % 253402300800000;
    INFO(e.created_ms);
    CHECK(json::parse(webhooks::event_body(e))["timestamp"] ==
          util::iso8601_utc_ms(e.created_ms));
  }
}

TEST_CASE("event body: invalid UTF-8 in data is replaced, not fatal", "[webhooks][event]") {
  Event e = sample();
  e.data = json{{"text", std::string("ok \xff\xfe end")}};
  const std::string body = webhooks::event_body(e);
  CHECK(json::parse(body)["data"]["text"] == "ok \xEF\xBF\xBD\xEF\xBF\xBD end");
}

TEST_CASE("make_event: a fresh id, the given fields; bad input refused", "[webhooks][event]") {
  webhooks::EventIdGenerator ids;
  const Event a = webhooks::make_event(ids, EventType::session_status, "acme",
                                       json{{"status", "connected"}}, 1700000000000);
  const Event b = webhooks::make_event(ids, EventType::session_status, "acme",
                                       json{{"status", "connected"}}, 1700000000000);
  CHECK(webhooks::is_event_id(a.id));
  CHECK(webhooks::event_id_time_ms(a.id) == 1700000000000);
  CHECK(a.id < b.id);
  CHECK(a.tenant_id == "acme");
  CHECK(a.created_ms == 1700000000000);
  CHECK(a.data == json{{"status", "connected"}});
  CHECK(a != b);
  Event c = a;
  CHECK(c == a);
  c.data["status"] = "logged_out";
  CHECK(c != a);
  CHECK_THROWS_AS(webhooks::make_event(ids, EventType::session_status, "", json::object(), 1),
                  std::invalid_argument);
  for (const json& data : {json::array(), json("text"), json(nullptr), json(3)}) {
    CHECK_THROWS_AS(webhooks::make_event(ids, EventType::message_status, "acme", data, 1),
                    std::invalid_argument);
  }
}

TEST_CASE("event types: names round-trip, unknown names are refused", "[webhooks][event]") {
  CHECK(std::string(webhooks::type_name(EventType::session_status)) == "session.status");
  CHECK(std::string(webhooks::type_name(EventType::message_received)) == "message.received");
  CHECK(std::string(webhooks::type_name(EventType::message_status)) == "message.status");
  CHECK(webhooks::all_event_types().size() == 3);
  for (EventType t : webhooks::all_event_types()) {
    CHECK(webhooks::parse_event_type(webhooks::type_name(t)) == t);
  }
  for (const char* bad : {"", "session", "Session.Status", "message.received ", "message_status"}) {
    CHECK_FALSE(webhooks::parse_event_type(bad));
  }
}
