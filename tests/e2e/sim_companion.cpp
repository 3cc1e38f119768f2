#include "sim_companion.hpp"

#include <catch2/catch.hpp>

#include <signal/protocol.h>
#include <signal/session_builder.h>
#include <signal/session_cipher.h>
#include <signal/session_pre_key.h>

#include <algorithm>
#include <stdexcept>
#include "adv.pb.h"
#include "e2e_support.hpp"
#include "message_plaintext.hpp"
#include "signal_ref.hpp"
#include "util/bytes.hpp"
#include "util/crypto.hpp"
#include "util/signal_crypto_provider.hpp"

namespace e2e {

using wa::Jid;
using wa::Node;
using wa::NodeList;

namespace {
const Jid kServer = Jid::server_jid();
}  // namespace

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

std::string Companion::iq_id() { return "sim3." + std::to_string(++next_id); }

Node Companion::roundtrip(Node iq) {
  const std::string id = iq.attr("id");
  conn->send_node(iq);
  // Receipts and messages the simulator writes meanwhile are skipped, however many.
  const auto deadline = std::chrono::steady_clock::now() + 5s;
  while (std::chrono::steady_clock::now() < deadline) {
    auto n = conn->next_node(std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now()));
    if (!n) break;
    if (n->tag == "iq" && n->attr("id") == id) return *n;
  }
  throw std::runtime_error("no reply to iq " + id);
}

std::optional<Node> Companion::next(const std::string& tag, std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    auto n = conn->next_node(std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now()));
    if (!n) return std::nullopt;
    if (n->tag == tag) return n;
  }
  return std::nullopt;
}

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
  c->pn = *dev->jid_attr("jid");
  c->lid = *dev->jid_attr("lid");

  login(s, *c);
  if (upload > 0) {
    for (int i = 1; i <= upload; ++i)
      c->uploaded.emplace_back(static_cast<uint32_t>(i), util::curve::KeyPair::generate());
    REQUIRE(c->roundtrip(prekey_upload(c->keys, c->uploaded)).attr("type") == "result");
  }
  REQUIRE(c->roundtrip(client_iq(c->iq_id(), "passive", "set", "active")).attr("type") == "result");
  return c;
}

void login(sim::Simulator& s, Companion& c) {
  c.conn = std::make_unique<MiniClient>(s.ws_url());
  REQUIRE(c.conn->wait_open() == 101);
  c.conn->handshake(c.keys.noise, root_of(s), login_payload(std::stoull(s.phone_number()), c.device));
  auto success = c.conn->next_node();
  REQUIRE(success);
  REQUIRE(success->tag == "success");
}

