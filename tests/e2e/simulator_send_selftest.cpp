// Self-tests of the simulator's send path: usync answers, prekey bundles, and recipient devices
// that decrypt with libsignal, driven by the minimal whatsmeow-style companion of
// sim_companion.hpp — not by the product's send code: GetUserInfo usync (PN → LID), device
// usync for the contact's LID and its own LID, key fetch, X3DH from each bundle with its own
// in-memory libsignal store, padded Message{conversation} (DeviceSentMessage for its own
// devices), the <message> stanza, and the server ack.
#include <catch2/catch.hpp>

#include <ctime>
#include <map>
#include <httplib.h>
#include "adv.pb.h"
#include "e2e_support.hpp"
#include "message_inbox.hpp"
#include "sim_companion.hpp"
#include "simulator.hpp"
#include "util/bytes.hpp"

using namespace e2e;
using wa::Jid;
using wa::Node;
using wa::NodeList;

namespace {
const Jid kServer = Jid::server_jid();
}  // namespace

TEST_CASE("simulator send: contact devices and the own phone decrypt; after a reply the next message is msg", "[sim]") {
  sim::Simulator s;
  s.start();
  auto a = pair_and_login(s, 10);
  Sender sender(a->keys);
  const std::string own_lid = s.lid_user();
  const int64_t before = static_cast<int64_t>(std::time(nullptr));

  // GetUserInfo shape (whatsmeow user.go): the PN's LID and its PN device list.
  const Jid pn = Jid::user_jid(kContactPhone);
  Node info = a->roundtrip(usync_iq(a->iq_id(), "full", "background",
                                    NodeList{Node("business", {}, NodeList{Node("verified_name")}),
                                             Node("status"), Node("picture"),
                                             Node("devices", {{"version", "2"}}), Node("lid")},
                                    NodeList{user_jid(pn)}));
  CHECK(info.attr("type") == "result");
  const Node* user = user_in(usync_list(info), pn);
  REQUIRE(user);
  REQUIRE(user->child("lid"));
  CHECK(user->child("lid")->attr("val") == std::string(kContactLid) + "@lid");
  const Node* devices = user->child("devices");
  REQUIRE(devices);
  const auto pn_devices = parse_device_list(pn, devices);
  REQUIRE(pn_devices.size() == 2);
  CHECK(pn_devices[0].str() == std::string(kContactPhone) + "@s.whatsapp.net");
  CHECK(pn_devices[1].str() == std::string(kContactPhone) + ":7@s.whatsapp.net");
  const auto device_nodes = devices->child("device-list")->children_by_tag("device");
  CHECK(device_nodes[0]->find_attr("key-index") == nullptr);
  CHECK(device_nodes[1]->attr("key-index") == "1");
  REQUIRE(devices->child("key-index-list"));
  CHECK(std::stoll(devices->child("key-index-list")->attr("ts")) >= before);

  // A LID query lists LID devices; the own LID lists the phone and this companion.
  const Jid lid = Jid::user_jid(kContactLid, wa::kLidServer);
  const Jid own = Jid::user_jid(own_lid, wa::kLidServer);
  Node lists = a->roundtrip(usync_iq(a->iq_id(), "query", "message",
                                     NodeList{Node("devices", {{"version", "2"}})},
                                     NodeList{user_jid(lid), user_jid(own)}));
  auto lid_devices = parse_device_list(lid, user_in(usync_list(lists), lid)->child("devices"));
  REQUIRE(lid_devices.size() == 2);
  CHECK(lid_devices[1].str() == std::string(kContactLid) + ":7@lid");
  auto own_devices = parse_device_list(own, user_in(usync_list(lists), own)->child("devices"));
  REQUIRE(own_devices.size() == 2);
  CHECK(own_devices[0].str() == own_lid + "@lid");
  CHECK(own_devices[1].device == a->device);
  CHECK(user_in(usync_list(lists), lid)->child("lid") == nullptr);  // not asked for

  const std::string text = "héllo 👋 שלום עולם — ٱلسَّلَامُ";
  Sent first = send_text(*a, sender, text);
  REQUIRE(first.types.size() == 3);
  for (const auto& [dev, type] : first.types) CHECK(type == "pkmsg");
  auto ack = next_ack(*a);
  REQUIRE(ack);
  CHECK(ack->attr("class") == "message");
  CHECK(ack->attr("id") == first.id);
  CHECK(ack->attr("from") == std::string(kContactLid) + "@lid");
  CHECK(ack->find_attr("error") == nullptr);
  CHECK(std::stoll(ack->attr("t")) >= before);

  REQUIRE(s.wait_for_messages(3, 5s));
  auto got = entries_for(s, first.id);
  REQUIRE(got.size() == 3);
  std::map<std::string, sim::ReceivedMessage> by_device;
  for (const auto& m : got) by_device[m.device] = m;
  for (const std::string& dev : {std::string(kContactLid) + "@lid", std::string(kContactLid) + ":7@lid"}) {
    INFO(dev);
    REQUIRE(by_device.count(dev));
    const auto& m = by_device[dev];
    CHECK(m.decrypt_error.empty());
    CHECK(m.text == text);
    CHECK(m.enc_type == "pkmsg");
    CHECK(m.dsm_destination.empty());
    CHECK(m.had_device_identity);
    CHECK(m.to == std::string(kContactLid) + "@lid");
    CHECK(m.peer_recipient_pn == std::string(kContactPhone) + "@s.whatsapp.net");
    CHECK(m.sender == s.phone_number() + ":" + std::to_string(a->device) + "@s.whatsapp.net");
  }
  // The own phone gets the DeviceSentMessage with the chat it was sent to (§9).
  REQUIRE(by_device.count(own_lid + "@lid"));
  const auto& phone = by_device[own_lid + "@lid"];
  CHECK(phone.decrypt_error.empty());
  CHECK(phone.text == text);
  CHECK(phone.dsm_destination == std::string(kContactLid) + "@lid");

  // libsignal keeps sending PreKeySignalMessages until it has decrypted a message from the peer,
  // so a second message is still a pkmsg everywhere — and still decrypts.
  Sent second = send_text(*a, sender, "second");
  for (const auto& [dev, type] : second.types) CHECK(type == "pkmsg");
  ack = next_ack(*a);
  REQUIRE(ack);
  CHECK(ack->attr("id") == second.id);
  REQUIRE(s.wait_for_messages(6, 5s));
  got = entries_for(s, second.id);
  REQUIRE(got.size() == 3);
  for (const auto& m : got) {
    CHECK(m.decrypt_error.empty());
    CHECK(m.text == "second");
  }

  // The contact's device 7 replies over its session (§10 inbound shape) ...
  const std::string dev7 = std::string(kContactLid) + ":7@lid";
  std::string reply_id;
  REQUIRE(s.send_from_contact(dev7, "got it ✓", &reply_id) == std::nullopt);
  auto inbound = a->next("message");
  REQUIRE(inbound);
  CHECK(inbound->attr("from") == dev7);
  CHECK(inbound->attr("id") == reply_id);
  CHECK(inbound->attr("sender_pn") == std::string(kContactPhone) + "@s.whatsapp.net");
  CHECK(inbound->attr("type") == "text");
  CHECK(sender.decrypt_text(*inbound) == "got it ✓");

  // ... so the next message travels to it as msg, to the others still as pkmsg.
  Sent third = send_text(*a, sender, "third");
  CHECK(third.types[dev7] == "msg");
  CHECK(third.types[std::string(kContactLid) + "@lid"] == "pkmsg");
  REQUIRE(next_ack(*a));
  REQUIRE(s.wait_for_messages(9, 5s));
  for (const auto& m : entries_for(s, third.id)) {
    INFO(m.device);
    CHECK(m.decrypt_error.empty());
    CHECK(m.text == "third");
    CHECK(m.enc_type == (m.device == dev7 ? "msg" : "pkmsg"));
  }
  CHECK(s.anomalies().empty());
}

