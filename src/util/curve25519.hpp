// Curve25519 keys as WhatsApp uses them: X25519 agreement, and Signal's "Curve25519 signatures"
// (XEdDSA family, libsignal's curve_calculate_signature / curve_verify_signature). The same
// scheme signs the Noise certificate chain, ADV device identities and signed prekeys
// (PROTOCOL.md §3). Keys are raw 32-byte values; libsignal's serialized public form is 0x05||key.
// Contract: thread-safe; verify() never throws and returns false on any malformed input.
#pragma once
#include <array>
#include "util/bytes.hpp"

namespace util::curve {

using Key32 = std::array<uint8_t, 32>;

struct KeyPair {
  Key32 priv{};  // clamped X25519 scalar
  Key32 pub{};
  static KeyPair generate();
  static KeyPair from_private(const Key32& priv);  // clamps, derives pub
  Bytes pub_bytes() const { return Bytes(pub.begin(), pub.end()); }
  Bytes priv_bytes() const { return Bytes(priv.begin(), priv.end()); }
};

Key32 to_key32(const Bytes& b);  // throws std::invalid_argument unless exactly 32 bytes

// X25519(priv, pub) -> 32-byte shared secret. Throws on an all-zero result (small-order point).
Bytes agree(const Key32& priv, const Key32& pub);

// 64-byte signature over msg with the X25519 private key.
Bytes sign(const Key32& priv, const Bytes& msg);
bool verify(const Key32& pub, const Bytes& msg, const Bytes& sig);
bool verify(const Bytes& pub32, const Bytes& msg, const Bytes& sig);

}  // namespace util::curve
