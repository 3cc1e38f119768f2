// End to end: the service's webhooks and event log (README "Webhooks") through the real binary,
// received by a test endpoint that verifies every delivery itself (webhook_receiver.hpp, not
// src/webhooks): each event type with its fields, a receiver that is down for a while, a crash
// right after WhatsApp got our receipt, a message queued while the service was stopped, and
// GET /events paging.
#include <catch2/catch.hpp>

#include <signal.h>

#include <algorithm>
#include <set>

#include "service_rig.hpp"
#include "webhook_receiver.hpp"

using namespace e2e;

namespace {

constexpr const char* kTenant = "hooks";
constexpr const char* kSecret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";

struct HookRig {
  WebhookReceiver receiver{kSecret};
  ServiceRig rig;
  sim::SimContact contact;

  HookRig()
      : rig(sim::SimOptions{}, {{"WEBHOOK_URL", receiver.url()}, {"WEBHOOK_SECRET", kSecret}}),
        contact(rig.sim().contacts().front()) {}

  // The contact's devices, by index into its device list.
  uint16_t dev(size_t i) const { return contact.devices.at(i % contact.devices.size()); }
  std::string lid_device(uint16_t device) const {
    return contact.lid_user + ":" + std::to_string(device) + "@lid";
  }
  std::string pn_device(uint16_t device) const {
    return contact.phone + ":" + std::to_string(device) + "@s.whatsapp.net";
  }
  std::string contact_pn() const { return contact.phone + "@s.whatsapp.net"; }

  // The distinct events of one type, in first-arrival order.
  std::vector<json> events_of(const std::string& type) const {
    std::vector<json> out;
    for (const auto& a : receiver.events())
      if (a.type() == type) out.push_back(a.json);
    return out;
  }
  // Waits for an event of `type` whose data matches `pred`; returns it (null when none came).
  json wait_event(const std::string& type, const std::function<bool(const json&)>& pred) {
    json found;
    wait_until([&] {
      for (const json& e : events_of(type)) {
        if (pred(e.at("data"))) {
          found = e;
          return true;
        }
      }
      return false;
    });
    return found;
  }
  json wait_message(const std::string& id) {
    return wait_event("message.received", [&](const json& d) { return d.at("messageId") == id; });
  }
  std::string send_contact(const std::string& from, const std::string& text,
                           const std::string& kind = "text") {
    sim::ContactMessageRequest req(from, text);
    req.kind = kind;
    req.push_name = "Ann Contact";
    const sim::SimSendResult r = rig.sim().send_contact_message(req);
    INFO(r.why);
    REQUIRE(r.ok());
    return r.id;
  }
};

// Every delivery verified, and ids ascending in arrival order of first attempts (one tenant).
void check_signed_and_ordered(const WebhookReceiver& receiver) {
  std::string last;
  for (const auto& a : receiver.arrivals()) {
    INFO(a.body);
    CHECK(a.verified);
    CHECK(a.headers.at("content-type").rfind("application/json", 0) == 0);
    CHECK(a.json.at("id") == a.id);
    CHECK(a.json.at("tenantId") == kTenant);
  }
  for (const auto& e : receiver.events()) {
    CHECK(e.id > last);
    last = e.id;
  }
}

}  // namespace