TEST_CASE("simulator send: contact messages need a contact's device and a companion", "[sim]") {
  sim::Simulator s;
  s.start();
  httplib::Client c(s.control_url());
  auto post = [&c](const json& body) {
    auto res = c.Post("/contact-message", body.dump(), "application/json");
    REQUIRE(res);
    return std::make_pair(res->status, json::parse(res->body, nullptr, false));
  };
  const std::string contact = std::string(kContactLid) + "@lid";
  // Nobody is paired: nobody to deliver to.
  auto [status, body] = post({{"from", contact}, {"text", "x"}});
  CHECK(status == 409);
  CHECK(body["error"]["code"] == "not_delivered");

  auto a = pair_and_login(s, 0);
  // The own phone writes no contact messages; the contact has no device 9.
  CHECK(s.send_from_contact(s.lid_user() + "@lid", "own phone"));
  sim::SimSendResult r = s.send_contact_message({std::string(kContactLid) + ":9@lid", "x"});
  CHECK(r.status == sim::SimSendResult::Status::bad_request);
  CHECK(post({{"from", s.lid_user() + "@lid"}, {"text", "x"}}).first == 400);
  CHECK(post({{"from", contact}, {"text", "x"}, {"kind", "video"}}).first == 400);
  CHECK(post({{"from", contact}, {"text", "x"}, {"pushName", 7}}).first == 400);
  CHECK(post({{"from", 5}, {"text", "x"}}).first == 400);
  CHECK(post({{"from", "not a jid"}, {"text", "x"}}).first == 400);
  // A well-formed one goes to the companion that is now connected.
  auto [ok, sent] = post({{"from", contact}, {"text", "x"}});
  CHECK(ok == 200);
  CHECK(sent["data"]["delivered"] == 1);
  CHECK(sent["data"]["queued"] == 0);
  REQUIRE(a->next("message"));
}

