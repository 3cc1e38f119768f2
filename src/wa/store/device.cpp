// Fresh companion credentials (PROTOCOL.md §6 "Credentials generated before the first
// connection").
#include <algorithm>

#include "util/crypto.hpp"
#include "wa/store/device_store.hpp"

namespace wa::store {

Device Device::generate() {
  Device d;
  d.noise_key = util::curve::KeyPair::generate();
  d.identity_key = util::curve::KeyPair::generate();
  // 14-bit registration id as libsignal / Baileys make it; fits the 4-byte field both send.
  do {
    d.registration_id = util::crypto::random_u32() & 0x3FFF;
  } while (d.registration_id == 0);
  // Signed prekey id 1 (both reference clients). Signature = libsignal's signed-prekey
  // signature: Curve25519 signature by identity.priv over the serialized public key 05||pub
  // (PROTOCOL.md §8 "Prekey upload stanza").
  d.signed_pre_key.id = 1;
  d.signed_pre_key.key = util::curve::KeyPair::generate();
  util::Bytes serialized(1 + d.signed_pre_key.key.pub.size());
  serialized[0] = 0x05;
  std::copy(d.signed_pre_key.key.pub.begin(), d.signed_pre_key.key.pub.end(), serialized.begin() + 1);
  d.signed_pre_key.signature = util::curve::sign(d.identity_key.priv, serialized);
  d.adv_secret = util::crypto::random_bytes(32);
  return d;
}

}  // namespace wa::store