void reconnect(sim::Simulator& s, Companion& c) {
  login(s, c);
  REQUIRE(c.roundtrip(client_iq(c.iq_id(), "passive", "set", "active")).attr("type") == "result");
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

namespace {

uint32_t be(const util::Bytes& b) {
  uint32_t v = 0;
  for (uint8_t c : b) v = (v << 8) | c;
  return v;
}

}  // namespace

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

namespace {

// The companion's signed prekey record, as its registration announced it (§6, §8).
void store_signed_pre_key(sim::signal::MemoryStore& store, const CompanionKeys& k) {
  store.put_signed_pre_key(k.signed_pre_key_id, k.signed_pre_key, k.signed_pre_key_signature());
}

}  // namespace

Sender::Sender(const CompanionKeys& k) : store_(k.identity, k.registration_id) {
  store_signed_pre_key(store_, k);
}

Sender::Sender(const Companion& c) : store_(c.keys.identity, c.keys.registration_id) {
  store_signed_pre_key(store_, c.keys);
  for (const auto& [id, kp] : c.uploaded) store_.put_pre_key(id, kp);
}

void Sender::process_bundle(const Jid& device, const Bundle& b) {
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

std::pair<std::string, util::Bytes> Sender::encrypt(const Jid& device, const util::Bytes& padded) {
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

bool Sender::has_session(const Jid& device) const {
  return store_.has_session(device.signal_address_name(), device.device);
}

Inbound Sender::decrypt(const Node& message, const std::optional<Jid>& as) {
  const auto from = message.jid_attr("from");
  REQUIRE(from);
  Jid sender = as.value_or(*from);
  if (!as && from->server == wa::kServerJid)
    if (auto alt = message.jid_attr("sender_lid"))
      sender = Jid{alt->user, 0, from->device, 0, wa::kLidServer};
  const Node* enc = message.child("enc");
  REQUIRE(enc);
  Inbound in;
  in.enc_type = enc->attr("type");
  const util::Bytes data = enc->bytes();
  sim::signal::Address addr(sender.signal_address_name(), sender.device);
  session_cipher* cipher = nullptr;
  sim::signal::check(session_cipher_create(&cipher, store_.context(), addr.get(),
                                           util::libsignal::context()),
                     "session_cipher_create");
  sim::signal::Buffer plain;
  int rc = 0;
  if (in.enc_type == "pkmsg") {
    sim::signal::Ref<pre_key_signal_message> msg;
    rc = pre_key_signal_message_deserialize(msg.out(), data.data(), data.size(),
                                            util::libsignal::context());
    if (rc >= 0) rc = session_cipher_decrypt_pre_key_signal_message(cipher, msg.get(), nullptr, plain.out());
  } else {
    REQUIRE(in.enc_type == "msg");
    sim::signal::Ref<signal_message> msg;
    rc = signal_message_deserialize(msg.out(), data.data(), data.size(), util::libsignal::context());
    if (rc >= 0) rc = session_cipher_decrypt_signal_message(cipher, msg.get(), nullptr, plain.out());
  }
  session_cipher_free(cipher);
  sim::signal::check(rc, "decrypt");
  auto unpadded = sim::unpad(plain.bytes());
  REQUIRE(unpadded);
  in.plaintext = *unpadded;
  REQUIRE(in.message.ParseFromArray(unpadded->data(), static_cast<int>(unpadded->size())));
  return in;
}

std::string Sender::decrypt_text(const Node& message) {
  Inbound in = decrypt(message);
  CHECK(in.enc_type == "msg");
  return in.message.conversation();
}

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

// One full whatsmeow-style 1:1 send (send.go SendMessage → sendDM): LID lookup, devices of the
// recipient and of the own account (minus this device), bundles for devices without a session,
// per-device encryption (DSM for own devices), the stanza. Does not read the ack.
Sent send_text(Companion& c, Sender& sender, const std::string& text, const SendSpec& spec) {
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
  // whatsmeow HEAD: 1:1 goes to the LID, own devices are queried under the own LID; Baileys
  // keeps the PN it was given, own devices under the own PN.
  const Jid to = spec.to_pn ? pn : lid;
  const Jid own = spec.to_pn ? c.pn.to_non_ad() : c.lid.to_non_ad();

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
    const bool own_device = d.user == own.user && !spec.plain_to_own;
    auto [type, data] = sender.encrypt(d, pad(serialize(own_device ? dsm : msg)));
    any_pkmsg |= type == "pkmsg";
    sent.types[d.str()] = type;
    participants.push_back(Node("to", {{"jid", d}},
                                NodeList{Node("enc", {{"v", "2"}, {"type", type}}, std::move(data))}));
  }
  NodeList content{Node("participants", {}, std::move(participants))};
  if (any_pkmsg && spec.device_identity)
    content.push_back(Node("device-identity", {}, spec.identity_bytes.value_or(c.account)));
  Node message("message", {{"id", sent.id}, {"type", "text"}, {"to", to}}, std::move(content));
  if (!spec.to_pn) message.set_attr("peer_recipient_pn", pn);
  c.conn->send_node(message);
  return sent;
}

std::optional<Node> next_ack(Companion& c, std::chrono::milliseconds timeout) {
  return c.next("ack", timeout);
}

std::vector<sim::ReceivedMessage> entries_for(const sim::Simulator& s, const std::string& id) {
  std::vector<sim::ReceivedMessage> out;
  for (const auto& m : s.received_messages())
    if (m.id == id) out.push_back(m);
  return out;
}

}  // namespace e2e