TEST_CASE("e2e webhooks: session status, messages in and out, receipts, each with its fields",
          "[e2e][webhooks]") {
  HookRig h;
  h.rig.pair_tenant(kTenant);

  // session.status: initializing, the QR, pairing, connected; the first has no previousStatus.
  const json connected = h.wait_event("session.status", [](const json& d) {
    return d.at("status") == "connected";
  });
  REQUIRE(connected.is_object());
  const auto statuses = h.events_of("session.status");
  REQUIRE(statuses.size() >= 3);
  CHECK(statuses.front().at("data").at("status") == "initializing");
  CHECK(statuses.front().at("data").at("previousStatus").is_null());
  const json& qr = statuses.at(1).at("data");
  CHECK(qr.at("status") == "qr_ready");
  CHECK(qr.at("previousStatus") == "initializing");
  CHECK(qr.at("qr").is_string());
  CHECK(qr.at("qrSequence") == 1);
  const json& c = connected.at("data");
  CHECK(c.at("phoneNumber") == h.rig.sim().phone_number());
  CHECK(c.at("jid").get<std::string>().rfind(h.rig.sim().phone_number() + ":", 0) == 0);
  CHECK(c.at("qr").is_null());
  CHECK(c.at("lastError").is_null());
  CHECK_FALSE(c.at("previousStatus").is_null());
  CHECK(connected.at("timestamp").get<std::string>().back() == 'Z');

  // message.received from a LID-addressed contact who writes first: resolved to the number.
  const std::string id1 = h.send_contact(h.lid_device(h.dev(1)), "hello from a LID");
  const json m1 = h.wait_message(id1);
  REQUIRE(m1.is_object());
  const json& d1 = m1.at("data");
  CHECK(d1.at("from") == h.contact.phone);
  CHECK(d1.at("fromJid") == h.contact_pn());
  CHECK(d1.at("fromLid") == h.contact.lid_user + "@lid");
  CHECK(d1.at("chat") == h.contact_pn());
  CHECK(d1.at("fromMe") == false);
  CHECK(d1.at("pushName") == "Ann Contact");
  CHECK(d1.at("offline") == false);
  CHECK(d1.at("type") == "text");
  CHECK(d1.at("text") == "hello from a LID");
  CHECK(d1.at("timestamp").get<std::string>().back() == 'Z');

  // PN-addressed, an image with a caption.
  const std::string id2 = h.send_contact(h.pn_device(h.dev(2)), "a caption", "image");
  const json m2 = h.wait_message(id2);
  REQUIRE(m2.is_object());
  CHECK(m2.at("data").at("type") == "image");
  CHECK(m2.at("data").at("text") == "a caption");
  CHECK(m2.at("data").at("from") == h.contact.phone);
  CHECK(m2.at("data").at("fromLid") == h.contact.lid_user + "@lid");

  // Our own phone's copy of what it wrote: fromMe, the chat it went to.
  const sim::SimSendResult own = h.rig.sim().send_phone_message(h.contact_pn(), "sent from the phone");
  INFO(own.why);
  REQUIRE(own.ok());
  const json m3 = h.wait_message(own.id);
  REQUIRE(m3.is_object());
  CHECK(m3.at("data").at("fromMe") == true);
  CHECK(m3.at("data").at("chat") == h.contact_pn());
  CHECK(m3.at("data").at("from") == h.rig.sim().phone_number());
  CHECK(m3.at("data").at("text") == "sent from the phone");

  // message.status: delivered by the contact's devices (our phone's "sender" receipt is not
  // one), then read and played, each level once; a lower level after a higher one is nothing.
  HttpResult sent = h.rig.api().post(
      "/send", kTenant, json{{"to", h.contact.phone}, {"message", "how are you?"}}.dump());
  REQUIRE(sent.status == 200);
  const std::string out_id = sent.body["data"]["messageId"];
  const std::string out_to = sent.body["data"]["to"];
  auto status_of = [&](const std::string& level) {
    return h.wait_event("message.status", [&](const json& d) {
      return d.at("messageId") == out_id && d.at("status") == level;
    });
  };
  const json delivered = status_of("delivered");
  REQUIRE(delivered.is_object());
  CHECK(delivered.at("data").at("to") == out_to);
  CHECK(delivered.at("data").at("timestamp").get<std::string>().back() == 'Z');
  REQUIRE(h.rig.sim().send_contact_receipt(h.pn_device(h.dev(0)), "read", {out_id}).ok());
  REQUIRE(status_of("read").is_object());
  REQUIRE(h.rig.sim().send_contact_receipt(h.lid_device(h.dev(1)), "read", {out_id}).ok());
  REQUIRE(h.rig.sim().send_contact_receipt(h.lid_device(h.dev(1)), "delivered", {out_id}).ok());
  REQUIRE(h.rig.sim().send_contact_receipt(h.pn_device(h.dev(0)), "played", {out_id}).ok());
  REQUIRE(status_of("played").is_object());
  size_t for_out = 0;
  for (const json& e : h.events_of("message.status"))
    if (e.at("data").at("messageId") == out_id) ++for_out;
  CHECK(for_out == 3);
  // Every receipt was acked, so WhatsApp would not send it again.
  CHECK(wait_until([&] {
    for (const auto& r : h.rig.sim().relayed_receipts())
      if (!r.acked) return false;
    return true;
  }));

  check_signed_and_ordered(h.receiver);
  CHECK(h.rig.sim().anomalies().empty());
}

TEST_CASE("e2e webhooks: read receipts for several messages in one <list>", "[e2e][webhooks]") {
  HookRig h;
  h.rig.pair_tenant(kTenant);
  std::vector<std::string> ids;
  for (int i = 0; i < 3; ++i) {
    HttpResult r = h.rig.api().post(
        "/send", kTenant, json{{"to", h.contact.phone}, {"message", "n" + std::to_string(i)}}.dump());
    REQUIRE(r.status == 200);
    ids.push_back(r.body["data"]["messageId"]);
  }
  REQUIRE(h.rig.sim().send_contact_receipt(h.lid_device(h.dev(0)), "read", ids).ok());
  for (const std::string& id : ids) {
    INFO(id);
    CHECK(h.wait_event("message.status", [&](const json& d) {
      return d.at("messageId") == id && d.at("status") == "read";
    }).is_object());
  }
}

