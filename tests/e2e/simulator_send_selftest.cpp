// Self-tests of the simulator's send path (issue 3): usync answers, prekey bundles, and recipient
// devices that decrypt with libsignal, driven by a minimal sender written here from PROTOCOL.md
// §9 and whatsmeow's send.go / user.go / prekeys.go — not by the product's send code. The sender
// pairs and logs in like the other self-tests, then: GetUserInfo usync (PN → LID), device usync
// for the contact's LID and its own LID, key fetch, X3DH from each bundle with its own in-memory
// libsignal store, padded Message{conversation} (DeviceSentMessage for its own devices), the
// <message> stanza, and the server ack.
#include <catch2/catch.hpp>

#include <signal/protocol.h>
#include <signal/session_builder.h>
#include <signal/session_cipher.h>
#include <signal/session_pre_key.h>

#include <algorithm>
#include <ctime>
#include <map>
#include <set>
#include <httplib.h>
#include "adv.pb.h"
#include "e2e.pb.h"
#include "e2e_support.hpp"
#include "fake_companion.hpp"
#include "memory_signal_store.hpp"
#include "message_inbox.hpp"
#include "mini_client.hpp"
#include "signal_ref.hpp"
#include "simulator.hpp"
#include "util/bytes.hpp"
#include "util/crypto.hpp"
#include "util/signal_crypto_provider.hpp"

using namespace e2e;
using wa::Jid;
using wa::Node;
using wa::NodeList;

namespace {

const Jid kServer = Jid::server_jid();
const char kContactPhone[] = "15557654321";
const char kContactLid[] = "987654321098765";

util::curve::Key32 root_of(const sim::Simulator& s) {
  return util::curve::to_key32(*util::hex_decode(s.root_public_key_hex()));
}

bool contains_text(const std::vector<std::string>& v, const std::string& needle) {
  return std::any_of(v.begin(), v.end(),
                     [&](const std::string& s) { return s.find(needle) != std::string::npos; });
}

std::string serialize(const google::protobuf::MessageLite& m) {
  std::string out;
  m.SerializeToString(&out);
  return out;
}

// A paired, logged-in companion of the simulated account.
struct Companion {
  CompanionKeys keys;
  uint16_t device = 0;
  Jid lid;           // own LID with this device
  util::Bytes account;  // ADVSignedDeviceIdentity WITH accountSignatureKey (§9 device-identity)
  std::unique_ptr<MiniClient> conn;
  int next_id = 0;

