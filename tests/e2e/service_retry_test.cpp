// End to end (issue 4): retry receipts in both directions and offline delivery, through the
// real wa-sidecar binary against the simulator (PROTOCOL.md §10 step 7, §8 step 6).
//  - A contact message the service cannot decrypt gets a retry receipt (keys from the second),
//    an ack, and once the contact re-encrypts, the normal delivery receipt; at most 4 retries.
//  - A contact device that cannot decrypt what the service sent asks again; the service
//    re-encrypts from its recent-message buffer (rebuilding the session from the keys of the
//    second receipt) and the device finally decrypts the text.
//  - Messages sent while the service was down arrive at login and are receipted.
#include <catch2/catch.hpp>

#include <algorithm>
#include <thread>
#include "service_rig.hpp"

using namespace e2e;

namespace {

constexpr const char* kTenant = "retrier";

std::vector<sim::ClientReceipt> retries_for(sim::Simulator& s, const std::string& id) {
  auto all = receipts_for(s, id);
  all.erase(std::remove_if(all.begin(), all.end(), [](const auto& r) { return r.type != "retry"; }),
            all.end());
  return all;
}

bool delivered(sim::Simulator& s, const std::string& id) {
  for (const auto& r : receipts_for(s, id))
    if (r.type == "inactive" || r.type.empty()) return true;
  return false;
}

struct RetryRig {
  ServiceRig rig;
  sim::SimContact contact;
  std::string contact_device;  // the contact's companion device 7, as a LID device JID

  RetryRig() : contact(rig.sim().contacts().front()) {
    contact_device = lid_device_jid(contact.lid_user, 7);
    rig.pair_tenant(kTenant);
    // The contact's devices get a session with us by decrypting our first message (a pkmsg).
    send_ok("first");
  }

  std::string send_ok(const std::string& text) {
    HttpResult r = rig.api().post("/send", kTenant, json{{"to", "+" + contact.phone}, {"message", text}}.dump());
    INFO(r.raw);
    REQUIRE(r.status == 200);
    const std::string id = r.body["data"]["messageId"];
    return id;
  }

  std::string from_contact(const std::string& text, int corrupt) {
    std::string id;
    auto why = rig.sim().send_from_contact(contact_device, text, &id, corrupt);
    INFO(why.value_or(""));
    REQUIRE_FALSE(why);
    return id;
  }
};

}  // namespace

TEST_CASE("e2e retry: an undecryptable message gets a retry receipt, then the resend a receipt",
          "[e2e][retry]") {
  RetryRig t;
  auto& s = t.rig.sim();
  const std::string id = t.from_contact("please decrypt me", 1);

  REQUIRE(wait_until([&] { return delivered(s, id); }));
  const auto retries = retries_for(s, id);
  REQUIRE(retries.size() == 1);
  const auto& r = retries.front();
  CHECK(r.to == t.contact_device);
  CHECK(r.retry_count == 1);
  CHECK(r.retry_id == id);
  CHECK(r.retry_v == "1");
  CHECK_FALSE(r.retry_t.empty());
  CHECK(r.registration_ok);
  CHECK_FALSE(r.had_keys);  // the first retry assumes a transient failure (whatsmeow)
  // The failed stanza itself is acked without an error (whatsmeow), the resend is receipted.
  bool acked = false;
  for (const auto& a : s.client_message_acks())
    if (a.id == id) acked = a.error.empty();
  CHECK(acked);
  CHECK(contains(s.history(), "contact-message-resent"));
  CHECK(s.anomalies().empty());
}

TEST_CASE("e2e retry: the second retry receipt carries keys the sender rebuilds its session from",
          "[e2e][retry]") {
  RetryRig t;
  auto& s = t.rig.sim();
  const std::string id = t.from_contact("second time lucky", 2);

  REQUIRE(wait_until([&] { return delivered(s, id); }));
  const auto retries = retries_for(s, id);
  REQUIRE(retries.size() == 2);
  CHECK(retries[0].retry_count == 1);
  CHECK_FALSE(retries[0].had_keys);
  CHECK(retries[1].retry_count == 2);
  CHECK(retries[1].had_keys);
  INFO(retries[1].keys_error);
  CHECK(retries[1].keys_error.empty());
  // The device built a fresh session from those keys: the message the service finally
  // decrypted was a pkmsg under the one-time key it handed out in the receipt.
  CHECK(s.anomalies().empty());

  // The rebuilt session keeps working both ways.
  const std::string later = t.from_contact("and again", 0);
  REQUIRE(wait_until([&] { return delivered(s, later); }));
  CHECK(retries_for(s, later).empty());
}

TEST_CASE("e2e retry: no more than four retry receipts for one message", "[e2e][retry]") {
  RetryRig t;
  auto& s = t.rig.sim();
  const std::string id = t.from_contact("never readable", 100);

  REQUIRE(wait_until([&] { return retries_for(s, id).size() >= 4; }));
  // Give a fifth the time to appear if the service were to send one.
  std::this_thread::sleep_for(std::chrono::milliseconds(1500));
  const auto retries = retries_for(s, id);
  REQUIRE(retries.size() == 4);
  for (int i = 0; i < 4; ++i) {
    CHECK(retries[i].retry_count == i + 1);
    CHECK(retries[i].had_keys == (i >= 1));
  }
  CHECK_FALSE(delivered(s, id));
  // The service is still healthy and connected afterwards.
  const std::string later_send = t.send_ok("still here");
  CHECK_FALSE(later_send.empty());
}

