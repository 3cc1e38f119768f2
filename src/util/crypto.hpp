// Symmetric primitives the protocol needs, on OpenSSL's EVP interface.
// Contract: pure functions, thread-safe. Failures of OpenSSL itself throw std::runtime_error;
// authentication failures are values (std::nullopt), never exceptions.
#pragma once
#include "util/bytes.hpp"

namespace util::crypto {

Bytes random_bytes(size_t n);                 // CSPRNG (RAND_bytes)
uint32_t random_u32();

Bytes sha256(const Bytes& data);
Bytes sha512(const Bytes& data);
Bytes md5(const Bytes& data);
Bytes hmac_sha256(const Bytes& key, const Bytes& data);
// RFC 5869. An empty salt means HashLen zero bytes, as the RFC says.
Bytes hkdf_sha256(const Bytes& ikm, const Bytes& salt, const Bytes& info, size_t length);

// AES-256-GCM with a 16-byte tag appended to the ciphertext.
Bytes aes_gcm_encrypt(const Bytes& key, const Bytes& iv, const Bytes& aad, const Bytes& plaintext);
std::optional<Bytes> aes_gcm_decrypt(const Bytes& key, const Bytes& iv, const Bytes& aad,
                                     const Bytes& ciphertext_and_tag);

// Constant-time comparison (CRYPTO_memcmp); false when lengths differ.
bool constant_time_equal(const uint8_t* a, size_t alen, const uint8_t* b, size_t blen);
inline bool constant_time_equal(const Bytes& a, const Bytes& b) {
  return constant_time_equal(a.data(), a.size(), b.data(), b.size());
}
inline bool constant_time_equal(std::string_view a, std::string_view b) {
  return constant_time_equal(reinterpret_cast<const uint8_t*>(a.data()), a.size(),
                             reinterpret_cast<const uint8_t*>(b.data()), b.size());
}

}  // namespace util::crypto
