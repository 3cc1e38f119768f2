// End to end: POST /send through the real wa-sidecar binary; the simulator's recipient devices
// decrypt with libsignal what the service sent (issue 3).
#include <catch2/catch.hpp>

#include <algorithm>
#include <regex>
#include <set>
#include <thread>
#include "service_rig.hpp"
#include "wa/binary/node.hpp"

using namespace e2e;

namespace {

constexpr const char* kTenant = "sender";

std::string send_body(const std::string& to, const std::string& text) {
  return json{{"to", to}, {"message", text}}.dump();
}

// The entries the simulator recorded for one message id, by device.
std::map<std::string, sim::ReceivedMessage> copies_of(sim::Simulator& s, const std::string& id) {
  std::map<std::string, sim::ReceivedMessage> out;
  for (const auto& m : s.received_messages()) {
    if (m.id == id) out[m.device] = m;
  }
  return out;
}

struct SendRig {
  ServiceRig rig;
  const sim::SimContact contact;
  std::string contact_lid;  // bare
  std::string own_phone_device;

  explicit SendRig(std::map<std::string, std::string> env = {})
      : rig(sim::SimOptions{}, std::move(env)), contact(rig.sim().contacts().front()) {
    contact_lid = contact.lid_user + "@lid";
    own_phone_device = lid_device_jid(rig.sim().lid_user(), 0);
    rig.pair_tenant(kTenant);
  }

  // Sends and returns the data of a 200, failing the test otherwise.
  json send_ok(const std::string& to, const std::string& text) {
    HttpResult r = rig.api().post("/send", kTenant, send_body(to, text));
    INFO(r.raw);
    REQUIRE(r.status == 200);
    return r.body["data"];
  }

  // Every device (the contact's two, our own phone) decrypted exactly `text`.
  void check_delivered(const std::string& id, const std::string& text) {
    auto& s = rig.sim();
    const size_t expected = contact.devices.size() + 1;
    REQUIRE(wait_until([&] { return copies_of(s, id).size() >= expected; }));
    auto copies = copies_of(s, id);
    CHECK(copies.size() == expected);
    for (uint16_t dev : contact.devices) {
      const std::string jid = lid_device_jid(contact.lid_user, dev);
      INFO("contact device " << jid);
      REQUIRE(copies.count(jid) == 1);
      const auto& m = copies[jid];
      CHECK(m.decrypt_error.empty());
      CHECK(m.text == text);
      CHECK(m.dsm_destination.empty());
      // whatsmeow sends 1:1 messages to the LID with the phone number alongside (§9).
      CHECK(m.to == contact_lid);
      CHECK(m.peer_recipient_pn == contact.phone + "@s.whatsapp.net");
    }
    REQUIRE(copies.count(own_phone_device) == 1);
    const auto& own = copies[own_phone_device];
    CHECK(own.decrypt_error.empty());
    CHECK(own.text == text);
    CHECK(own.dsm_destination == contact_lid);
    CHECK(s.anomalies().empty());
  }
};

}  // namespace

TEST_CASE("e2e send: two contact devices and our own phone decrypt exactly the text",
          "[e2e][send]") {
  SendRig t;
  std::string big(65536, 'x');
  for (size_t i = 0; i < big.size(); i += 97) big[i] = static_cast<char>('a' + i % 26);
  const std::vector<std::string> texts = {
      "hello from wa-sidecar",
      "emoji \xF0\x9F\x91\x8B\xF0\x9F\x8F\xBD \xF0\x9F\x87\xA7\xF0\x9F\x87\xB7 \xE2\x9D\xA4\xEF\xB8\x8F",
      "\xD9\x85\xD8\xB1\xD8\xAD\xD8\xA8\xD8\xA7 \xD7\xA9\xD7\x9C\xD7\x95\xD7\x9D",  // Arabic, Hebrew
      big,
  };
  std::set<std::string> ids;
  for (const auto& text : texts) {
    json data = t.send_ok("+" + t.contact.phone, text);
    const std::string id = data["messageId"];
    CHECK(std::regex_match(id, std::regex("^3EB0[0-9A-F]{18}$")));
    CHECK(data["to"] == t.contact.phone + "@s.whatsapp.net");
    CHECK(data["timestamp"].is_string());
    CHECK(ids.insert(id).second);
    t.check_delivered(id, text);
  }
  // The first message to a new contact starts each session with a pkmsg and carries our
  // device identity (§9).
  auto first = copies_of(t.rig.sim(), *ids.begin());
  for (auto& [dev, m] : first) {
    INFO(dev);
    CHECK(m.enc_type == "pkmsg");
    CHECK(m.had_device_identity);
  }
}

