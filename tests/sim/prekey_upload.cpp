#include "prekey_upload.hpp"

#include <set>

namespace sim {
namespace {

uint32_t be_uint(const util::Bytes& b) {
  uint32_t v = 0;
  for (uint8_t c : b) v = (v << 8) | c;
  return v;
}

// The bytes of the named child, or nullopt when absent or not exactly `size` bytes.
std::optional<util::Bytes> child_bytes(const wa::Node& parent, const char* tag, size_t size) {
  const wa::Node* c = parent.child(tag);
  if (!c) return std::nullopt;
  util::Bytes b = c->bytes();
  if (b.size() != size) return std::nullopt;
  return b;
}

}  // namespace

std::variant<PrekeyUpload, std::string> read_prekey_upload(
    const wa::Node& iq, const util::curve::Key32& expected_identity) {
  PrekeyUpload up;
  auto reg = child_bytes(iq, "registration", 4);
  if (!reg) return std::string("registration missing or not 4 bytes");
  up.registration_id = be_uint(*reg);
  auto type = child_bytes(iq, "type", 1);
  if (!type || (*type)[0] != 0x05) return std::string("type missing or not 05");
  auto identity = child_bytes(iq, "identity", 32);
  if (!identity) return std::string("identity missing or not 32 bytes");
  up.identity_pub = util::curve::to_key32(*identity);
  if (up.identity_pub != expected_identity)
    return std::string("identity differs from the key the device registered");

  const wa::Node* list = iq.child("list");
  if (!list) return std::string("list missing");
  std::set<uint32_t> seen;
  for (const wa::Node* key : list->children_by_tag("key")) {
    auto id = child_bytes(*key, "id", 3);
    auto value = child_bytes(*key, "value", 32);
    if (!id || !value) return std::string("a prekey lacks a 3-byte id or a 32-byte value");
    uint32_t n = be_uint(*id);
    if (!seen.insert(n).second) return std::string("prekey id repeated in one upload");
    up.key_ids.push_back(n);
    up.keys.emplace_back(n, util::curve::to_key32(*value));
  }
  if (up.key_ids.empty()) return std::string("list holds no prekey");

  const wa::Node* skey = iq.child("skey");
  if (!skey) return std::string("skey missing");
  auto sid = child_bytes(*skey, "id", 3);
  auto sval = child_bytes(*skey, "value", 32);
  auto ssig = child_bytes(*skey, "signature", 64);
  if (!sid || !sval || !ssig) return std::string("skey lacks id(3) / value(32) / signature(64)");
  up.signed_pre_key_id = be_uint(*sid);
  up.signed_pre_key_pub = util::curve::to_key32(*sval);
  up.signed_pre_key_signature = *ssig;
  // §8: signed prekey signature = Curve25519 signature by identity over 05 || pub.
  util::Bytes msg{0x05};
  msg.insert(msg.end(), sval->begin(), sval->end());
  if (!util::curve::verify(up.identity_pub, msg, *ssig))
    return std::string("skey signature does not verify with the identity key");
  return up;
}

}  // namespace sim