TEST_CASE("e2e webhooks: a receiver down for a while gets everything afterwards, in order",
          "[e2e][webhooks]") {
  HookRig h;
  h.receiver.answer_with(503);
  h.rig.pair_tenant(kTenant);
  std::vector<std::string> ids;
  for (int i = 0; i < 3; ++i) ids.push_back(h.send_contact(h.lid_device(h.dev(1)), "queued " + std::to_string(i)));
  // Failing attempts go on (backoff from 1 s); nothing is lost meanwhile.
  REQUIRE(wait_until([&] { return h.receiver.count() >= 3; }));
  h.receiver.answer_with(204);
  for (const std::string& id : ids) REQUIRE(h.wait_message(id).is_object());
  const auto events = h.receiver.events();
  const auto first = std::find_if(events.begin(), events.end(),
                                  [](const WebhookArrival& a) { return a.type() == "session.status"; });
  REQUIRE(first != events.end());
  CHECK(h.receiver.attempts(first->id) >= 2);  // retried with the same id
  std::vector<std::string> order;
  for (const auto& a : events)
    if (a.type() == "message.received") order.push_back(a.json.at("data").at("messageId"));
  CHECK(order == ids);
  check_signed_and_ordered(h.receiver);
}

TEST_CASE("e2e webhooks: SIGKILL right after WhatsApp got our receipt; the event comes after the restart",
          "[e2e][webhooks][crash]") {
  HookRig h;
  h.rig.pair_tenant(kTenant);
  h.receiver.answer_with(503);  // nothing is delivered before the crash
  const std::string id = h.send_contact(h.lid_device(h.dev(1)), "survives a crash");
  REQUIRE(wait_until([&] {
    for (const auto& r : h.rig.sim().client_receipts())
      if (r.id == id && r.type != "retry") return true;
    return false;
  }));
  // SIGKILL: no shutdown code runs, only what was committed survives.
  REQUIRE(::kill(h.rig.service().process().pid(), SIGKILL) == 0);
  REQUIRE(h.rig.service().process().wait_exit(kWait) == std::optional<int>(128 + SIGKILL));
  h.receiver.answer_with(204);
  h.rig.start_service();
  const json m = h.wait_message(id);
  REQUIRE(m.is_object());
  CHECK(m.at("data").at("text") == "survives a crash");
  // Replayable too, with the same id.
  HttpResult page = h.rig.api().get("/events?limit=500", kTenant);
  REQUIRE(page.status == 200);
  bool listed = false;
  for (const json& e : page.body["data"]["events"]) listed |= e.at("id") == m.at("id");
  CHECK(listed);
}

TEST_CASE("e2e webhooks: a message queued while the service was stopped is an event at login",
          "[e2e][webhooks]") {
  HookRig h;
  h.rig.pair_tenant(kTenant);
  CHECK(h.rig.stop_service() == 0);
  const std::string id = h.send_contact(h.lid_device(h.dev(1)), "while you were away");
  h.rig.start_service();
  const json m = h.wait_message(id);
  REQUIRE(m.is_object());
  CHECK(m.at("data").at("offline") == true);
  CHECK(m.at("data").at("text") == "while you were away");
}

TEST_CASE("e2e webhooks: GET /events pages through what was posted, with the same bodies",
          "[e2e][webhooks][replay]") {
  HookRig h;
  h.rig.pair_tenant(kTenant);
  for (int i = 0; i < 4; ++i) h.wait_message(h.send_contact(h.lid_device(h.dev(1)), "page " + std::to_string(i)));
  const auto posted = h.receiver.events();
  REQUIRE(posted.size() >= 6);

  std::vector<json> replayed;
  std::string after;
  for (int pages = 0; pages < 100; ++pages) {
    HttpResult r = h.rig.api().get("/events?limit=2" + (after.empty() ? "" : "&after=" + after), kTenant);
    REQUIRE(r.status == 200);
    for (const json& e : r.body["data"]["events"]) replayed.push_back(e);
    if (r.body["data"]["next"].is_null()) break;
    after = r.body["data"]["next"];
  }
  // Events can keep coming (a status change) while paging: compare what was posted before.
  REQUIRE(replayed.size() >= posted.size());
  for (size_t i = 0; i < posted.size(); ++i) {
    INFO(i);
    CHECK(replayed[i] == posted[i].json);
  }
  CHECK(h.rig.api().get("/events?limit=0", kTenant).status == 400);
  CHECK(h.rig.api().get("/events?after=nope", kTenant).status == 400);
  HttpResult other = h.rig.api().get("/events", std::string("someone_else"));
  REQUIRE(other.status == 200);
  CHECK(other.body["data"]["events"].empty());
}

TEST_CASE("e2e webhooks: a DELETE's logged_out goes out after the session is gone",
          "[e2e][webhooks]") {
  HookRig h;
  h.rig.pair_tenant(kTenant);
  REQUIRE(h.rig.api().del("/session", kTenant).status == 200);
  const json out = h.wait_event("session.status", [](const json& d) {
    return d.at("status") == "logged_out";
  });
  REQUIRE(out.is_object());
  CHECK(out.at("data").at("previousStatus") == "connected");
  // Nothing after it for that session (stopping its client is not "reconnecting").
  const auto statuses = h.events_of("session.status");
  CHECK(statuses.back().at("data").at("status") == "logged_out");
  CHECK(h.rig.api().get("/events", kTenant).body["data"]["events"].size() == h.receiver.events().size());
}