TEST_CASE("simulator send: a 64 KiB text decrypts on every device", "[sim]") {
  sim::Simulator s;
  s.start();
  auto a = pair_and_login(s, 0);
  Sender sender(a->keys);
  std::string big(65536, 'x');
  for (size_t i = 0; i < big.size(); i += 97) big[i] = static_cast<char>('a' + i % 26);
  Sent sent = send_text(*a, sender, big);
  auto ack = next_ack(*a);
  REQUIRE(ack);
  REQUIRE(s.wait_for_messages(3, 5s));
  for (const auto& m : entries_for(s, sent.id)) {
    CHECK(m.decrypt_error.empty());
    CHECK(m.text == big);
  }
  CHECK(s.anomalies().empty());
}

TEST_CASE("simulator send: bundles run out of one-time keys; unknown devices get 404; counts follow", "[sim]") {
  sim::SimOptions o;
  o.prekeys_per_device = 1;
  sim::Simulator s(o);
  s.start();
  auto a = pair_and_login(s, 0);
  auto b = pair_and_login(s, 3);

  const Jid contact7 = Jid{kContactPhone, 0, 7, 0, wa::kServerJid};
  auto first = fetch_bundles(*a, {contact7});
  REQUIRE(first.count(contact7.str()));
  REQUIRE(first[contact7.str()]);
  CHECK(first[contact7.str()]->pre_key.has_value());
  CHECK(first[contact7.str()]->pre_key->first == 1);
  CHECK(first[contact7.str()]->signed_id == 1);
  // The signed prekey signature verifies with the bundle's identity over 05 || pub (§8).
  util::Bytes msg{0x05};
  msg.insert(msg.end(), first[contact7.str()]->signed_key.begin(), first[contact7.str()]->signed_key.end());
  CHECK(util::curve::verify(first[contact7.str()]->identity, msg, first[contact7.str()]->signature));
  auto again = fetch_bundles(*a, {contact7});
  REQUIRE(again[contact7.str()]);
  CHECK(!again[contact7.str()]->pre_key.has_value());  // the pool is empty
  CHECK(again[contact7.str()]->identity == first[contact7.str()]->identity);

  // Unknown device of a known user, and an unknown user: <user jid><error code="404"/></user>.
  const Jid missing{kContactPhone, 0, 9, 0, wa::kServerJid};
  const Jid nobody = Jid::user_jid("19995550000");
  Node reply = a->roundtrip(Node(
      "iq", {{"id", a->iq_id()}, {"xmlns", "encrypt"}, {"type", "get"}, {"to", kServer}},
      NodeList{Node("key", {}, NodeList{Node("user", {{"jid", missing}, {"reason", "identity"}}),
                                        Node("user", {{"jid", nobody}, {"reason", "identity"}})})}));
  const auto users = reply.child("list")->children_by_tag("user");
  REQUIRE(users.size() == 2);
  for (const Node* u : users) {
    REQUIRE(u->child("error"));
    CHECK(u->child("error")->attr("code") == "404");
  }
  CHECK(users[0]->jid_attr("jid") == std::optional<Jid>(missing));

  // The own phone's bundle carries the phone's ADV account key as its Signal identity.
  const Jid own_phone = Jid::user_jid(s.lid_user(), wa::kLidServer);
  auto phone_bundle = fetch_bundles(*a, {own_phone});
  REQUIRE(phone_bundle[own_phone.str()]);
  wa::proto::ADVSignedDeviceIdentity account;
  REQUIRE(account.ParseFromString(util::to_string(a->account)));
  CHECK(util::Bytes(phone_bundle[own_phone.str()]->identity.begin(),
                    phone_bundle[own_phone.str()]->identity.end()) ==
        util::to_bytes(account.accountsignaturekey()));

  // Companion B uploaded 3 keys; A's fetch hands out the lowest and B's count drops to 2.
  const Jid b_lid{s.lid_user(), 0, b->device, 0, wa::kLidServer};
  auto b_bundle = fetch_bundles(*a, {b_lid});
  REQUIRE(b_bundle[b_lid.str()]);
  CHECK(b_bundle[b_lid.str()]->identity == b->keys.identity.pub);
  CHECK(b_bundle[b_lid.str()]->registration_id == b->keys.registration_id);
  REQUIRE(b_bundle[b_lid.str()]->pre_key);
  CHECK(b_bundle[b_lid.str()]->pre_key->first == 1);
  Node count = b->roundtrip(client_iq(b->iq_id(), "encrypt", "get", "count"));
  REQUIRE(count.child("count"));
  CHECK(count.child("count")->attr("value") == "2");

  // The own device list now holds the phone and both companions with their ADV key indexes.
  Node lists = a->roundtrip(usync_iq(a->iq_id(), "query", "message",
                                     NodeList{Node("devices", {{"version", "2"}})},
                                     NodeList{user_jid(Jid::user_jid(s.lid_user(), wa::kLidServer))}));
  const Node* own_user = user_in(usync_list(lists), Jid::user_jid(s.lid_user(), wa::kLidServer));
  REQUIRE(own_user);
  const auto own_nodes = own_user->child("devices")->child("device-list")->children_by_tag("device");
  REQUIRE(own_nodes.size() == 3);
  CHECK(own_nodes[1]->attr("id") == std::to_string(a->device));
  CHECK(own_nodes[1]->attr("key-index") == "1");
  CHECK(own_nodes[2]->attr("id") == std::to_string(b->device));
  CHECK(own_nodes[2]->attr("key-index") == "2");
  CHECK(s.anomalies().empty());
}

