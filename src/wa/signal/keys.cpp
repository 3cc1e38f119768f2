#include "wa/signal/keys.hpp"

#include <signal/signal_protocol.h>

#include <algorithm>

#include "util/signal_crypto_provider.hpp"
#include "wa/signal/signal_protocol.hpp"

namespace wa::signal::keys {

util::Bytes serialized_public(const util::curve::Key32& pub) {
  util::Bytes out{kDjbType};
  out.insert(out.end(), pub.begin(), pub.end());
  return out;
}

lib::Ref<ec_public_key> public_key(const util::curve::Key32& pub) {
  const util::Bytes serialized = serialized_public(pub);
  ec_public_key* key = nullptr;
  int rc = curve_decode_point(&key, serialized.data(), serialized.size(),
                              util::libsignal::context());
  lib::Ref<ec_public_key> owned(key);
  if (rc < 0 || !owned) {
    throw SignalError(SignalError::Kind::invalid_key,
                      "libsignal rejected a public key (" + std::to_string(rc) + ")");
  }
  return owned;
}

lib::Ref<ec_private_key> private_key(const util::curve::Key32& priv) {
  ec_private_key* key = nullptr;
  int rc = curve_decode_private_point(&key, priv.data(), priv.size(), util::libsignal::context());
  lib::Ref<ec_private_key> owned(key);
  if (rc < 0 || !owned) {
    throw SignalError(SignalError::Kind::invalid_key,
                      "libsignal rejected a private key (" + std::to_string(rc) + ")");
  }
  return owned;
}

lib::Ref<ec_key_pair> key_pair(const util::curve::KeyPair& pair) {
  auto pub = public_key(pair.pub);
  auto priv = private_key(pair.priv);
  ec_key_pair* kp = nullptr;
  // ec_key_pair_create takes its own references; ours are released on return.
  int rc = ec_key_pair_create(&kp, pub.get(), priv.get());
  lib::Ref<ec_key_pair> owned(kp);
  if (rc < 0 || !owned) {
    throw SignalError(SignalError::Kind::internal,
                      "libsignal could not build a key pair (" + std::to_string(rc) + ")");
  }
  return owned;
}

util::curve::Key32 raw_public(const ec_public_key* key) {
  signal_buffer* raw = nullptr;
  int rc = ec_public_key_serialize(&raw, key);
  lib::Buffer owned(raw);
  if (rc < 0 || !owned) {
    throw SignalError(SignalError::Kind::internal,
                      "libsignal could not serialize a public key (" + std::to_string(rc) + ")");
  }
  auto parsed = raw_from_serialized(signal_buffer_const_data(owned.get()),
                                    signal_buffer_len(owned.get()));
  if (!parsed) throw SignalError(SignalError::Kind::invalid_key, "public key is not 0x05 || 32 bytes");
  return *parsed;
}

std::optional<util::curve::Key32> raw_from_serialized(const uint8_t* data, size_t len) {
  if (!data || len != 33 || data[0] != kDjbType) return std::nullopt;
  util::curve::Key32 out{};
  std::copy(data + 1, data + 33, out.begin());
  return out;
}

}  // namespace wa::signal::keys