  std::string iq_id() { return "sim3." + std::to_string(++next_id); }
  // Sends an iq and returns the reply with the same id (other stanzas are skipped).
  Node roundtrip(Node iq) {
    const std::string id = iq.attr("id");
    conn->send_node(iq);
    for (int i = 0; i < 10; ++i) {
      auto n = conn->next_node(5s);
      if (!n) break;
      if (n->tag == "iq" && n->attr("id") == id) return *n;
    }
    throw std::runtime_error("no reply to iq " + id);
  }
};

// §6 pairing through the simulator's phone, then a login (§8) with `upload` prekeys and <active/>.
std::unique_ptr<Companion> pair_and_login(sim::Simulator& s, int upload) {
  auto c = std::make_unique<Companion>();
  MiniClient reg(s.ws_url());
  REQUIRE(reg.wait_open() == 101);
  reg.handshake(c->keys.noise, root_of(s), registration_payload(c->keys));
  auto pd = reg.next_node();
  REQUIRE(pd);
  REQUIRE(pd->child("pair-device"));
  const std::string ref = util::to_string(pd->child("pair-device")->children_by_tag("ref").at(0)->bytes());
  reg.send_node(Node("iq", {{"to", kServer}, {"type", "result"}, {"id", pd->attr("id")}}));
  REQUIRE(s.scan(qr_string(ref, c->keys)) == std::nullopt);
  auto ps = reg.next_node();
  REQUIRE(ps);
  PairReply reply = answer_pair_success(*ps, c->keys);
  REQUIRE(reply.error_text.empty());
  reg.send_node(reply.reply);
  auto err = reg.next_node();
  REQUIRE(err);
  REQUIRE(err->attr("code") == "515");
  REQUIRE(s.wait_pairing_outcome(5s).paired);

  // The account as whatsmeow stores it: the phone's ADVSignedDeviceIdentity (with field 2) plus
  // the companion's deviceSignature from its reply.
  const Node* sent = ps->child("pair-success")->child("device-identity");
  wa::proto::ADVSignedDeviceIdentityHMAC wrapper;
  REQUIRE(wrapper.ParseFromString(util::to_string(sent->bytes())));
  wa::proto::ADVSignedDeviceIdentity account;
  REQUIRE(account.ParseFromString(wrapper.details()));
  wa::proto::ADVSignedDeviceIdentity signed_reply;
  REQUIRE(signed_reply.ParseFromString(util::to_string(
      reply.reply.child("pair-device-sign")->child("device-identity")->bytes())));
  account.set_devicesignature(signed_reply.devicesignature());
  c->account = util::to_bytes(serialize(account));

  const Node* dev = ps->child("pair-success")->child("device");
  c->device = dev->jid_attr("jid")->device;
  c->lid = *dev->jid_attr("lid");

  c->conn = std::make_unique<MiniClient>(s.ws_url());
  REQUIRE(c->conn->wait_open() == 101);
  c->conn->handshake(c->keys.noise, root_of(s), login_payload(std::stoull(s.phone_number()), c->device));
  auto success = c->conn->next_node();
  REQUIRE(success);
  REQUIRE(success->tag == "success");
  if (upload > 0) REQUIRE(c->roundtrip(prekey_upload(c->keys, upload)).attr("type") == "result");
  REQUIRE(c->roundtrip(client_iq(c->iq_id(), "passive", "set", "active")).attr("type") == "result");
  return c;
}

// ---- usync (user.go) ----

Node usync_iq(const std::string& id, const std::string& mode, const std::string& context,
              NodeList query, NodeList users) {
  return Node("iq", {{"id", id}, {"xmlns", "usync"}, {"type", "get"}, {"to", kServer}},
              NodeList{Node("usync",
                            {{"sid", id}, {"mode", mode}, {"last", "true"}, {"index", "0"},
                             {"context", context}},
                            NodeList{Node("query", {}, std::move(query)),
                                     Node("list", {}, std::move(users))})});
}

Node user_jid(const Jid& j) { return Node("user", {{"jid", j}}); }

// whatsmeow's parseDeviceList: <devices><device-list><device id [is_hosted]/>…
std::vector<Jid> parse_device_list(Jid user, const Node* devices) {
  std::vector<Jid> out;
  const Node* list = devices ? devices->child("device-list") : nullptr;
  if (!list) return out;
  for (const Node* d : list->children_by_tag("device")) {
    user.device = static_cast<uint16_t>(std::stoi(d->attr("id")));
    out.push_back(user);
  }
  return out;
}

const Node* usync_list(const Node& reply) {
  const Node* u = reply.child("usync");
  return u ? u->child("list") : nullptr;
}

const Node* user_in(const Node* list, const Jid& jid) {
  if (!list) return nullptr;
  for (const Node* u : list->children_by_tag("user"))
    if (u->jid_attr("jid") == std::optional<Jid>(jid)) return u;
  return nullptr;
}

// ---- prekey bundles (prekeys.go nodeToPreKeyBundle) ----

uint32_t be(const util::Bytes& b) {
  uint32_t v = 0;
  for (uint8_t c : b) v = (v << 8) | c;
  return v;
}

struct Bundle {
  uint32_t registration_id = 0;
  util::curve::Key32 identity{};
  uint32_t signed_id = 0;
  util::curve::Key32 signed_key{};
  util::Bytes signature;
  std::optional<std::pair<uint32_t, util::curve::Key32>> pre_key;
};

std::optional<Bundle> parse_bundle(const Node& user) {
  if (user.child("error")) return std::nullopt;
  Bundle b;
  const Node* keys = user.child("keys") ? user.child("keys") : &user;
  auto sized = [](const Node* n, size_t size) {
    REQUIRE(n);
    util::Bytes v = n->bytes();
    REQUIRE(v.size() == size);
    return v;
  };
  b.registration_id = be(sized(user.child("registration"), 4));
  CHECK(sized(keys->child("type"), 1) == util::Bytes{0x05});
  b.identity = util::curve::to_key32(sized(keys->child("identity"), 32));
  const Node* skey = keys->child("skey");
  REQUIRE(skey);
  b.signed_id = be(sized(skey->child("id"), 3));
  b.signed_key = util::curve::to_key32(sized(skey->child("value"), 32));
  b.signature = sized(skey->child("signature"), 64);
  if (const Node* k = keys->child("key"))
    b.pre_key = std::make_pair(be(sized(k->child("id"), 3)),
                               util::curve::to_key32(sized(k->child("value"), 32)));
  return b;
}

std::map<std::string, std::optional<Bundle>> fetch_bundles(Companion& c, const std::vector<Jid>& devices) {
  NodeList users;
  for (const Jid& d : devices) users.push_back(Node("user", {{"jid", d}, {"reason", "identity"}}));
  Node reply = c.roundtrip(Node("iq", {{"id", c.iq_id()}, {"xmlns", "encrypt"}, {"type", "get"}, {"to", kServer}},
                                NodeList{Node("key", {}, std::move(users))}));
  REQUIRE(reply.attr("type") == "result");
  const Node* list = reply.child("list");
  REQUIRE(list);
  std::map<std::string, std::optional<Bundle>> out;
  for (const Node* u : list->children_by_tag("user")) out[u->jid_attr("jid")->str()] = parse_bundle(*u);
  return out;
}

// ---- the sender's Signal side, on libsignal directly ----

class Sender {
 public:
  explicit Sender(const CompanionKeys& k) : store_(k.identity, k.registration_id) {}

