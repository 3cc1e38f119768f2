#include "wa/socket/gcm_cipher.hpp"

#include <openssl/evp.h>

#include <algorithm>
#include <stdexcept>
#include <string>

namespace wa::socket {
namespace {

[[noreturn]] void fail(const char* what) { throw std::runtime_error(std::string("openssl: ") + what); }

}  // namespace

void GcmCipher::CtxFree::operator()(evp_cipher_ctx_st* c) const { EVP_CIPHER_CTX_free(c); }

GcmCipher::GcmCipher(const Bytes& key, bool encrypt) : ctx_(EVP_CIPHER_CTX_new()), encrypt_(encrypt) {
  if (key.size() != 32) throw std::invalid_argument("aes-256-gcm: key must be 32 bytes");
  if (!ctx_) fail("EVP_CIPHER_CTX_new");
  const int enc = encrypt ? 1 : 0;
  if (EVP_CipherInit_ex(ctx_.get(), EVP_aes_256_gcm(), nullptr, nullptr, nullptr, enc) != 1)
    fail("EVP_CipherInit_ex");
  if (EVP_CIPHER_CTX_ctrl(ctx_.get(), EVP_CTRL_GCM_SET_IVLEN, static_cast<int>(kIvSize), nullptr) != 1)
    fail("EVP_CTRL_GCM_SET_IVLEN");
  // The key schedule happens here, once; seal/open pass only an IV (key NULL keeps it).
  if (EVP_CipherInit_ex(ctx_.get(), nullptr, nullptr, key.data(), nullptr, enc) != 1)
    fail("EVP_CipherInit_ex key");
}

GcmCipher::GcmCipher(GcmCipher&&) noexcept = default;
GcmCipher& GcmCipher::operator=(GcmCipher&&) noexcept = default;
GcmCipher::~GcmCipher() = default;

Bytes GcmCipher::seal(const uint8_t (&iv)[kIvSize], const Bytes& plaintext) {
  if (!encrypt_) throw std::logic_error("GcmCipher::seal on a decrypting cipher");
  // A new IV restarts GCM (counter, GHASH, tag) with the key already in the context.
  if (EVP_EncryptInit_ex(ctx_.get(), nullptr, nullptr, nullptr, iv) != 1) fail("EVP_EncryptInit_ex iv");
  Bytes out(plaintext.size() + kTagSize);
  int len = 0, written = 0;
  if (!plaintext.empty()) {
    if (EVP_EncryptUpdate(ctx_.get(), out.data(), &len, plaintext.data(),
                          static_cast<int>(plaintext.size())) != 1)
      fail("EVP_EncryptUpdate");
    written = len;
  }
  if (EVP_EncryptFinal_ex(ctx_.get(), out.data() + written, &len) != 1) fail("EVP_EncryptFinal_ex");
  written += len;
  if (EVP_CIPHER_CTX_ctrl(ctx_.get(), EVP_CTRL_GCM_GET_TAG, static_cast<int>(kTagSize),
                          out.data() + written) != 1)
    fail("EVP_CTRL_GCM_GET_TAG");
  out.resize(static_cast<size_t>(written) + kTagSize);
  return out;
}

std::optional<Bytes> GcmCipher::open(const uint8_t (&iv)[kIvSize], const Bytes& in) {
  if (encrypt_) throw std::logic_error("GcmCipher::open on an encrypting cipher");
  if (in.size() < kTagSize) return std::nullopt;
  const size_t ct_len = in.size() - kTagSize;
  // Also clears whatever a previous frame that failed authentication left in the context.
  if (EVP_DecryptInit_ex(ctx_.get(), nullptr, nullptr, nullptr, iv) != 1) fail("EVP_DecryptInit_ex iv");
  Bytes out(ct_len + kTagSize);  // headroom: OpenSSL never writes more than ct_len here
  int len = 0, written = 0;
  if (ct_len > 0) {
    if (EVP_DecryptUpdate(ctx_.get(), out.data(), &len, in.data(), static_cast<int>(ct_len)) != 1)
      fail("EVP_DecryptUpdate");
    written = len;
  }
  uint8_t tag[kTagSize];
  std::copy(in.end() - kTagSize, in.end(), tag);
  if (EVP_CIPHER_CTX_ctrl(ctx_.get(), EVP_CTRL_GCM_SET_TAG, static_cast<int>(kTagSize), tag) != 1)
    fail("EVP_CTRL_GCM_SET_TAG");
  // Final fails exactly when the tag does not authenticate: a value, not an exception.
  if (EVP_DecryptFinal_ex(ctx_.get(), out.data() + written, &len) != 1) return std::nullopt;
  written += len;
  out.resize(static_cast<size_t>(written));
  return out;
}

}  // namespace wa::socket
