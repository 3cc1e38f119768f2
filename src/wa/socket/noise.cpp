// Noise_XX_25519_AESGCM_SHA256 symmetric state and transport ciphers with WhatsApp's rules
// (PROTOCOL.md §2; whatsmeow socket/noisehandshake.go, socket/noisesocket.go).
#include "wa/socket/noise.hpp"

#include <algorithm>
#include <stdexcept>

#include "util/crypto.hpp"

namespace wa::socket {

namespace crypto = util::crypto;

Bytes noise_iv(uint32_t counter) {
  Bytes iv(12, 0);  // 8 zero bytes || u32be(counter)
  iv[8] = static_cast<uint8_t>(counter >> 24);
  iv[9] = static_cast<uint8_t>(counter >> 16);
  iv[10] = static_cast<uint8_t>(counter >> 8);
  iv[11] = static_cast<uint8_t>(counter);
  return iv;
}

namespace {

// HKDF-SHA256(salt = ck, ikm, info = empty, 64 bytes) split into two 32-byte halves.
std::pair<Bytes, Bytes> extract_and_expand(const Bytes& salt, const Bytes& ikm) {
  const Bytes okm = crypto::hkdf_sha256(ikm, salt, {}, 64);
  return {Bytes(okm.begin(), okm.begin() + 32), Bytes(okm.begin() + 32, okm.end())};
}

}  // namespace

NoiseHandshake::NoiseHandshake()
    // The protocol name is exactly 32 bytes, so it is used as h without hashing; ck = h, and
    // both libraries also set the (never used before MixKey) cipher key to h.
    : h_(kNoiseProtocolName, kNoiseProtocolName + 32), ck_(h_), k_(h_) {}

void NoiseHandshake::mix_hash(const Bytes& data) { h_ = crypto::sha256(util::concat({&h_, &data})); }

void NoiseHandshake::mix_key(const Bytes& ikm) {
  auto [ck, k] = extract_and_expand(ck_, ikm);
  ck_ = std::move(ck);
  k_ = std::move(k);
  n_ = 0;  // the only place the handshake counter is reset
}

Bytes NoiseHandshake::encrypt(const Bytes& plaintext) {
  Bytes c = crypto::aes_gcm_encrypt(k_, noise_iv(n_++), h_, plaintext);
  mix_hash(c);
  return c;
}

std::optional<Bytes> NoiseHandshake::decrypt(const Bytes& ciphertext) {
  // whatsmeow post-increments the counter before opening, so it advances even on failure;
  // h absorbs the ciphertext only on success.
  auto p = crypto::aes_gcm_decrypt(k_, noise_iv(n_++), h_, ciphertext);
  if (p) mix_hash(ciphertext);
  return p;
}

std::pair<Bytes, Bytes> NoiseHandshake::split() const { return extract_and_expand(ck_, {}); }

namespace {

// The keys are checked before GcmCipher sees them, so the error names the Noise transport.
const Bytes& transport_key(const Bytes& key) {
  if (key.size() != 32) throw std::invalid_argument("noise transport keys must be 32 bytes");
  return key;
}

// noise_iv without the allocation: 8 zero bytes || u32be(counter).
void fill_iv(uint32_t counter, uint8_t (&iv)[GcmCipher::kIvSize]) {
  std::fill(iv, iv + 8, 0);
  iv[8] = static_cast<uint8_t>(counter >> 24);
  iv[9] = static_cast<uint8_t>(counter >> 16);
  iv[10] = static_cast<uint8_t>(counter >> 8);
  iv[11] = static_cast<uint8_t>(counter);
}

}  // namespace

NoiseTransport::NoiseTransport(Bytes write_key, Bytes read_key)
    : writer_(transport_key(write_key), true), reader_(transport_key(read_key), false) {}

Bytes NoiseTransport::encrypt(const Bytes& plaintext) {
  // A wrapped counter would reuse a GCM nonce under the same key: refuse instead.
  if (write_n_ == UINT32_MAX) throw std::runtime_error("noise write counter exhausted");
  uint8_t iv[GcmCipher::kIvSize];
  fill_iv(write_n_++, iv);
  return writer_.seal(iv, plaintext);  // AAD empty
}

std::optional<Bytes> NoiseTransport::decrypt(const Bytes& ciphertext) {
  // Advance first, as whatsmeow does, so one corrupted frame does not shift every later IV.
  uint8_t iv[GcmCipher::kIvSize];
  fill_iv(read_n_++, iv);
  return reader_.open(iv, ciphertext);
}

}  // namespace wa::socket