TEST_CASE("simulator send: a message to two companions reaches the other one undecrypted", "[sim]") {
  sim::Simulator s;
  s.start();
  auto a = pair_and_login(s, 0);
  auto b = pair_and_login(s, 5);
  Sender sender(a->keys);
  Sent sent = send_text(*a, sender, "to everyone");
  REQUIRE(sent.types.size() == 4);  // contact :0 and :7, own phone, companion B
  REQUIRE(next_ack(*a));
  REQUIRE(s.wait_for_messages(4, 5s));
  int decrypted = 0;
  for (const auto& m : entries_for(s, sent.id)) {
    if (m.device == Jid{s.lid_user(), 0, b->device, 0, wa::kLidServer}.str())
      CHECK(m.decrypt_error.find("companion") != std::string::npos);
    else if (m.decrypt_error.empty() && m.text == "to everyone")
      ++decrypted;
  }
  CHECK(decrypted == 3);
  CHECK(s.anomalies().empty());
}

TEST_CASE("simulator usync: unknown numbers and IsOnWhatsApp-style contact queries", "[sim]") {
  sim::Simulator s;
  s.start();
  auto a = pair_and_login(s, 0);

  // Documented choice: an unknown number gets no <lid> and <devices><error code="404"/></devices>.
  const Jid unknown = Jid::user_jid("19995550000");
  Node info = a->roundtrip(usync_iq(a->iq_id(), "full", "background",
                                    NodeList{Node("devices", {{"version", "2"}}), Node("lid")},
                                    NodeList{user_jid(unknown)}));
  const Node* u = user_in(usync_list(info), unknown);
  REQUIRE(u);
  CHECK(u->child("lid") == nullptr);
  REQUIRE(u->child("devices"));
  REQUIRE(u->child("devices")->child("error"));
  CHECK(u->child("devices")->child("error")->attr("code") == "404");
  CHECK(parse_device_list(unknown, u->child("devices")).empty());

  // whatsmeow IsOnWhatsApp: <contact addressing_mode="lid"/>, users <contact>+DIGITS@c.us</contact>.
  auto contact_user = [](const std::string& text) {
    return Node("user", {}, NodeList{Node("contact", {}, util::to_bytes(text))});
  };
  Node wm = a->roundtrip(usync_iq(a->iq_id(), "query", "interactive",
                                  NodeList{Node("contact", {{"addressing_mode", "lid"}})},
                                  NodeList{contact_user("+15557654321@c.us"),
                                           contact_user("+19995550000@c.us")}));
  const auto wm_users = usync_list(wm)->children_by_tag("user");
  REQUIRE(wm_users.size() == 2);
  CHECK(wm_users[0]->attr("jid") == std::string(kContactLid) + "@lid");
  CHECK(wm_users[0]->attr("pn_jid") == std::string(kContactPhone) + "@s.whatsapp.net");
  REQUIRE(wm_users[0]->child("contact"));
  CHECK(wm_users[0]->child("contact")->attr("type") == "in");
  CHECK(util::to_string(wm_users[0]->child("contact")->bytes()) == "+15557654321@c.us");
  CHECK(wm_users[1]->attr("jid") == "19995550000@s.whatsapp.net");
  CHECK(wm_users[1]->child("contact")->attr("type") == "out");

  // Baileys onWhatsApp: <contact/> query, users <contact>+DIGITS</contact>; jid is the PN.
  Node bl = a->roundtrip(usync_iq(a->iq_id(), "query", "interactive", NodeList{Node("contact")},
                                  NodeList{contact_user("+15557654321")}));
  const auto bl_users = usync_list(bl)->children_by_tag("user");
  REQUIRE(bl_users.size() == 1);
  CHECK(bl_users[0]->attr("jid") == std::string(kContactPhone) + "@s.whatsapp.net");
  CHECK(bl_users[0]->child("contact")->attr("type") == "in");
  CHECK(s.anomalies().empty());
}

