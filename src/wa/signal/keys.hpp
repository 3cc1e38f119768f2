// Conversions between our raw 32-byte Curve25519 keys and libsignal's key objects.
// libsignal's serialized public key is 0x05 || key (DJB_TYPE), decoded with curve_decode_point;
// a private key is the raw 32-byte scalar, decoded with curve_decode_private_point (§9 "X3DH
// with libsignal-protocol-c").
#pragma once
#include <signal/curve.h>

#include <optional>

#include "util/bytes.hpp"
#include "util/curve25519.hpp"
#include "wa/signal/libsignal_ptr.hpp"

namespace wa::signal::keys {

constexpr uint8_t kDjbType = 0x05;

util::Bytes serialized_public(const util::curve::Key32& pub);  // 0x05 || pub

// Throw SignalError(invalid_key) when libsignal refuses the key.
lib::Ref<ec_public_key> public_key(const util::curve::Key32& pub);
lib::Ref<ec_private_key> private_key(const util::curve::Key32& priv);
lib::Ref<ec_key_pair> key_pair(const util::curve::KeyPair& pair);

// The raw 32 bytes of a libsignal public key (drops the 0x05 type byte).
util::curve::Key32 raw_public(const ec_public_key* key);

// Raw key from the bytes libsignal passes to the identity store (0x05 || key); nullopt unless
// exactly that form.
std::optional<util::curve::Key32> raw_from_serialized(const uint8_t* data, size_t len);

}  // namespace wa::signal::keys
