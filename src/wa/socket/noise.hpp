// Noise_XX_25519_AESGCM_SHA256 symmetric state and transport ciphers (PROTOCOL.md §2).
// NoiseHandshake is the symmetric state both roles share: MixHash, MixKey, EncryptAndHash,
// DecryptAndHash and Split, with WhatsApp's rules: the 32-byte protocol name is the initial h
// (not hashed), ck = h, one counter n reset only by MixKey, IV = 8 zero bytes || u32be(n),
// AAD = h during the handshake.
// NoiseTransport holds the split keys with independent counters and empty AAD.
// Not thread-safe; one per connection.
#pragma once
#include <optional>
#include "util/bytes.hpp"
#include "wa/socket/gcm_cipher.hpp"

namespace wa::socket {

using util::Bytes;

inline constexpr char kNoiseProtocolName[] = "Noise_XX_25519_AESGCM_SHA256\0\0\0\0";  // 32 bytes

class NoiseHandshake {
 public:
  NoiseHandshake();  // h = ck = protocol name
  void mix_hash(const Bytes& data);
  void mix_key(const Bytes& ikm);
  Bytes encrypt(const Bytes& plaintext);                  // then MixHash(ciphertext)
  std::optional<Bytes> decrypt(const Bytes& ciphertext);  // nullopt on GCM failure
  // HKDF(salt = ck, ikm = empty) -> (first 32, second 32). The initiator writes with the first.
  std::pair<Bytes, Bytes> split() const;
  const Bytes& hash() const { return h_; }

 private:
  Bytes h_, ck_, k_;
  uint32_t n_ = 0;
};

class NoiseTransport {
 public:
  NoiseTransport(Bytes write_key, Bytes read_key);
  Bytes encrypt(const Bytes& plaintext);
  // The read counter advances even when decryption fails (whatsmeow), so one corrupted frame
  // does not desynchronise every later one.
  std::optional<Bytes> decrypt(const Bytes& ciphertext);
  uint32_t write_counter() const { return write_n_; }
  uint32_t read_counter() const { return read_n_; }

 private:
  // One keyed AES-GCM context per direction for the connection's lifetime.
  GcmCipher writer_, reader_;
  uint32_t write_n_ = 0, read_n_ = 0;
};

Bytes noise_iv(uint32_t counter);  // 00 x8 || u32be(counter)

}  // namespace wa::socket