TEST_CASE("e2e send: after the contact replies, the next message travels as msg",
          "[e2e][send]") {
  SendRig t;
  const std::string id1 = t.send_ok(t.contact.phone, "first")["messageId"];
  t.check_delivered(id1, "first");
  const std::string device = lid_device_jid(t.contact.lid_user, t.contact.devices.back());
  CHECK(copies_of(t.rig.sim(), id1)[device].enc_type == "pkmsg");

  // libsignal keeps sending PreKeySignalMessages until it has decrypted one from the peer: the
  // contact's reply (decrypted by the service, which answers with a receipt) ends that phase.
  auto& s = t.rig.sim();
  const auto stanzas_before = s.received_stanzas();
  const size_t receipts_before = std::count(stanzas_before.begin(), stanzas_before.end(), "receipt");
  REQUIRE(s.send_from_contact(device, "reply") == std::nullopt);
  REQUIRE(wait_until([&] {
    auto st = s.received_stanzas();
    return static_cast<size_t>(std::count(st.begin(), st.end(), "receipt")) > receipts_before;
  }));

  const std::string id2 = t.send_ok(t.contact.phone, "second")["messageId"];
  t.check_delivered(id2, "second");
  auto copies = copies_of(s, id2);
  CHECK(copies[device].enc_type == "msg");
}

TEST_CASE("e2e send: after a restart, sending to the same contact still decrypts",
          "[e2e][send]") {
  SendRig t;
  const std::string id1 = t.send_ok(t.contact.phone, "before restart")["messageId"];
  t.check_delivered(id1, "before restart");
  REQUIRE(t.rig.stop_service() == 0);
  t.rig.start_service();
  REQUIRE(t.rig.api().wait_status(kTenant, {"connected"})["status"] == "connected");
  const std::string id2 = t.send_ok(t.contact.phone, "after restart")["messageId"];
  t.check_delivered(id2, "after restart");
}

TEST_CASE("e2e send: each error is provoked for real", "[e2e][send]") {
  SendRig t(std::map<std::string, std::string>{{"SEND_ACK_TIMEOUT_MS", "2000"}});
  auto& api = t.rig.api();
  auto& s = t.rig.sim();

  SECTION("unknown tenant: 404 session_not_found") {
    HttpResult r = api.post("/send", "nobody", send_body(t.contact.phone, "x"));
    CHECK(r.status == 404);
    CHECK(r.body["error"]["code"] == "session_not_found");
  }
  SECTION("a session that is not paired: 409 not_connected with its status") {
    REQUIRE(api.post("/session", "unpaired").status == 201);
    HttpResult r = api.post("/send", "unpaired", send_body(t.contact.phone, "x"));
    CHECK(r.status == 409);
    CHECK(r.body["error"]["code"] == "not_connected");
    CHECK(r.body["error"]["details"]["status"] == "qr_ready");
  }
  SECTION("a number without WhatsApp: 422 not_on_whatsapp") {
    HttpResult r = api.post("/send", kTenant, send_body("+44 20 7946 0958", "x"));
    CHECK(r.status == 422);
    CHECK(r.body["error"]["code"] == "not_on_whatsapp");
  }
  SECTION("an invalid recipient: 400 invalid_recipient") {
    HttpResult r = api.post("/send", kTenant, send_body("12345", "x"));
    CHECK(r.status == 400);
    CHECK(r.body["error"]["code"] == "invalid_recipient");
  }
  SECTION("the server refuses: 502 send_failed with its code") {
    s.set_message_error(479);
    HttpResult r = api.post("/send", kTenant, send_body(t.contact.phone, "refused"));
    CHECK(r.status == 502);
    CHECK(r.body["error"]["code"] == "send_failed");
    CHECK(r.body["error"]["details"]["serverCode"] == "479");
    s.set_message_error(0);
  }
  SECTION("no ack: 504 ack_timeout, outcome unknown, with the messageId") {
    s.set_withhold_ack(true);
    HttpResult r = api.post("/send", kTenant, send_body(t.contact.phone, "unacked"));
    CHECK(r.status == 504);
    CHECK(r.body["error"]["code"] == "ack_timeout");
    const std::string id = r.body["error"]["details"]["messageId"];
    CHECK(std::regex_match(id, std::regex("^3EB0[0-9A-F]{18}$")));
    CHECK(r.body["error"]["message"].get<std::string>().find("unknown") != std::string::npos);
    s.set_withhold_ack(false);
    // The message did reach the recipients: "unknown" is the honest answer.
    CHECK(wait_until([&] { return !copies_of(s, id).empty(); }));
  }
}