  void process_bundle(const Jid& device, const Bundle& b) {
    sim::signal::Address addr(device.signal_address_name(), device.device);
    auto identity = sim::signal::decode_public(b.identity);
    auto spk = sim::signal::decode_public(b.signed_key);
    sim::signal::Ref<ec_public_key> pk;
    if (b.pre_key) pk = sim::signal::decode_public(b.pre_key->second);
    sim::signal::Ref<session_pre_key_bundle> bundle;
    sim::signal::check(
        session_pre_key_bundle_create(bundle.out(), b.registration_id, device.device,
                                      b.pre_key ? b.pre_key->first : 0, pk.get(), b.signed_id,
                                      spk.get(), b.signature.data(), b.signature.size(), identity.get()),
        "session_pre_key_bundle_create");
    session_builder* builder = nullptr;
    sim::signal::check(session_builder_create(&builder, store_.context(), addr.get(),
                                              util::libsignal::context()),
                       "session_builder_create");
    const int rc = session_builder_process_pre_key_bundle(builder, bundle.get());
    session_builder_free(builder);
    sim::signal::check(rc, "session_builder_process_pre_key_bundle");
  }

  // → ("pkmsg"|"msg", serialized ciphertext)
  std::pair<std::string, util::Bytes> encrypt(const Jid& device, const util::Bytes& padded) {
    sim::signal::Address addr(device.signal_address_name(), device.device);
    session_cipher* cipher = nullptr;
    sim::signal::check(session_cipher_create(&cipher, store_.context(), addr.get(),
                                             util::libsignal::context()),
                       "session_cipher_create");
    sim::signal::Ref<ciphertext_message> msg;
    const int rc = session_cipher_encrypt(cipher, padded.data(), padded.size(), msg.out());
    session_cipher_free(cipher);
    sim::signal::check(rc, "session_cipher_encrypt");
    signal_buffer* data = ciphertext_message_get_serialized(msg.get());
    const uint8_t* p = signal_buffer_data(data);
    return {ciphertext_message_get_type(msg.get()) == CIPHERTEXT_PREKEY_TYPE ? "pkmsg" : "msg",
            util::Bytes(p, p + signal_buffer_len(data))};
  }

