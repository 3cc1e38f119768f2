// Symmetric primitives on OpenSSL's EVP interface (util/crypto.hpp).
#include "util/crypto.hpp"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>

#include <memory>
#include <stdexcept>

namespace util::crypto {

namespace {

struct CipherCtxFree {
  void operator()(EVP_CIPHER_CTX* c) const { EVP_CIPHER_CTX_free(c); }
};
using CipherCtx = std::unique_ptr<EVP_CIPHER_CTX, CipherCtxFree>;

[[noreturn]] void fail(const char* what) { throw std::runtime_error(std::string("openssl: ") + what); }

Bytes digest(const EVP_MD* md, const Bytes& data) {
  Bytes out(EVP_MD_size(md));
  unsigned int len = 0;
  if (EVP_Digest(data.data(), data.size(), out.data(), &len, md, nullptr) != 1) fail("EVP_Digest");
  out.resize(len);
  return out;
}

constexpr size_t kGcmTagLen = 16;

void check_gcm_args(const Bytes& key, const Bytes& iv) {
  if (key.size() != 32) throw std::invalid_argument("aes-256-gcm: key must be 32 bytes");
  if (iv.empty()) throw std::invalid_argument("aes-256-gcm: empty iv");
}

CipherCtx gcm_context(const Bytes& key, const Bytes& iv, bool encrypt) {
  CipherCtx ctx(EVP_CIPHER_CTX_new());
  if (!ctx) fail("EVP_CIPHER_CTX_new");
  if (EVP_CipherInit_ex(ctx.get(), EVP_aes_256_gcm(), nullptr, nullptr, nullptr, encrypt ? 1 : 0) != 1)
    fail("EVP_CipherInit_ex");
  if (EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_SET_IVLEN, static_cast<int>(iv.size()), nullptr) != 1)
    fail("EVP_CTRL_GCM_SET_IVLEN");
  if (EVP_CipherInit_ex(ctx.get(), nullptr, nullptr, key.data(), iv.data(), encrypt ? 1 : 0) != 1)
    fail("EVP_CipherInit_ex key");
  return ctx;
}

}  // namespace

Bytes random_bytes(size_t n) {
  Bytes out(n);
  if (n > 0 && RAND_bytes(out.data(), static_cast<int>(n)) != 1) fail("RAND_bytes");
  return out;
}

uint32_t random_u32() {
  Bytes b = random_bytes(4);
  return (uint32_t(b[0]) << 24) | (uint32_t(b[1]) << 16) | (uint32_t(b[2]) << 8) | b[3];
}

Bytes sha256(const Bytes& data) { return digest(EVP_sha256(), data); }
Bytes sha512(const Bytes& data) { return digest(EVP_sha512(), data); }
Bytes md5(const Bytes& data) { return digest(EVP_md5(), data); }

Bytes hmac_sha256(const Bytes& key, const Bytes& data) {
  Bytes out(32);
  unsigned int len = 0;
  // A zero-length key is legal for HMAC; OpenSSL wants a non-null pointer for it.
  static const uint8_t kEmpty = 0;
  const uint8_t* k = key.empty() ? &kEmpty : key.data();
  if (!HMAC(EVP_sha256(), k, static_cast<int>(key.size()), data.data(), data.size(), out.data(), &len))
    fail("HMAC");
  out.resize(len);
  return out;
}

Bytes hkdf_sha256(const Bytes& ikm, const Bytes& salt, const Bytes& info, size_t length) {
  constexpr size_t kHashLen = 32;
  if (length > 255 * kHashLen) throw std::invalid_argument("hkdf: length > 255*HashLen");
  // Extract (RFC 5869 §2.2): PRK = HMAC(salt, IKM); an absent salt is HashLen zero bytes.
  const Bytes prk = hmac_sha256(salt.empty() ? Bytes(kHashLen, 0) : salt, ikm);
  // Expand (§2.3): T(i) = HMAC(PRK, T(i-1) || info || i).
  Bytes okm;
  okm.reserve(length + kHashLen);
  Bytes t;
  for (uint8_t i = 1; okm.size() < length; ++i) {
    Bytes block = t;
    block.insert(block.end(), info.begin(), info.end());
    block.push_back(i);
    t = hmac_sha256(prk, block);
    okm.insert(okm.end(), t.begin(), t.end());
  }
  okm.resize(length);
  return okm;
}

Bytes aes_gcm_encrypt(const Bytes& key, const Bytes& iv, const Bytes& aad, const Bytes& plaintext) {
  check_gcm_args(key, iv);
  CipherCtx ctx = gcm_context(key, iv, true);
  int len = 0;
  if (!aad.empty() &&
      EVP_EncryptUpdate(ctx.get(), nullptr, &len, aad.data(), static_cast<int>(aad.size())) != 1)
    fail("EVP_EncryptUpdate aad");
  Bytes out(plaintext.size() + kGcmTagLen);
  int written = 0;
  if (!plaintext.empty()) {
    if (EVP_EncryptUpdate(ctx.get(), out.data(), &len, plaintext.data(),
                          static_cast<int>(plaintext.size())) != 1)
      fail("EVP_EncryptUpdate");
    written = len;
  }
  if (EVP_EncryptFinal_ex(ctx.get(), out.data() + written, &len) != 1) fail("EVP_EncryptFinal_ex");
  written += len;
  if (EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_GET_TAG, kGcmTagLen, out.data() + written) != 1)
    fail("EVP_CTRL_GCM_GET_TAG");
  out.resize(written + kGcmTagLen);
  return out;
}

std::optional<Bytes> aes_gcm_decrypt(const Bytes& key, const Bytes& iv, const Bytes& aad,
                                     const Bytes& ciphertext_and_tag) {
  check_gcm_args(key, iv);
  if (ciphertext_and_tag.size() < kGcmTagLen) return std::nullopt;
  const size_t ct_len = ciphertext_and_tag.size() - kGcmTagLen;
  CipherCtx ctx = gcm_context(key, iv, false);
  int len = 0;
  if (!aad.empty() &&
      EVP_DecryptUpdate(ctx.get(), nullptr, &len, aad.data(), static_cast<int>(aad.size())) != 1)
    fail("EVP_DecryptUpdate aad");
  Bytes out(ct_len + kGcmTagLen);  // headroom: OpenSSL never writes more than ct_len here
  int written = 0;
  if (ct_len > 0) {
    if (EVP_DecryptUpdate(ctx.get(), out.data(), &len, ciphertext_and_tag.data(),
                          static_cast<int>(ct_len)) != 1)
      fail("EVP_DecryptUpdate");
    written = len;
  }
  Bytes tag(ciphertext_and_tag.end() - kGcmTagLen, ciphertext_and_tag.end());
  if (EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_SET_TAG, kGcmTagLen, tag.data()) != 1)
    fail("EVP_CTRL_GCM_SET_TAG");
  // Final fails exactly when the tag does not authenticate: a value, not an exception.
  if (EVP_DecryptFinal_ex(ctx.get(), out.data() + written, &len) != 1) return std::nullopt;
  written += len;
  out.resize(written);
  return out;
}

bool constant_time_equal(const uint8_t* a, size_t alen, const uint8_t* b, size_t blen) {
  if (alen != blen) return false;
  if (alen == 0) return true;
  return CRYPTO_memcmp(a, b, alen) == 0;
}

}  // namespace util::crypto
