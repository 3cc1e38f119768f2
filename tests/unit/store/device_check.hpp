// Independent consistency checks of stored credentials, using only util::curve.
#pragma once
#include "util/curve25519.hpp"
#include "wa/store/device_store.hpp"

namespace store_test {

inline util::Bytes serialized_pub(const util::curve::Key32& pub) {
  util::Bytes b{0x05};
  b.insert(b.end(), pub.begin(), pub.end());
  return b;
}

inline bool pair_matches(const util::curve::KeyPair& kp) {
  return util::curve::KeyPair::from_private(kp.priv).pub == kp.pub;
}

// Every key pair's halves belong together and the signed prekey signature verifies with the
// stored identity key over 05||pub (PROTOCOL.md §8).
inline bool self_consistent(const wa::store::Device& d) {
  return pair_matches(d.noise_key) && pair_matches(d.identity_key) &&
         pair_matches(d.signed_pre_key.key) && d.adv_secret.size() == 32 &&
         util::curve::verify(d.identity_key.pub, serialized_pub(d.signed_pre_key.key.pub),
                             d.signed_pre_key.signature);
}

inline bool same_device(const wa::store::Device& a, const wa::store::Device& b) {
  return a.noise_key.priv == b.noise_key.priv && a.noise_key.pub == b.noise_key.pub &&
         a.identity_key.priv == b.identity_key.priv && a.identity_key.pub == b.identity_key.pub &&
         a.registration_id == b.registration_id && a.signed_pre_key.id == b.signed_pre_key.id &&
         a.signed_pre_key.key.priv == b.signed_pre_key.key.priv &&
         a.signed_pre_key.key.pub == b.signed_pre_key.key.pub &&
         a.signed_pre_key.signature == b.signed_pre_key.signature && a.adv_secret == b.adv_secret &&
         a.jid == b.jid && a.lid == b.lid && a.account == b.account && a.platform == b.platform &&
         a.business_name == b.business_name && a.push_name == b.push_name;
}

}  // namespace store_test
