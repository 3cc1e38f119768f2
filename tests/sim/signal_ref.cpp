#include "signal_ref.hpp"

#include <algorithm>

#include "util/signal_crypto_provider.hpp"

namespace sim::signal {

Ref<ec_public_key> decode_public(const util::curve::Key32& pub) {
  uint8_t serialized[33];
  serialized[0] = 0x05;  // DJB key type
  std::copy(pub.begin(), pub.end(), serialized + 1);
  Ref<ec_public_key> out;
  check(curve_decode_point(out.out(), serialized, sizeof serialized, util::libsignal::context()),
        "curve_decode_point");
  return out;
}

Ref<ec_private_key> decode_private(const util::curve::Key32& priv) {
  Ref<ec_private_key> out;
  check(curve_decode_private_point(out.out(), priv.data(), priv.size(), util::libsignal::context()),
        "curve_decode_private_point");
  return out;
}

Ref<ec_key_pair> key_pair(const util::curve::KeyPair& kp) {
  Ref<ec_public_key> pub = decode_public(kp.pub);
  Ref<ec_private_key> priv = decode_private(kp.priv);
  Ref<ec_key_pair> out;
  check(ec_key_pair_create(out.out(), pub.get(), priv.get()), "ec_key_pair_create");
  return out;
}

}  // namespace sim::signal
