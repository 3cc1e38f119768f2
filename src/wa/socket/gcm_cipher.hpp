// AES-256-GCM for one direction of a Noise transport (PROTOCOL.md §2): every frame of a
// connection uses the same key with a fresh 12-byte IV and empty AAD, so the OpenSSL context
// is created and keyed once and each frame only sets its IV (no context setup per
// frame on the idle path). Not thread-safe; move-only.
#pragma once
#include <cstdint>
#include <memory>
#include <optional>
#include "util/bytes.hpp"

struct evp_cipher_ctx_st;  // OpenSSL's EVP_CIPHER_CTX

namespace wa::socket {

using util::Bytes;

class GcmCipher {
 public:
  static constexpr size_t kIvSize = 12;
  static constexpr size_t kTagSize = 16;

  GcmCipher(const Bytes& key, bool encrypt);  // key: 32 bytes
  GcmCipher(GcmCipher&&) noexcept;
  GcmCipher& operator=(GcmCipher&&) noexcept;
  ~GcmCipher();

  // Encrypting cipher only: ciphertext || tag.
  Bytes seal(const uint8_t (&iv)[kIvSize], const Bytes& plaintext);
  // Decrypting cipher only: the plaintext, or nullopt when the tag does not authenticate (or
  // the input is shorter than a tag).
  std::optional<Bytes> open(const uint8_t (&iv)[kIvSize], const Bytes& ciphertext_and_tag);

 private:
  struct CtxFree {
    void operator()(evp_cipher_ctx_st* c) const;
  };
  std::unique_ptr<evp_cipher_ctx_st, CtxFree> ctx_;
  bool encrypt_;
};

}  // namespace wa::socket
