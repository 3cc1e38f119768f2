// POST /send: body rules and the outcome -> status/code table of the issue 3 contract.
#include <catch2/catch.hpp>

#include "http/send_route.hpp"

using nlohmann::json;
using sidecar::SendOutcome;
using sidecar::http::ApiError;
using sidecar::http::SendRequest;
using sidecar::http::validate_send_body;

TEST_CASE("send body: valid requests pass through unchanged", "[http][send]") {
  auto r = validate_send_body(json{{"to", "+55 11 99999-9999"}, {"message", "olá 👋"}, {"extra", 1}});
  REQUIRE(std::holds_alternative<SendRequest>(r));
  CHECK(std::get<SendRequest>(r).to == "+55 11 99999-9999");
  CHECK(std::get<SendRequest>(r).message == "olá 👋");
}

TEST_CASE("send body: message length is counted in bytes, up to 65536", "[http][send]") {
  auto ok = validate_send_body(json{{"to", "1"}, {"message", std::string(65536, 'a')}});
  CHECK(std::holds_alternative<SendRequest>(ok));
  auto too_long = validate_send_body(json{{"to", "1"}, {"message", std::string(65537, 'a')}});
  REQUIRE(std::holds_alternative<ApiError>(too_long));
  CHECK(std::get<ApiError>(too_long).code == "invalid_message");
  // 16385 four-byte emoji = 65540 bytes, although only 16385 characters.
  std::string emoji;
  for (int i = 0; i < 16385; ++i) emoji += "\xF0\x9F\x98\x80";
  auto emoji_long = validate_send_body(json{{"to", "1"}, {"message", emoji}});
  REQUIRE(std::holds_alternative<ApiError>(emoji_long));
  CHECK(std::get<ApiError>(emoji_long).status == 400);
}

TEST_CASE("send body: each bad field has its code", "[http][send]") {
  struct Row {
    json body;
    const char* code;
  };
  const Row rows[] = {
      {json::object(), "invalid_recipient"},
      {json{{"message", "hi"}}, "invalid_recipient"},
      {json{{"to", ""}, {"message", "hi"}}, "invalid_recipient"},
      {json{{"to", nullptr}, {"message", "hi"}}, "invalid_recipient"},
      {json{{"to", json::array({"1"})}, {"message", "hi"}}, "invalid_recipient"},
      {json{{"to", "1"}}, "invalid_message"},
      {json{{"to", "1"}, {"message", ""}}, "invalid_message"},
      {json{{"to", "1"}, {"message", true}}, "invalid_message"},
      {json{{"to", "1"}, {"message", json::object()}}, "invalid_message"},
  };
  for (const Row& row : rows) {
    INFO(row.body.dump());
    auto r = validate_send_body(row.body);
    REQUIRE(std::holds_alternative<ApiError>(r));
    CHECK(std::get<ApiError>(r).status == 400);
    CHECK(std::get<ApiError>(r).code == row.code);
  }
}

TEST_CASE("send outcomes map to the documented statuses and codes", "[http][send]") {
  using Kind = SendOutcome::Kind;
  struct Row {
    Kind kind;
    int status;
    const char* code;
  };
  const Row rows[] = {
      {Kind::session_not_found, 404, "session_not_found"},
      {Kind::not_connected, 409, "not_connected"},
      {Kind::invalid_recipient, 400, "invalid_recipient"},
      {Kind::not_on_whatsapp, 422, "not_on_whatsapp"},
      {Kind::send_failed, 502, "send_failed"},
      {Kind::ack_timeout, 504, "ack_timeout"},
      {Kind::too_many_pending, 429, "too_many_pending"},
  };
  for (const Row& row : rows) {
    SendOutcome o;
    o.kind = row.kind;
    o.message = "a sentence";
    o.status = "reconnecting";
    INFO(row.code);
    auto [status, env] = sidecar::http::send_response(o);
    CHECK(status == row.status);
    CHECK(env.at("success") == false);
    CHECK(env.at("error").at("code") == row.code);
    CHECK_FALSE(env.at("error").at("message").get<std::string>().empty());
  }
}

TEST_CASE("a sent outcome carries messageId, to and the ack time", "[http][send]") {
  SendOutcome o;
  o.kind = SendOutcome::Kind::sent;
  o.message_id = "3EB0AAAAAAAAAAAAAAAAAA";
  o.to = "15551234567@s.whatsapp.net";
  o.timestamp = 1700000000;
  auto [status, env] = sidecar::http::send_response(o);
  CHECK(status == 200);
  CHECK(env.at("data").at("messageId") == o.message_id);
  CHECK(env.at("data").at("to") == o.to);
  CHECK(env.at("data").at("timestamp") == "2023-11-14T22:13:20.000Z");
}

TEST_CASE("ack timeout says the outcome is unknown and gives the messageId", "[http][send]") {
  SendOutcome o;
  o.kind = SendOutcome::Kind::ack_timeout;
  o.message_id = "3EB0BBBBBBBBBBBBBBBBBB";
  o.to = "15551234567@s.whatsapp.net";
  auto [status, env] = sidecar::http::send_response(o);
  CHECK(status == 504);
  CHECK(env.at("error").at("details").at("messageId") == o.message_id);
  CHECK(env.at("error").at("message").get<std::string>().find("unknown") != std::string::npos);
}

TEST_CASE("send_failed names the server's code; not_connected the status", "[http][send]") {
  SendOutcome failed;
  failed.kind = SendOutcome::Kind::send_failed;
  failed.server_code = "479";
  auto [s1, e1] = sidecar::http::send_response(failed);
  CHECK(s1 == 502);
  CHECK(e1.at("error").at("details").at("serverCode") == "479");
  SendOutcome nc;
  nc.kind = SendOutcome::Kind::not_connected;
  nc.status = "qr_ready";
  nc.message = "The session is not connected (status qr_ready).";
  auto [s2, e2] = sidecar::http::send_response(nc);
  CHECK(s2 == 409);
  CHECK(e2.at("error").at("details").at("status") == "qr_ready");
}
