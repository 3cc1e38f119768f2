// End to end: what the simulator's devices write to the real wa-sidecar binary and how it
// answers, through the stanzas the webhooks feature builds on:
//  - the receipts of the devices that decrypted a message the service sent (delivered from a
//    contact's devices, sender from the own phone) and read receipts are each acked with
//    <ack class="receipt"> copying to, type and recipient (PROTOCOL.md §8 "What must be acked");
//  - a contact that writes first (pkmsg from the service's bundle, PN- or LID-addressed, text
//    or image) and the own phone's DeviceSentMessage copy are decrypted and receipted: a
//    delivery receipt (type "inactive": the service sends no presence) to the contact's device,
//    a "sender" receipt with the chat as recipient to the own phone (§10 step 6).
#include <catch2/catch.hpp>

#include <algorithm>
#include "service_rig.hpp"

using namespace e2e;

namespace {

constexpr const char* kTenant = "inbound";

struct InboundRig {
  ServiceRig rig;
  sim::SimContact contact;

  InboundRig() : contact(rig.sim().contacts().front()) { rig.pair_tenant(kTenant); }

  // The service's receipt for `id`, once it came.
  sim::ClientReceipt receipt_of(const std::string& id) {
    auto& s = rig.sim();
    REQUIRE(wait_until([&] { return !receipts_for(s, id).empty(); }));
    return receipts_for(s, id).front();
  }
};

bool all_acked(sim::Simulator& s, size_t n) {
  const auto relayed = s.relayed_receipts();
  return relayed.size() >= n &&
         std::all_of(relayed.begin(), relayed.end(), [](const auto& r) { return r.acked; });
}

}  // namespace

TEST_CASE("e2e inbound: the devices' receipts for a sent message are acked as they must be",
          "[e2e][inbound]") {
  InboundRig t;
  auto& s = t.rig.sim();
  HttpResult sent = t.rig.api().post("/send", kTenant,
                                     json{{"to", "+" + t.contact.phone}, {"message", "hi"}}.dump());
  REQUIRE(sent.status == 200);
  const std::string id = sent.body["data"]["messageId"];
  // Contact devices 0 and 7 (delivered) and the own phone (sender).
  REQUIRE(wait_until([&] { return all_acked(s, 3); }));
  const auto relayed = s.relayed_receipts();
  REQUIRE(relayed.size() == 3);
  int sender = 0;
  for (const auto& r : relayed) {
    INFO(r.from << " " << r.type);
    CHECK(r.id == id);
    CHECK(r.ack_problem.empty());
    if (r.type == "sender") {
      ++sender;
      CHECK(r.from == lid_device_jid(s.lid_user(), 0));
      CHECK(r.recipient == t.contact.lid_user + "@lid");
    } else {
      CHECK(r.type.empty());
    }
  }
  CHECK(sender == 1);

  // A read receipt for it from the contact's phone is acked with its type.
  sim::SimSendResult read = s.send_contact_receipt(lid_device_jid(t.contact.lid_user, 0), "read", {id});
  REQUIRE(read.ok());
  REQUIRE(wait_until([&] { return all_acked(s, 4); }));
  CHECK(s.relayed_receipts().back().type == "read");
  CHECK(s.anomalies().empty());
}

TEST_CASE("e2e inbound: a contact writing first and the own phone's copy are decrypted and receipted",
          "[e2e][inbound]") {
  InboundRig t;
  auto& s = t.rig.sim();
  const std::string pn_phone = t.contact.phone + "@s.whatsapp.net";

  // LID-addressed from the contact's companion device, before the service ever wrote to it.
  sim::SimSendResult first = s.send_contact_message({lid_device_jid(t.contact.lid_user, 7), "hello first"});
  REQUIRE(first.ok());
  CHECK(t.receipt_of(first.id).to == lid_device_jid(t.contact.lid_user, 7));
  CHECK(t.receipt_of(first.id).type == "inactive");

  // PN-addressed from the contact's phone, with a push name; an image from device 7.
  sim::ContactMessageRequest from_phone(pn_phone, "from the phone");
  from_phone.push_name = "Alice";
  sim::SimSendResult second = s.send_contact_message(from_phone);
  REQUIRE(second.ok());
  CHECK(t.receipt_of(second.id).to == pn_phone);
  sim::ContactMessageRequest image(lid_device_jid(t.contact.lid_user, 7), "a caption");
  image.kind = "image";
  sim::SimSendResult third = s.send_contact_message(image);
  REQUIRE(third.ok());
  CHECK(t.receipt_of(third.id).type == "inactive");

  // The own phone wrote to the contact: the service answers its own device with "sender".
  sim::SimSendResult mine = s.send_phone_message(t.contact.lid_user + "@lid", "from my phone");
  REQUIRE(mine.ok());
  const sim::ClientReceipt own = t.receipt_of(mine.id);
  CHECK(own.type == "sender");
  CHECK(own.to == lid_device_jid(s.lid_user(), 0));

  // None of them needed a retry, and the service's answer to the contact is a msg now.
  for (const auto& r : s.client_receipts()) CHECK(r.type != "retry");
  HttpResult reply = t.rig.api().post("/send", kTenant,
                                      json{{"to", "+" + t.contact.phone}, {"message", "hi back"}}.dump());
  REQUIRE(reply.status == 200);
  const std::string reply_id = reply.body["data"]["messageId"];
  REQUIRE(wait_until([&] {
    int n = 0;
    for (const auto& m : s.received_messages()) n += m.id == reply_id;
    return n >= 3;
  }));
  for (const auto& m : s.received_messages()) {
    if (m.id != reply_id) continue;
    INFO(m.device);
    CHECK(m.decrypt_error.empty());
    if (m.device == lid_device_jid(t.contact.lid_user, 7) || m.device == lid_device_jid(t.contact.lid_user, 0))
      CHECK(m.enc_type == "msg");
  }
  CHECK(s.anomalies().empty());
}
