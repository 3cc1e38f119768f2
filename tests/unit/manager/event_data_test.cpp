// The webhook events' data objects (README "Webhooks"): every field, nulls, ISO times.
#include <catch2/catch.hpp>

#include "manager/event_data.hpp"

using nlohmann::json;

namespace {

wa::Jid J(const char* s) { return *wa::Jid::parse(s); }

}  // namespace

TEST_CASE("message.received data names the sender by number and by LID", "[events]") {
  wa::IncomingMessage m;
  m.id = "3EB0A1B2C3D4E5F6A7B8C9";
  m.sender = J("123456789:7@lid");
  m.sender_pn = J("15551234567@s.whatsapp.net");
  m.sender_lid = J("123456789@lid");
  m.chat = J("15551234567@s.whatsapp.net");
  m.push_name = "Ann";
  m.timestamp_s = 1796047200;
  m.offline = true;
  m.content = {"text", std::string("hello")};
  const json d = sidecar::message_received_data(m);
  CHECK(d == json{{"messageId", "3EB0A1B2C3D4E5F6A7B8C9"},
                  {"from", "15551234567"},
                  {"fromJid", "15551234567@s.whatsapp.net"},
                  {"fromLid", "123456789@lid"},
                  {"chat", "15551234567@s.whatsapp.net"},
                  {"fromMe", false},
                  {"pushName", "Ann"},
                  {"timestamp", "2026-11-30T14:00:00.000Z"},
                  {"offline", true},
                  {"type", "text"},
                  {"text", "hello"}});

  // Only the LID known: no number, the LID stands in for the JID; empty values are null.
  m.sender_pn.reset();
  m.push_name.clear();
  m.timestamp_s = 0;
  m.content = {"image", std::nullopt};
  const json l = sidecar::message_received_data(m);
  CHECK(l.at("from").is_null());
  CHECK(l.at("fromJid") == "123456789@lid");
  CHECK(l.at("pushName").is_null());
  CHECK(l.at("timestamp").is_null());
  CHECK(l.at("text").is_null());
  CHECK(l.at("type") == "image");
}

TEST_CASE("message.status and session.status data", "[events]") {
  const json s = sidecar::message_status_data(
      {"3EB0AA", "15551234567@s.whatsapp.net", wa::ReceiptStatus::read, 1796047200});
  CHECK(s == json{{"messageId", "3EB0AA"},
                  {"to", "15551234567@s.whatsapp.net"},
                  {"status", "read"},
                  {"timestamp", "2026-11-30T14:00:00.000Z"}});

  sidecar::SessionView v;
  v.status = "qr_ready";
  v.qr = "2@ref";
  v.qr_sequence = 2;
  json q = sidecar::session_status_data(v, std::nullopt);
  CHECK(q == json{{"status", "qr_ready"},
                  {"previousStatus", nullptr},
                  {"phoneNumber", nullptr},
                  {"jid", nullptr},
                  {"qr", "2@ref"},
                  {"qrSequence", 2},
                  {"lastError", nullptr}});
  v.status = "logged_out";
  v.qr.reset();
  v.phone_number = "15551234567";
  v.jid = "15551234567:3@s.whatsapp.net";
  v.last_error = sidecar::ErrorInfo{"logged_out", "The phone removed this device.", 1796047200000};
  q = sidecar::session_status_data(v, std::string("connected"));
  CHECK(q.at("previousStatus") == "connected");
  CHECK(q.at("phoneNumber") == "15551234567");
  CHECK(q.at("lastError") == json{{"code", "logged_out"},
                                  {"message", "The phone removed this device."},
                                  {"at", "2026-11-30T14:00:00.000Z"}});
}