TEST_CASE("e2e retry: a device that lost its session gets our message re-encrypted",
          "[e2e][retry]") {
  RetryRig t;
  auto& s = t.rig.sim();
  REQUIRE(s.forget_sessions(t.contact_device));
  const std::string text = "resent after a retry receipt";
  const std::string id = t.send_ok(text);

  // The device fails (no session) and asks; the service answers the first retry over its
  // existing session (still undecryptable there), the second with a session built from the
  // receipt's keys, as a pkmsg with the device identity.
  auto decrypted = [&] {
    for (const auto& m : s.received_messages())
      if (m.id == id && m.device == t.contact_device && m.decrypt_error.empty()) return true;
    return false;
  };
  REQUIRE(wait_until(decrypted));
  for (const auto& m : s.received_messages()) {
    if (m.id != id || m.device != t.contact_device || !m.decrypt_error.empty()) continue;
    CHECK(m.text == text);
    CHECK(m.retry_count == 2);
    CHECK(m.enc_type == "pkmsg");
    CHECK(m.had_device_identity);
    CHECK(m.sender == s.paired_devices().front().jid);
  }
  CHECK(s.anomalies().empty());
  // The repaired session carries the next message without any retry.
  const std::string next = t.send_ok("plain sailing");
  REQUIRE(wait_until([&] {
    for (const auto& m : s.received_messages())
      if (m.id == next && m.device == t.contact_device) return true;
    return false;
  }));
  for (const auto& m : s.received_messages())
    if (m.id == next && m.device == t.contact_device) CHECK(m.decrypt_error.empty());
}

TEST_CASE("e2e retry: a retry receipt that arrives after a restart gets the original text",
          "[e2e][retry]") {
  RetryRig t;
  auto& s = t.rig.sim();
  REQUIRE(s.forget_sessions(t.contact_device));
  s.set_hold_retries(true);
  const std::string text = "asked for again after a restart";
  const std::string id = t.send_ok(text);
  // The device could not decrypt its copy; its retry receipt waits in the server while the
  // service restarts: the text must come from the store, not from memory.
  REQUIRE(wait_until([&] { return s.held_retries() > 0; }));
  CHECK(t.rig.stop_service() == 0);
  t.rig.start_service();
  REQUIRE(t.rig.api().wait_status(kTenant, {"connected"})["status"] == "connected");
  REQUIRE(s.release_retries() > 0);
  REQUIRE(wait_until([&] {
    for (const auto& m : s.received_messages())
      if (m.id == id && m.device == t.contact_device && m.decrypt_error.empty()) return true;
    return false;
  }));
  for (const auto& m : s.received_messages()) {
    if (m.id != id || m.device != t.contact_device || !m.decrypt_error.empty()) continue;
    CHECK(m.text == text);
    CHECK(m.retry_count >= 1);
  }
  CHECK(s.anomalies().empty());
}

TEST_CASE("e2e offline: messages sent while the service was down are receipted at login",
          "[e2e][offline]") {
  RetryRig t;
  auto& s = t.rig.sim();
  REQUIRE(t.rig.stop_service() == 0);
  std::vector<std::string> ids;
  for (int i = 0; i < 3; ++i) ids.push_back(t.from_contact("while you were away " + std::to_string(i), 0));
  CHECK(contains(s.history(), "contact-message-queued"));

  t.rig.start_service();
  REQUIRE(wait_until([&] {
    return std::all_of(ids.begin(), ids.end(), [&](const std::string& id) { return delivered(s, id); });
  }));
  // Baileys asks for the backlog in batches when the server previews it (§8 step 6).
  CHECK(contains(s.history(), "offline_batch:100"));
  CHECK(contains(s.history(), "offline-delivered:3"));
  for (const auto& id : ids) CHECK(retries_for(s, id).empty());
  CHECK(s.anomalies().empty());
}

TEST_CASE("e2e retry: our own phone asking again gets the DeviceSentMessage re-encrypted",
          "[e2e][retry]") {
  RetryRig t;
  auto& s = t.rig.sim();
  const std::string phone = lid_device_jid(s.lid_user(), 0);
  REQUIRE(s.forget_sessions(phone));
  const std::string text = "for my other devices too";
  const std::string id = t.send_ok(text);

  // The phone's retry receipt names the chat in `recipient`; the resend must be the
  // DeviceSentMessage for that chat, not a plain Message (whatsmeow handleRetryReceipt).
  auto repaired = [&]() -> std::optional<sim::ReceivedMessage> {
    for (const auto& m : s.received_messages())
      if (m.id == id && m.device == phone && m.decrypt_error.empty()) return m;
    return std::nullopt;
  };
  REQUIRE(wait_until([&] { return repaired().has_value(); }));
  const auto m = *repaired();
  CHECK(m.text == text);
  CHECK(m.dsm_destination == t.contact.lid_user + "@lid");
  CHECK(m.retry_count == 2);
  CHECK(s.anomalies().empty());
}
