#include "retry_flow.hpp"

#include "device_message.hpp"
#include "message_plaintext.hpp"
#include "prekey_bundle.hpp"

namespace sim {
namespace {

using wa::Jid;
using wa::Node;
using Attrs = std::vector<std::pair<std::string, wa::AttrValue>>;

// libsignal's DJB key type byte (§8).
constexpr uint8_t kDjbType = 0x05;

// The companion's Signal address as receivers key it: its LID (§10 step 2).
signal::Address companion_address(const PairedDevice& companion) {
  const auto lid = Jid::parse(companion.lid);
  return signal::Address(lid ? lid->signal_address_name() : companion.jid, companion.device);
}

Node key_node(const char* tag, uint32_t id, const util::curve::Key32& pub, const util::Bytes* signature) {
  wa::NodeList children{Node("id", Attrs{}, be_bytes(id, 3)),
                        Node("value", Attrs{}, util::Bytes(pub.begin(), pub.end()))};
  if (signature) children.emplace_back("signature", Attrs{}, *signature);
  return Node(tag, Attrs{}, std::move(children));
}

// <receipt from=DEVICE id type="retry" t [recipient]><retry count id t v="1"/>
// <registration>4B</registration>[<keys>…</keys>]</receipt> as a whatsmeow device sends it
// (relayed by the server). The simulated devices have no ADV identity of their own to put in
// <device-identity>; the companion, like whatsmeow, does not read it from a retry receipt.
Node device_retry_receipt(SimDevice& dev, const Jid& device, const std::string& id, int count,
                          int64_t now, const std::optional<Jid>& recipient) {
  const std::string t = std::to_string(now);
  Node r("receipt", Attrs{{"from", device}, {"id", id}, {"type", "retry"}, {"t", t}});
  if (recipient) r.set_attr("recipient", *recipient);
  wa::NodeList children{
      Node("retry", Attrs{{"count", std::to_string(count)}, {"id", id}, {"t", t}, {"v", "1"}}),
      Node("registration", Attrs{}, be_bytes(dev.registration_id(), 4))};
  if (count >= 2) {
    PreKeyBundle b = dev.fresh_bundle();
    children.emplace_back(
        "keys", Attrs{},
        wa::NodeList{Node("type", Attrs{}, util::Bytes{kDjbType}),
                     Node("identity", Attrs{}, util::Bytes(b.identity.begin(), b.identity.end())),
                     key_node("key", b.pre_key->first, b.pre_key->second, nullptr),
                     key_node("skey", b.signed_pre_key_id, b.signed_pre_key, &b.signed_pre_key_signature)});
  }
  r.content = std::move(children);
  return r;
}

// The device `jid` names, when the simulator plays it.
SimDevice* simulated_device(SimContext& ctx, const Jid& jid, std::optional<KnownUser>* user_out = nullptr) {
  auto user = ctx.directory.find(jid);
  if (user_out) *user_out = user;
  return user ? ctx.directory.simulated(*user, jid.device) : nullptr;
}

void ask_again(SimContext& ctx, const PairedDevice& sender, SimDevice& dev, const KnownUser& user,
               uint16_t device, const std::string& id, const std::optional<Jid>& chat, int64_t now,
               const SendToCompanion& send) {
  const Jid from{user.lid_user, 0, device, 0, wa::kLidServer};
  const int count = ctx.desk.next_device_retry(from.str(), id);
  if (count == 0) {
    ctx.state.add_history("retry-gave-up:" + id);
    return;
  }
  // A receipt from one of the account's own devices names the chat in `recipient`.
  send_receipt(ctx, sender.jid,
               device_retry_receipt(dev, from, id, count, now, user.own ? chat : std::nullopt), send);
  ctx.state.add_history("retry-requested:" + std::to_string(count));
}

const util::Bytes* bytes_of(const Node* n, size_t size) {
  if (!n) return nullptr;
  const auto* b = std::get_if<util::Bytes>(&n->content);
  return (b && b->size() == size) ? b : nullptr;
}

uint32_t be_value(const util::Bytes& b) {
  uint32_t v = 0;
  for (uint8_t c : b) v = (v << 8) | c;
  return v;
}

// The companion's <keys>: what a device needs to rebuild its session. "" or why not.
std::string read_keys(const Node& keys, const PairedDevice& companion, uint32_t registration_id,
                      PreKeyBundle& out) {
  const util::Bytes* type = bytes_of(keys.child("type"), 1);
  if (!type || (*type)[0] != kDjbType) return "<type> is not 05";
  const util::Bytes* identity = bytes_of(keys.child("identity"), 32);
  if (!identity) return "<identity> is not 32 bytes";
  if (*identity != companion.identity_pub) return "<identity> is not the companion's identity key";
  auto read = [](const Node* k, uint32_t& id, util::curve::Key32& pub) {
    const util::Bytes* idb = bytes_of(k ? k->child("id") : nullptr, 3);
    const util::Bytes* value = bytes_of(k ? k->child("value") : nullptr, 32);
    if (!idb || !value) return false;
    id = be_value(*idb);
    pub = util::curve::to_key32(*value);
    return true;
  };
  uint32_t key_id = 0;
  util::curve::Key32 key_pub{};
  if (!read(keys.child("key"), key_id, key_pub)) return "<key> lacks a 3-byte id or 32-byte value";
  out.pre_key = std::make_pair(key_id, key_pub);
  if (!read(keys.child("skey"), out.signed_pre_key_id, out.signed_pre_key))
    return "<skey> lacks a 3-byte id or 32-byte value";
  const util::Bytes* sig = bytes_of(keys.child("skey")->child("signature"), 64);
  if (!sig) return "<skey> lacks a 64-byte signature";
  out.signed_pre_key_signature = *sig;
  if (!keys.child("device-identity")) return "<device-identity> missing (whatsmeow sends it with keys)";
  out.identity = util::curve::to_key32(*identity);
  out.registration_id = registration_id;
  return "";
}

void corrupt(Node& message) {
  for (Node& child : std::get<wa::NodeList>(message.content)) {
    if (child.tag != "enc") continue;
    auto& data = std::get<util::Bytes>(child.content);
    if (!data.empty()) data.back() ^= 0x01;  // the MAC's last byte: decryption must fail
  }
}

}  // namespace

void request_retries(SimContext& ctx, const PairedDevice& sender, const std::string& message_id,
                     size_t first_entry, int64_t now, const SendToCompanion& send) {
  for (const ReceivedMessage& e : ctx.state.received_since(first_entry)) {
    if (e.id != message_id || e.decrypt_error.empty()) continue;
    const auto device = Jid::parse(e.device);
    if (!device) continue;
    std::optional<KnownUser> user;
    SimDevice* dev = simulated_device(ctx, *device, &user);
    if (!dev) continue;  // a companion: not simulated, it cannot ask
    ask_again(ctx, sender, *dev, *user, device->device, message_id, Jid::parse(e.to), now, send);
  }
}

void receive_resend(SimContext& ctx, const PairedDevice& sender, const Node& message, int64_t now,
                    const SendToCompanion& send) {
  const std::string id = message.attr("id");
  const auto to = message.jid_attr("to");
  Node ack("ack", Attrs{{"class", "message"}, {"id", id}, {"t", std::to_string(now)}});
  if (to) ack.set_attr("from", *to);
  auto problem = [&](const std::string& p) { ctx.state.add_anomaly("resend " + id + ": " + p); };

  ReceivedMessage r;
  r.id = id;
  r.to = to ? to->str() : "";
  r.device = r.to;
  r.sender = sender.jid;
  r.had_device_identity = message.child("device-identity") != nullptr;
  const Node* enc = message.child("enc");
  std::optional<KnownUser> user;
  SimDevice* dev = to ? simulated_device(ctx, *to, &user) : nullptr;
  if (message.attr("device_fanout") != "false") problem("a resend carries device_fanout=\"false\"");
  if (!enc) {
    problem("no <enc>");
    r.decrypt_error = "no <enc>";
  } else {
    r.enc_type = enc->attr("type");
    r.retry_count = std::atoi(enc->attr("count").c_str());
    if (r.retry_count < 1) problem("<enc> of a resend carries count >= 1");
    if (enc->attr("v") != "2") problem("<enc v> is not 2");
    if ((r.enc_type == "pkmsg") != r.had_device_identity)
      problem("<device-identity> present iff the enc is a pkmsg (§9)");
  }
  if (!dev) {
    if (enc) r.decrypt_error = "the resend names no simulated device";
  } else if (enc) {
    Decrypted d = dev->decrypt(companion_address(sender), r.enc_type, enc->bytes());
    if (!d.error.empty()) {
      r.decrypt_error = d.error;
    } else {
      MessagePlaintext plain = read_plaintext(d.padded);
      r.text = plain.text;
      r.dsm_destination = plain.dsm_destination;
      r.decrypt_error = plain.error;
    }
  }
  ctx.state.add_received({r});
  if (!r.decrypt_error.empty() && dev)
    ask_again(ctx, sender, *dev, *user, to->device, id, message.jid_attr("recipient"), now, send);
  send(ack);
  // The device's receipt follows the server's ack, as for a fanned-out message.
  relay_delivery_receipt(ctx, sender, r, now, send, message.jid_attr("recipient"));
}

void receive_companion_receipt(SimContext& ctx, const PairedDevice& companion, const Node& receipt,
                               int64_t now, const SendToCompanion& send) {
  ClientReceipt cr;
  cr.companion = companion.jid;
  cr.id = receipt.attr("id");
  cr.to = receipt.attr("to");
  cr.type = receipt.attr("type");
  PreKeyBundle bundle;
  if (cr.type == "retry") {
    if (const Node* retry = receipt.child("retry")) {
      cr.retry_count = std::atoi(retry->attr("count").c_str());
      cr.retry_id = retry->attr("id");
      cr.retry_t = retry->attr("t");
      cr.retry_v = retry->attr("v");
    }
    const util::Bytes* reg = bytes_of(receipt.child("registration"), 4);
    cr.registration_ok = reg && be_value(*reg) == companion.registration_id;
    if (const Node* keys = receipt.child("keys")) {
      cr.had_keys = true;
      cr.keys_error = read_keys(*keys, companion, reg ? be_value(*reg) : 0, bundle);
    }
  }
  ctx.desk.record(cr);
  if (cr.type != "retry") return;

  auto original = ctx.desk.find(cr.id);
  if (!original || original->companion_jid != companion.jid) {
    ctx.state.add_history("retry-for-unknown-message");
    return;
  }
  SimDevice* dev = simulated_device(ctx, original->spec.from_device);
  if (!dev) return;
  if (cr.had_keys && cr.keys_error.empty()) {
    try {
      dev->build_session(companion_address(companion), companion.device, bundle);
    } catch (const std::exception& e) {
      ctx.state.add_anomaly("retry keys of " + cr.id + " do not build a session: " + e.what());
      return;
    }
  }
  std::string why;
  auto resend = build_device_message(ctx, original->spec, companion, cr.id, 0, now, &why);
  if (!resend) {
    ctx.state.add_history("retry-not-answered: " + why);
    return;
  }
  for (Node& child : std::get<wa::NodeList>(resend->content))
    if (child.tag == "enc") child.set_attr("count", std::to_string(cr.retry_count));
  send(*resend);
  ctx.state.add_history("contact-message-resent");
}

std::optional<Node> build_device_message(SimContext& ctx, const DeviceMessageSpec& spec,
                                         const PairedDevice& companion, const std::string& id,
                                         int corrupt_times, int64_t now, std::string* why) {
  auto built = device_message(ctx.directory, ctx.state, spec, companion, id, now);
  if (auto* err = std::get_if<std::string>(&built)) {
    if (why) *why = *err;
    return std::nullopt;
  }
  Node node = std::get<Node>(std::move(built));
  if (!ctx.desk.find(id)) ctx.desk.remember(id, ContactSend{spec, companion.jid, corrupt_times});
  if (ctx.desk.next_transmission_corrupt(id)) corrupt(node);
  return node;
}

void deliver_offline(SimContext& ctx, const PairedDevice& companion, const SendToCompanion& send) {
  std::vector<Node> queued = ctx.desk.take_offline(companion.jid);
  const std::string n = std::to_string(queued.size());
  if (!queued.empty()) {
    // whatsmeow reads count/appdata/message/notification/receipt of the preview.
    send(Node("ib", Attrs{}, wa::NodeList{Node("offline_preview", Attrs{{"count", n},
                                                                         {"appdata", "0"},
                                                                         {"message", n},
                                                                         {"notification", "0"},
                                                                         {"receipt", "0"}})}));
    for (Node& m : queued) {
      m.set_attr("offline", "1");
      send(m);
    }
    ctx.state.add_history("offline-delivered:" + n);
  }
  // The end of the backlog, also when it was empty (§8 step 6).
  send(Node("ib", Attrs{}, wa::NodeList{Node("offline", Attrs{{"count", n}})}));
}

}  // namespace sim