namespace {

size_t count_of(const std::vector<std::string>& v, const std::string& x) {
  return static_cast<size_t>(std::count(v.begin(), v.end(), x));
}

}  // namespace

TEST_CASE("e2e send: a low-prekey notification is acked and answered with an upload",
          "[e2e][send][notification]") {
  SendRig t;
  auto& s = t.rig.sim();
  const size_t uploads = count_of(s.received_iqs(), "encrypt set registration");
  // §10 step 8: the server says only 3 one-time prekeys are left.
  wa::Node note("notification", {{"from", wa::Jid::server_jid()}, {"type", "encrypt"}, {"id", "N-1"}},
                wa::NodeList{wa::Node("count", {{"value", "3"}})});
  REQUIRE(s.push_to_companions(note) == 1);
  // This notification's ack, not any ack (the service also acks the devices' receipts).
  CHECK(wait_until([&] { return contains(s.history(), "notification-acked:N-1"); }));
  CHECK(wait_until([&] { return count_of(s.received_iqs(), "encrypt set registration") > uploads; }));
  CHECK(s.anomalies().empty());
}

TEST_CASE("e2e send: a devices notification makes the next send query the list again",
          "[e2e][send][notification]") {
  SendRig t;
  auto& s = t.rig.sim();
  t.check_delivered(t.send_ok(t.contact.phone, "one")["messageId"], "one");
  const size_t queries = count_of(s.received_iqs(), "usync get usync");
  // Cached: a second send asks nothing.
  t.check_delivered(t.send_ok(t.contact.phone, "two")["messageId"], "two");
  CHECK(count_of(s.received_iqs(), "usync get usync") == queries);

  wa::Node note("notification",
                {{"from", *wa::Jid::parse(t.contact_lid)}, {"type", "devices"}, {"id", "N-2"}},
                wa::NodeList{wa::Node("add", {}, wa::NodeList{wa::Node(
                    "device", {{"jid", *wa::Jid::parse(t.contact.lid_user + ":7@lid")}})})});
  REQUIRE(s.push_to_companions(note) == 1);
  REQUIRE(wait_until([&] { return contains(s.history(), "notification-acked:N-2"); }));
  t.check_delivered(t.send_ok(t.contact.phone, "three")["messageId"], "three");
  CHECK(count_of(s.received_iqs(), "usync get usync") > queries);
}

TEST_CASE("e2e send: waiting sends hold no HTTP worker, and a tenant's backlog is bounded (429)",
          "[e2e][send][backpressure]") {
  SendRig t(std::map<std::string, std::string>{
      {"SEND_ACK_TIMEOUT_MS", "4000"}, {"MAX_PENDING_SENDS", "2"}, {"HTTP_THREADS", "1"}});
  auto& s = t.rig.sim();
  const uint16_t port = t.rig.service().port();
  const std::string secret = t.rig.config().secret;
  s.set_withhold_ack(true);
  const size_t before = s.received_messages().size();

  // Two sends wait for acks that do not come: the tenant's limit.
  std::vector<HttpResult> waiting(2);
  std::vector<std::thread> senders;
  for (size_t i = 0; i < waiting.size(); ++i) {
    senders.emplace_back([&, i] {
      ServiceApi api(port, secret);
      waiting[i] = api.post("/send", kTenant, send_body(t.contact.phone, "held " + std::to_string(i)));
    });
  }
  // Both reached WhatsApp (three devices each) and wait for their acks.
  REQUIRE(wait_until([&] { return s.received_messages().size() >= before + 6; }));

  // A third is refused at once, without being sent.
  const auto started = std::chrono::steady_clock::now();
  HttpResult refused = t.rig.api().post("/send", kTenant, send_body(t.contact.phone, "third"));
  CHECK(refused.status == 429);
  CHECK(refused.body["error"]["code"] == "too_many_pending");
  CHECK(std::chrono::steady_clock::now() - started < 1s);
  // The one worker thread (HTTP_THREADS=1) is free: a route that needs it is served meanwhile.
  HttpResult created = t.rig.api().post("/session", "another");
  CHECK(created.status == 201);
  CHECK(t.rig.api().get("/health", std::nullopt).status == 200);

  for (auto& th : senders) th.join();
  for (const HttpResult& r : waiting) {
    CHECK(r.status == 504);
    CHECK(r.body["error"]["code"] == "ack_timeout");
  }
  s.set_withhold_ack(false);
  // Answered sends free their places.
  t.send_ok(t.contact.phone, "after the backlog");
}