TEST_CASE("simulator send: a refused message and a withheld ack", "[sim]") {
  sim::Simulator s;
  s.start();
  auto a = pair_and_login(s, 0);
  Sender sender(a->keys);

  s.set_message_error(479);
  Sent refused = send_text(*a, sender, "refused");
  auto ack = next_ack(*a);
  REQUIRE(ack);
  CHECK(ack->attr("id") == refused.id);
  CHECK(ack->attr("error") == "479");
  CHECK(entries_for(s, refused.id).empty());  // nothing delivered

  s.set_message_error(0);
  s.set_withhold_ack(true);
  Sent silent = send_text(*a, sender, "delivered, never acked");
  CHECK(!next_ack(*a, 1500ms));
  REQUIRE(s.wait_for_messages(3, 5s));
  for (const auto& m : entries_for(s, silent.id)) {
    CHECK(m.decrypt_error.empty());
    CHECK(m.text == "delivered, never acked");
  }

  // Through the control API: clear the fault, then refuse with 463.
  httplib::Client c(s.control_url());
  auto faults = c.Post("/faults", R"({"withholdAck":false,"messageError":463})", "application/json");
  REQUIRE(faults);
  CHECK(faults->status == 200);
  CHECK(json::parse(faults->body)["data"]["messageError"] == 463);
  CHECK(!s.withhold_ack());
  Sent restricted = send_text(*a, sender, "restricted");
  ack = next_ack(*a);
  REQUIRE(ack);
  CHECK(ack->attr("id") == restricted.id);
  CHECK(ack->attr("error") == "463");

  auto bad = c.Post("/faults", R"({"withholdAck":"yes"})", "application/json");
  REQUIRE(bad);
  CHECK(bad->status == 400);
  REQUIRE(c.Post("/faults", R"({"messageError":null})", "application/json"));
  CHECK(s.message_error() == 0);
  Sent fine = send_text(*a, sender, "fine again");
  ack = next_ack(*a);
  REQUIRE(ack);
  CHECK(ack->attr("id") == fine.id);
  CHECK(ack->find_attr("error") == nullptr);
  REQUIRE(s.wait_for_messages(6, 5s));

  auto messages = c.Get("/messages");
  REQUIRE(messages);
  json list = json::parse(messages->body)["data"]["messages"];
  REQUIRE(list.size() == 6);
  CHECK(list.back()["text"] == "fine again");
  CHECK(list.back()["decryptError"] == "");
  // After the refused pkmsg the sessions still work: the recipients never saw it.
  for (const auto& m : entries_for(s, fine.id)) CHECK(m.decrypt_error.empty());
  CHECK(s.anomalies().empty());
}