  bool has_session(const Jid& device) const {
    return store_.has_session(device.signal_address_name(), device.device);
  }

  // §10 inbound DM: <message from=DEVICE><enc v="2" type="msg">…</enc></message> → plaintext text.
  std::string decrypt_text(const Node& message) {
    const Jid from = *message.jid_attr("from");
    const Node* enc = message.child("enc");
    REQUIRE(enc);
    REQUIRE(enc->attr("type") == "msg");
    const util::Bytes data = enc->bytes();
    sim::signal::Address addr(from.signal_address_name(), from.device);
    sim::signal::Ref<signal_message> msg;
    sim::signal::check(signal_message_deserialize(msg.out(), data.data(), data.size(),
                                                  util::libsignal::context()),
                       "signal_message_deserialize");
    session_cipher* cipher = nullptr;
    sim::signal::check(session_cipher_create(&cipher, store_.context(), addr.get(),
                                             util::libsignal::context()),
                       "session_cipher_create");
    sim::signal::Buffer plain;
    const int rc = session_cipher_decrypt_signal_message(cipher, msg.get(), nullptr, plain.out());
    session_cipher_free(cipher);
    sim::signal::check(rc, "session_cipher_decrypt_signal_message");
    auto unpadded = sim::unpad(plain.bytes());
    REQUIRE(unpadded);
    wa::proto::Message m;
    REQUIRE(m.ParseFromArray(unpadded->data(), static_cast<int>(unpadded->size())));
    return m.conversation();
  }

