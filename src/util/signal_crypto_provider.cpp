// OpenSSL-backed crypto provider for libsignal-protocol-c (see signal_crypto_provider.hpp).
#include "util/signal_crypto_provider.hpp"

#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <signal/signal_protocol.h>

#include <array>
#include <atomic>
#include <cstring>
#include <mutex>
#include <stdexcept>
#include <vector>

namespace util::libsignal {

namespace {

// libsignal locks the context around every cipher and builder operation, and requires the lock
// to be recursive. One lock for the whole process would serialise the Signal work of tenants on
// different network threads, so there are several contexts, each with its own lock.
void lock_cb(void* mutex) { static_cast<std::recursive_mutex*>(mutex)->lock(); }
void unlock_cb(void* mutex) { static_cast<std::recursive_mutex*>(mutex)->unlock(); }

int random_cb(uint8_t* data, size_t len, void*) {
  if (len == 0) return 0;
  return RAND_bytes(data, static_cast<int>(len)) == 1 ? 0 : SG_ERR_UNKNOWN;
}

// ---- HMAC-SHA256 (EVP_MAC, the non-deprecated OpenSSL 3 interface) ----

int hmac_init_cb(void** hmac_context, const uint8_t* key, size_t key_len, void*) {
  EVP_MAC* mac = EVP_MAC_fetch(nullptr, "HMAC", nullptr);
  if (!mac) return SG_ERR_UNKNOWN;
  EVP_MAC_CTX* ctx = EVP_MAC_CTX_new(mac);
  EVP_MAC_free(mac);  // the context holds its own reference
  if (!ctx) return SG_ERR_NOMEM;
  char digest[] = "SHA256";
  OSSL_PARAM params[] = {OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, digest, 0),
                         OSSL_PARAM_construct_end()};
  static const uint8_t kEmpty = 0;
  if (EVP_MAC_init(ctx, key_len ? key : &kEmpty, key_len, params) != 1) {
    EVP_MAC_CTX_free(ctx);
    return SG_ERR_UNKNOWN;
  }
  *hmac_context = ctx;
  return 0;
}

int hmac_update_cb(void* hmac_context, const uint8_t* data, size_t data_len, void*) {
  auto* ctx = static_cast<EVP_MAC_CTX*>(hmac_context);
  return EVP_MAC_update(ctx, data, data_len) == 1 ? 0 : SG_ERR_UNKNOWN;
}

int hmac_final_cb(void* hmac_context, signal_buffer** output, void*) {
  auto* ctx = static_cast<EVP_MAC_CTX*>(hmac_context);
  uint8_t md[EVP_MAX_MD_SIZE];
  size_t len = 0;
  if (EVP_MAC_final(ctx, md, &len, sizeof md) != 1) return SG_ERR_UNKNOWN;
  signal_buffer* buf = signal_buffer_create(md, len);
  if (!buf) return SG_ERR_NOMEM;
  *output = buf;
  return 0;
}

void hmac_cleanup_cb(void* hmac_context, void*) {
  EVP_MAC_CTX_free(static_cast<EVP_MAC_CTX*>(hmac_context));
}

// ---- SHA-512 ----

int sha512_init_cb(void** digest_context, void*) {
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  if (!ctx) return SG_ERR_NOMEM;
  if (EVP_DigestInit_ex(ctx, EVP_sha512(), nullptr) != 1) {
    EVP_MD_CTX_free(ctx);
    return SG_ERR_UNKNOWN;
  }
  *digest_context = ctx;
  return 0;
}

int sha512_update_cb(void* digest_context, const uint8_t* data, size_t data_len, void*) {
  auto* ctx = static_cast<EVP_MD_CTX*>(digest_context);
  return EVP_DigestUpdate(ctx, data, data_len) == 1 ? 0 : SG_ERR_UNKNOWN;
}

int sha512_final_cb(void* digest_context, signal_buffer** output, void*) {
  auto* ctx = static_cast<EVP_MD_CTX*>(digest_context);
  uint8_t md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  if (EVP_DigestFinal_ex(ctx, md, &len) != 1) return SG_ERR_UNKNOWN;
  // The provider contract: leave the context ready for reuse.
  if (EVP_DigestInit_ex(ctx, EVP_sha512(), nullptr) != 1) return SG_ERR_UNKNOWN;
  signal_buffer* buf = signal_buffer_create(md, len);
  if (!buf) return SG_ERR_NOMEM;
  *output = buf;
  return 0;
}

void sha512_cleanup_cb(void* digest_context, void*) {
  EVP_MD_CTX_free(static_cast<EVP_MD_CTX*>(digest_context));
}

// ---- AES ----

const EVP_CIPHER* aes_cipher(int cipher, size_t key_len) {
  if (cipher == SG_CIPHER_AES_CTR_NOPADDING) {
    switch (key_len) {
      case 16: return EVP_aes_128_ctr();
      case 24: return EVP_aes_192_ctr();
      case 32: return EVP_aes_256_ctr();
    }
  } else if (cipher == SG_CIPHER_AES_CBC_PKCS5) {
    switch (key_len) {
      case 16: return EVP_aes_128_cbc();
      case 24: return EVP_aes_192_cbc();
      case 32: return EVP_aes_256_cbc();
    }
  }
  return nullptr;
}

int aes_run(bool encrypt, signal_buffer** output, int cipher, const uint8_t* key, size_t key_len,
            const uint8_t* iv, size_t iv_len, const uint8_t* in, size_t in_len) {
  const EVP_CIPHER* evp = aes_cipher(cipher, key_len);
  if (!evp || iv_len != 16) return SG_ERR_INVAL;
  if (in_len > static_cast<size_t>(INT32_MAX) - 32) return SG_ERR_INVAL;
  EVP_CIPHER_CTX* ctx = EVP_CIPHER_CTX_new();
  if (!ctx) return SG_ERR_NOMEM;
  std::vector<uint8_t> out(in_len + EVP_MAX_BLOCK_LENGTH);
  int len = 0, total = 0;
  int rc = SG_ERR_UNKNOWN;
  if (EVP_CipherInit_ex(ctx, evp, nullptr, key, iv, encrypt ? 1 : 0) == 1 &&
      EVP_CipherUpdate(ctx, out.data(), &len, in, static_cast<int>(in_len)) == 1) {
    total = len;
    if (EVP_CipherFinal_ex(ctx, out.data() + total, &len) == 1) {
      total += len;
      rc = 0;
    }
  }
  EVP_CIPHER_CTX_free(ctx);
  if (rc != 0) return rc;
  signal_buffer* buf = signal_buffer_create(out.data(), static_cast<size_t>(total));
  if (!buf) return SG_ERR_NOMEM;
  *output = buf;
  return 0;
}

int encrypt_cb(signal_buffer** output, int cipher, const uint8_t* key, size_t key_len,
               const uint8_t* iv, size_t iv_len, const uint8_t* plaintext, size_t plaintext_len,
               void*) {
  return aes_run(true, output, cipher, key, key_len, iv, iv_len, plaintext, plaintext_len);
}

int decrypt_cb(signal_buffer** output, int cipher, const uint8_t* key, size_t key_len,
               const uint8_t* iv, size_t iv_len, const uint8_t* ciphertext, size_t ciphertext_len,
               void*) {
  return aes_run(false, output, cipher, key, key_len, iv, iv_len, ciphertext, ciphertext_len);
}

signal_context* create_context(std::recursive_mutex* mutex) {
  signal_context* ctx = nullptr;
  if (signal_context_create(&ctx, mutex) != 0 || !ctx)
    throw std::runtime_error("libsignal: signal_context_create failed");
  signal_crypto_provider provider;
  std::memset(&provider, 0, sizeof provider);
  provider.random_func = random_cb;
  provider.hmac_sha256_init_func = hmac_init_cb;
  provider.hmac_sha256_update_func = hmac_update_cb;
  provider.hmac_sha256_final_func = hmac_final_cb;
  provider.hmac_sha256_cleanup_func = hmac_cleanup_cb;
  provider.sha512_digest_init_func = sha512_init_cb;
  provider.sha512_digest_update_func = sha512_update_cb;
  provider.sha512_digest_final_func = sha512_final_cb;
  provider.sha512_digest_cleanup_func = sha512_cleanup_cb;
  provider.encrypt_func = encrypt_cb;
  provider.decrypt_func = decrypt_cb;
  provider.user_data = nullptr;
  if (signal_context_set_crypto_provider(ctx, &provider) != 0 ||
      signal_context_set_locking_functions(ctx, lock_cb, unlock_cb) != 0) {
    signal_context_destroy(ctx);
    throw std::runtime_error("libsignal: context setup failed");
  }
  return ctx;
}

// More than the threads that use libsignal at once (the network threads; others only set up a
// client's store adapter), so threads rarely share a lock.
constexpr size_t kContexts = 16;

}  // namespace

signal_context* context() {
  // Created once (thread-safe static init) and deliberately never destroyed: libsignal objects
  // may outlive any owner we could pick, up to process exit. A thread takes the next context
  // on its first call and keeps it; the contexts hold nothing mutable but their lock, so an
  // object made with one context may be used with another.
  static std::recursive_mutex mutexes[kContexts];
  static const std::array<signal_context*, kContexts> contexts = [] {
    std::array<signal_context*, kContexts> all{};
    for (size_t i = 0; i < kContexts; ++i) all[i] = create_context(&mutexes[i]);
    return all;
  }();
  static std::atomic<size_t> next{0};
  thread_local const size_t mine = next.fetch_add(1, std::memory_order_relaxed) % kContexts;
  return contexts[mine];
}

}  // namespace util::libsignal
