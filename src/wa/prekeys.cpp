// Prekey stanzas (PROTOCOL.md §8 "Prekey upload stanza", §9 "Prekey bundles"; whatsmeow
// prekeys.go: getServerPreKeyCount, uploadPreKeys, preKeyToNode, fetchPreKeys,
// nodeToPreKeyBundle, nodeToPreKey).
#include "wa/prekeys.hpp"

#include <charconv>
#include <stdexcept>

namespace wa {
namespace {

// libsignal's DJB key type byte (ecc.DjbType): the <type> of an upload and of a bundle.
constexpr uint8_t kDjbKeyType = 0x05;
// Prekey ids travel as 3 big-endian bytes (§8).
constexpr uint32_t kMaxPreKeyId = 0xFFFFFF;

Bytes be_bytes(uint32_t v, size_t n) {
  Bytes out(n);
  for (size_t i = 0; i < n; ++i) out[n - 1 - i] = uint8_t(v >> (8 * i));
  return out;
}

uint32_t be_value(const Bytes& b) {
  uint32_t v = 0;
  for (uint8_t c : b) v = (v << 8) | c;
  return v;
}

Node encrypt_iq(const char* type, NodeList children) {
  return Node("iq", {{"xmlns", "encrypt"}, {"type", type}, {"to", Jid::server_jid()}},
              std::move(children));
}

// <key|skey><id>3B</id><value>32B</value>[<signature>64B</signature>]</key|skey>
// (whatsmeow preKeyToNode: the tag is "skey" exactly when a signature is present.)
Node key_node(uint32_t id, const util::curve::Key32& pub, const Bytes* signature) {
  if (id > kMaxPreKeyId) throw std::invalid_argument("prekey id does not fit in 3 bytes");
  NodeList children{Node("id", {}, be_bytes(id, 3)),
                    Node("value", {}, Bytes(pub.begin(), pub.end()))};
  if (!signature) return Node("key", {}, std::move(children));
  if (signature->size() != 64) throw std::invalid_argument("signed prekey signature is not 64 bytes");
  children.emplace_back("signature", std::vector<std::pair<std::string, AttrValue>>{}, *signature);
  return Node("skey", {}, std::move(children));
}

// The raw bytes of `parent`'s first <tag> child when they are exactly `size` bytes. Like
// whatsmeow, only binary content counts: a token or packed string is not key material.
const Bytes* child_bytes(const Node& parent, const char* tag, size_t size) {
  const Node* c = parent.child(tag);
  if (!c) return nullptr;
  const Bytes* b = std::get_if<Bytes>(&c->content);
  return (b && b->size() == size) ? b : nullptr;
}

// whatsmeow nodeToPreKey: <id> 3 bytes, <value> 32 bytes, and for <skey> <signature> 64 bytes.
std::optional<std::string> read_key(const Node& key, uint32_t& id, util::curve::Key32& pub,
                                    Bytes* signature) {
  const Bytes* idb = child_bytes(key, "id", 3);
  if (!idb) return "<" + key.tag + "> lacks a 3-byte <id>";
  const Bytes* value = child_bytes(key, "value", 32);
  if (!value) return "<" + key.tag + "> lacks a 32-byte <value>";
  id = be_value(*idb);
  std::copy(value->begin(), value->end(), pub.begin());
  if (signature) {
    const Bytes* sig = child_bytes(key, "signature", 64);
    if (!sig) return "<" + key.tag + "> lacks a 64-byte <signature>";
    *signature = *sig;
  }
  return std::nullopt;
}

// The bundles are keyed by JID text, so a JID whose text does not name it again (a user part
// holding '.', ':' or '@', an unknown server) could collide with a real device's key.
bool text_round_trips(const Jid& j) {
  const auto back = Jid::parse(j.str());
  return back && *back == j;
}

std::variant<signal::PreKeyBundle, std::string> read_bundle(const Node& user, uint32_t device_id) {
  if (const Node* err = user.child("error")) {
    return "server has no bundle: error " + err->attr("code") + " " + err->attr("text");
  }
  signal::PreKeyBundle bundle;
  bundle.device_id = device_id;
  // <registration> always sits on <user>; identity, type and keys may be wrapped in <keys>
  // (whatsmeow nodeToPreKeyBundle).
  const Bytes* reg = child_bytes(user, "registration", 4);
  if (!reg) return std::string("registration id missing or not 4 bytes");
  bundle.registration_id = be_value(*reg);

  const Node* keys = user.child("keys");
  if (!keys) keys = &user;

  // whatsmeow ignores <type>; Baileys requires 05. A present <type> must say 05 (a key of
  // another type cannot be used as a Curve25519 key); an absent one is tolerated like whatsmeow.
  if (const Node* type = keys->child("type")) {
    const Bytes* t = std::get_if<Bytes>(&type->content);
    if (!t || t->size() != 1 || (*t)[0] != kDjbKeyType) return std::string("key type is not 05");
  }

  const Bytes* identity = child_bytes(*keys, "identity", 32);
  if (!identity) return std::string("identity key missing or not 32 bytes");
  std::copy(identity->begin(), identity->end(), bundle.identity_key.begin());

  if (const Node* key = keys->child("key")) {  // the one-time prekey is optional
    uint32_t id = 0;
    util::curve::Key32 pub{};
    if (auto e = read_key(*key, id, pub, nullptr)) return "invalid one-time prekey: " + *e;
    bundle.pre_key = std::make_pair(id, pub);
  }

  const Node* skey = keys->child("skey");
  if (!skey) return std::string("signed prekey <skey> missing");
  if (auto e = read_key(*skey, bundle.signed_pre_key_id, bundle.signed_pre_key,
                        &bundle.signed_pre_key_signature))
    return "invalid signed prekey: " + *e;
  return bundle;
}

}  // namespace

std::variant<signal::PreKeyBundle, std::string> parse_prekey_bundle(const Node& holder,
                                                                    uint32_t device_id) {
  return read_bundle(holder, device_id);
}

Node make_prekey_node(const store::Store::PreKey& key) { return key_node(key.id, key.key.pub, nullptr); }

Node make_signed_prekey_node(const store::SignedPreKey& key) {
  return key_node(key.id, key.key.pub, &key.signature);
}

Node make_key_type_node() { return Node("type", {}, Bytes{kDjbKeyType}); }

Node make_prekey_count_iq() { return encrypt_iq("get", NodeList{Node("count")}); }

std::optional<uint32_t> parse_prekey_count(const Node& result) {
  const Node* count = result.child("count");
  if (!count) return std::nullopt;
  const std::string v = count->attr("value");
  uint32_t n = 0;
  const char* end = v.data() + v.size();
  auto [ptr, ec] = std::from_chars(v.data(), end, n);
  if (v.empty() || ec != std::errc() || ptr != end) return std::nullopt;
  return n;
}

Node make_prekey_upload_iq(const store::Device& device, const std::vector<store::Store::PreKey>& keys) {
  NodeList list;
  list.reserve(keys.size());
  for (const auto& k : keys) list.push_back(make_prekey_node(k));
  const auto& ik = device.identity_key.pub;
  return encrypt_iq(
      "set", NodeList{
                 Node("registration", {}, be_bytes(device.registration_id, 4)),
                 make_key_type_node(),
                 Node("identity", {}, Bytes(ik.begin(), ik.end())),
                 Node("list", {}, std::move(list)),
                 make_signed_prekey_node(device.signed_pre_key),
             });
}

Node make_prekey_fetch_iq(const std::vector<Jid>& devices) {
  NodeList users;
  users.reserve(devices.size());
  // The jid stays a typed Jid so that device JIDs are written as AD_JID (§5).
  for (const Jid& d : devices) users.emplace_back("user", std::vector<std::pair<std::string, AttrValue>>{
                                                              {"jid", d}, {"reason", "identity"}});
  return encrypt_iq("get", NodeList{Node("key", {}, std::move(users))});
}

std::map<std::string, std::variant<signal::PreKeyBundle, std::string>> parse_prekey_bundles(
    const Node& result) {
  std::map<std::string, std::variant<signal::PreKeyBundle, std::string>> out;
  const Node* list = result.child("list");
  if (!list) return out;  // devices absent from the map have no bundle
  for (const Node* user : list->children_by_tag("user")) {
    std::optional<Jid> jid = user->jid_attr("jid");
    if (!jid || jid->user.empty() || !text_round_trips(*jid)) continue;  // no device to attribute to
    // The Signal device id is the JID's device (whatsmeow: uint32(jid.Device)).
    out.emplace(jid->str(), read_bundle(*user, jid->device));
  }
  return out;
}

}  // namespace wa