 private:
  sim::signal::MemoryStore store_;
};

// whatsmeow's padMessage: n = rand & 0x0F, 0 → 15; n bytes of value n.
util::Bytes pad(const std::string& s) {
  util::Bytes b = util::to_bytes(s);
  uint8_t n = util::crypto::random_bytes(1)[0] & 0x0F;
  if (n == 0) n = 15;
  b.insert(b.end(), n, n);
  return b;
}

// whatsmeow's GenerateMessageID shape: 3EB0 + 18 upper-case hex.
std::string message_id() {
  std::string hex = util::hex_encode(util::crypto::random_bytes(9));
  std::transform(hex.begin(), hex.end(), hex.begin(), ::toupper);
  return "3EB0" + hex;
}

struct SendSpec {
  bool device_identity = true;   // attach <device-identity> when a pkmsg is present
  std::optional<util::Bytes> identity_bytes;  // replaces the account in <device-identity>
  bool plain_to_own = false;     // own devices get the plain Message instead of the DSM
  std::set<std::string> skip;    // <to jid> to leave out
};

struct Sent {
  std::string id;
  std::map<std::string, std::string> types;  // device → pkmsg/msg
};

// One full whatsmeow-style 1:1 send (send.go SendMessage → sendDM): LID lookup, devices of the
// recipient and of the own account (minus this device), bundles for devices without a session,
// per-device encryption (DSM for own devices), the stanza. Does not read the ack.
Sent send_text(Companion& c, Sender& sender, const std::string& text, const SendSpec& spec = {}) {
  const Jid pn = Jid::user_jid(kContactPhone);
  Node info = c.roundtrip(usync_iq(c.iq_id(), "full", "background",
                                   NodeList{Node("business", {}, NodeList{Node("verified_name")}),
                                            Node("status"), Node("picture"),
                                            Node("devices", {{"version", "2"}}), Node("lid")},
                                   NodeList{user_jid(pn)}));
  const Node* u = user_in(usync_list(info), pn);
  REQUIRE(u);
  REQUIRE(u->child("lid"));
  const Jid lid = *u->child("lid")->jid_attr("val");
  // whatsmeow HEAD: 1:1 goes to the LID, own devices are queried under the own LID.
  const Jid to = lid;
  const Jid own = Jid::user_jid(c.lid.user, wa::kLidServer);

  Node devices = c.roundtrip(usync_iq(c.iq_id(), "query", "message",
                                      NodeList{Node("devices", {{"version", "2"}})},
                                      NodeList{user_jid(to), user_jid(own)}));
  std::vector<Jid> all = parse_device_list(to, user_in(usync_list(devices), to)->child("devices"));
  for (const Jid& d : parse_device_list(own, user_in(usync_list(devices), own)->child("devices")))
    if (d.device != c.device) all.push_back(d);

  std::vector<Jid> need;
  for (const Jid& d : all)
    if (!sender.has_session(d)) need.push_back(d);
  if (!need.empty())
    for (const auto& [jid, bundle] : fetch_bundles(c, need))
      if (bundle) sender.process_bundle(*Jid::parse(jid), *bundle);

  wa::proto::Message msg;
  msg.set_conversation(text);
  wa::proto::Message dsm;
  dsm.mutable_devicesentmessage()->set_destinationjid(to.str());
  *dsm.mutable_devicesentmessage()->mutable_message() = msg;

  Sent sent;
  sent.id = message_id();
  NodeList participants;
  bool any_pkmsg = false;
  for (const Jid& d : all) {
    if (spec.skip.count(d.str())) continue;
    const bool own_device = d.user == c.lid.user && !spec.plain_to_own;
    auto [type, data] = sender.encrypt(d, pad(serialize(own_device ? dsm : msg)));
    any_pkmsg |= type == "pkmsg";
    sent.types[d.str()] = type;
    participants.push_back(Node("to", {{"jid", d}},
                                NodeList{Node("enc", {{"v", "2"}, {"type", type}}, std::move(data))}));
  }
  NodeList content{Node("participants", {}, std::move(participants))};
  if (any_pkmsg && spec.device_identity)
    content.push_back(Node("device-identity", {}, spec.identity_bytes.value_or(c.account)));
  c.conn->send_node(Node("message",
                         {{"id", sent.id}, {"type", "text"}, {"to", to}, {"peer_recipient_pn", pn}},
                         std::move(content)));
  return sent;
}

std::optional<Node> next_ack(Companion& c, std::chrono::milliseconds timeout = 5s) {
  for (int i = 0; i < 10; ++i) {
    auto n = c.conn->next_node(timeout);
    if (!n) return std::nullopt;
    if (n->tag == "ack") return n;
  }
  return std::nullopt;
}

std::vector<sim::ReceivedMessage> entries_for(const sim::Simulator& s, const std::string& id) {
  std::vector<sim::ReceivedMessage> out;
  for (const auto& m : s.received_messages())
    if (m.id == id) out.push_back(m);
  return out;
}

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
  auto inbound = a->conn->next_node(5s);
  REQUIRE(inbound);
  CHECK(inbound->tag == "message");
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

TEST_CASE("simulator send: a contact device without a session cannot reply", "[sim]") {
  sim::Simulator s;
  s.start();
  auto a = pair_and_login(s, 0);
  auto why = s.send_from_contact(std::string(kContactLid) + ":7@lid", "hello");
  REQUIRE(why);
  CHECK(why->find("no session") != std::string::npos);
  CHECK(s.send_from_contact(s.lid_user() + "@lid", "own phone"));  // not a contact device
  httplib::Client c(s.control_url());
  auto res = c.Post("/contact-message", json{{"from", std::string(kContactLid) + "@lid"}, {"text", "x"}}.dump(),
                    "application/json");
  REQUIRE(res);
  CHECK(res->status == 409);
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