TEST_CASE("simulator send: anomalies catch a pkmsg without device-identity, PN addressing and skipped devices", "[sim]") {
  {
    sim::Simulator s;
    s.start();
    auto a = pair_and_login(s, 0);
    Sender sender(a->keys);
    SendSpec spec;
    spec.device_identity = false;
    Sent sent = send_text(*a, sender, "no identity", spec);
    REQUIRE(next_ack(*a));
    CHECK(contains_text(s.anomalies(), "pkmsg without <device-identity>"));
    // The devices still decrypt: the check is the server's, not Signal's.
    REQUIRE(s.wait_for_messages(3, 5s));
    for (const auto& m : entries_for(s, sent.id)) CHECK(m.decrypt_error.empty());
  }
  {
    sim::Simulator s;
    s.start();
    auto a = pair_and_login(s, 0);
    Sender sender(a->keys);
    SendSpec spec;
    spec.skip = {std::string(kContactLid) + ":7@lid"};
    send_text(*a, sender, "partial", spec);
    REQUIRE(next_ack(*a));
    CHECK(contains_text(s.anomalies(), "recipient device " + std::string(kContactLid) + ":7@lid skipped"));
  }
  {
    // The pair-device-sign form of the account (no accountSignatureKey) and plain text to the
    // own phone instead of a DeviceSentMessage.
    sim::Simulator s;
    s.start();
    auto a = pair_and_login(s, 0);
    Sender sender(a->keys);
    wa::proto::ADVSignedDeviceIdentity account;
    REQUIRE(account.ParseFromString(util::to_string(a->account)));
    account.clear_accountsignaturekey();
    SendSpec spec;
    spec.identity_bytes = util::to_bytes(serialize(account));
    spec.plain_to_own = true;
    send_text(*a, sender, "sloppy", spec);
    REQUIRE(next_ack(*a));
    const auto anomalies = s.anomalies();
    CHECK(contains_text(anomalies, "lacks accountSignatureKey"));
    CHECK(contains_text(anomalies, "own device " + s.lid_user() + "@lid got a plain Message"));
  }
  {
    // An unknown recipient is refused with 479.
    sim::Simulator s;
    s.start();
    auto a = pair_and_login(s, 0);
    a->conn->send_node(Node("message", {{"id", "3EB0" + std::string(18, 'A')}, {"type", "text"},
                                        {"to", Jid::user_jid("111222333", wa::kLidServer)}},
                            NodeList{Node("participants")}));
    auto ack = next_ack(*a);
    REQUIRE(ack);
    CHECK(ack->attr("error") == "479");
    CHECK(contains_text(s.anomalies(), "no WhatsApp user the server knows"));
  }
  {
    // A hand-built stanza to the PN, without peer_recipient_pn and with a bad id.
    sim::Simulator s;
    s.start();
    auto a = pair_and_login(s, 0);
    a->conn->send_node(Node("message", {{"id", "ABC"}, {"type", "text"}, {"to", Jid::user_jid(kContactPhone)}},
                            NodeList{Node("participants")}));
    auto ack = next_ack(*a);
    REQUIRE(ack);
    CHECK(ack->attr("id") == "ABC");
    const auto anomalies = s.anomalies();
    CHECK(contains_text(anomalies, "sent to the PN"));
    CHECK(contains_text(anomalies, "whatsmeow's format"));
    CHECK(contains_text(anomalies, "skipped"));
  }
}

TEST_CASE("simulator unpad follows §9/§10 strictly", "[sim]") {
  using B = util::Bytes;
  CHECK(sim::unpad(B{'a', 1}) == std::optional<B>(B{'a'}));
  CHECK(sim::unpad(B{'a', 'b', 3, 3, 3}) == std::optional<B>(B{'a', 'b'}));
  B sixteen(16, 16);
  CHECK(sim::unpad(sixteen) == std::optional<B>(B{}));  // Baileys pads up to 16
  CHECK(!sim::unpad(B{'a', 3, 2}));    // padding bytes differ from n
  CHECK(!sim::unpad(B{'a', 0}));       // n = 0
  CHECK(!sim::unpad(B(17, 17)));       // n > 16
  CHECK(!sim::unpad(B{2}));            // n > length
  CHECK(!sim::unpad(B{}));
}
