#include "prekey_bundle.hpp"

namespace sim {
namespace {

wa::Node bytes_node(const char* tag, util::Bytes b) { return wa::Node(tag, {}, std::move(b)); }

util::Bytes key_bytes(const util::curve::Key32& k) { return util::Bytes(k.begin(), k.end()); }

}  // namespace

util::Bytes be_bytes(uint32_t v, int n) {
  util::Bytes out;
  for (int i = n - 1; i >= 0; --i) out.push_back(static_cast<uint8_t>(v >> (8 * i)));
  return out;
}

wa::Node bundle_node(const wa::Jid& device, const PreKeyBundle& b) {
  wa::NodeList kids{
      bytes_node("registration", be_bytes(b.registration_id, 4)),
      bytes_node("type", util::Bytes{0x05}),  // DJB key type (§8)
      bytes_node("identity", key_bytes(b.identity)),
      wa::Node("skey", {},
               wa::NodeList{bytes_node("id", be_bytes(b.signed_pre_key_id, 3)),
                            bytes_node("value", key_bytes(b.signed_pre_key)),
                            bytes_node("signature", b.signed_pre_key_signature)})};
  if (b.pre_key)
    kids.push_back(wa::Node("key", {},
                            wa::NodeList{bytes_node("id", be_bytes(b.pre_key->first, 3)),
                                         bytes_node("value", key_bytes(b.pre_key->second))}));
  return wa::Node("user", {{"jid", device}}, std::move(kids));
}

wa::Node bundle_error_node(const wa::Jid& device, int code, const std::string& text) {
  return wa::Node("user", {{"jid", device}},
                  wa::NodeList{wa::Node("error", {{"code", std::to_string(code)}, {"text", text}})});
}

}  // namespace sim
