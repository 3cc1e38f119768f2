// The OpenSSL crypto provider behind libsignal-protocol-c, exercised through libsignal's own
// dispatch functions against NIST SP 800-38A / RFC 4231 / FIPS 180 known answers.
#include <catch2/catch.hpp>

#include <signal/signal_protocol.h>

#include <thread>
#include <vector>

#include "util/curve25519.hpp"
#include "util/signal_crypto_provider.hpp"

// libsignal-protocol-c exports these dispatchers but declares them in an uninstalled internal
// header (signal_protocol_internal.h); the prototypes are copied from there.
extern "C" {
int signal_hmac_sha256_init(signal_context* context, void** hmac_context, const uint8_t* key, size_t key_len);
int signal_hmac_sha256_update(signal_context* context, void* hmac_context, const uint8_t* data, size_t data_len);
int signal_hmac_sha256_final(signal_context* context, void* hmac_context, signal_buffer** output);
void signal_hmac_sha256_cleanup(signal_context* context, void* hmac_context);
int signal_sha512_digest_init(signal_context* context, void** digest_context);
int signal_sha512_digest_update(signal_context* context, void* digest_context, const uint8_t* data, size_t data_len);
int signal_sha512_digest_final(signal_context* context, void* digest_context, signal_buffer** output);
void signal_sha512_digest_cleanup(signal_context* context, void* digest_context);
int signal_encrypt(signal_context* context, signal_buffer** output, int cipher, const uint8_t* key,
                   size_t key_len, const uint8_t* iv, size_t iv_len, const uint8_t* plaintext,
                   size_t plaintext_len);
int signal_decrypt(signal_context* context, signal_buffer** output, int cipher, const uint8_t* key,
                   size_t key_len, const uint8_t* iv, size_t iv_len, const uint8_t* ciphertext,
                   size_t ciphertext_len);
}

using util::Bytes;

namespace {

Bytes H(const char* hex) { return util::hex_decode(hex).value(); }

Bytes take(signal_buffer* buf) {
  REQUIRE(buf != nullptr);
  Bytes out(signal_buffer_data(buf), signal_buffer_data(buf) + signal_buffer_len(buf));
  signal_buffer_free(buf);
  return out;
}

Bytes run_cipher(bool encrypt, int cipher, const Bytes& key, const Bytes& iv, const Bytes& in) {
  signal_buffer* out = nullptr;
  auto fn = encrypt ? signal_encrypt : signal_decrypt;
  REQUIRE(fn(util::libsignal::context(), &out, cipher, key.data(), key.size(), iv.data(), iv.size(),
             in.data(), in.size()) == 0);
  return take(out);
}

}  // namespace

TEST_CASE("the libsignal context is a process-wide singleton", "[signal]") {
  CHECK(util::libsignal::context() != nullptr);
  CHECK(util::libsignal::context() == util::libsignal::context());
}

TEST_CASE("provider HMAC-SHA256 matches RFC 4231 test case 2", "[signal]") {
  signal_context* ctx = util::libsignal::context();
  void* h = nullptr;
  const Bytes key = util::to_bytes("Jefe");
  REQUIRE(signal_hmac_sha256_init(ctx, &h, key.data(), key.size()) == 0);
  const std::string part1 = "what do ya ", part2 = "want for nothing?";
  REQUIRE(signal_hmac_sha256_update(ctx, h, reinterpret_cast<const uint8_t*>(part1.data()), part1.size()) == 0);
  REQUIRE(signal_hmac_sha256_update(ctx, h, reinterpret_cast<const uint8_t*>(part2.data()), part2.size()) == 0);
  signal_buffer* out = nullptr;
  REQUIRE(signal_hmac_sha256_final(ctx, h, &out) == 0);
  signal_hmac_sha256_cleanup(ctx, h);
  CHECK(util::hex_encode(take(out)) == "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
}

TEST_CASE("provider SHA-512 matches FIPS 180 and is reusable after final", "[signal]") {
  signal_context* ctx = util::libsignal::context();
  void* d = nullptr;
  REQUIRE(signal_sha512_digest_init(ctx, &d) == 0);
  const char* expect =
      "ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d39a"
      "2192992a274fc1a836ba3c23a3feebbd454d4423643ce80e2a9ac94fa54ca49f";
  for (int round = 0; round < 2; ++round) {
    REQUIRE(signal_sha512_digest_update(ctx, d, reinterpret_cast<const uint8_t*>("abc"), 3) == 0);
    signal_buffer* out = nullptr;
    REQUIRE(signal_sha512_digest_final(ctx, d, &out) == 0);
    CHECK(util::hex_encode(take(out)) == expect);
  }
  signal_sha512_digest_cleanup(ctx, d);
}

TEST_CASE("provider AES-CBC-PKCS5 matches SP 800-38A F.2.1 and pads", "[signal]") {
  const Bytes key = H("2b7e151628aed2a6abf7158809cf4f3c");
  const Bytes iv = H("000102030405060708090a0b0c0d0e0f");
  const Bytes pt = H("6bc1bee22e409f96e93d7e117393172a");
  const Bytes ct = run_cipher(true, SG_CIPHER_AES_CBC_PKCS5, key, iv, pt);
  REQUIRE(ct.size() == 32);  // a full padding block follows a block-aligned plaintext
  CHECK(util::hex_encode(Bytes(ct.begin(), ct.begin() + 16)) == "7649abac8119b246cee98e9b12e9197d");
  CHECK(run_cipher(false, SG_CIPHER_AES_CBC_PKCS5, key, iv, ct) == pt);

  signal_buffer* out = nullptr;
  Bytes bad = ct;
  bad.pop_back();  // not a multiple of the block size
  CHECK(signal_decrypt(util::libsignal::context(), &out, SG_CIPHER_AES_CBC_PKCS5, key.data(), key.size(),
                       iv.data(), iv.size(), bad.data(), bad.size()) < 0);
  CHECK(out == nullptr);
}

TEST_CASE("provider AES-256-CTR matches SP 800-38A F.5.5", "[signal]") {
  const Bytes key = H("603deb1015ca71be2b73aef0857d77811f352c073b6108d72d9810a30914dff4");
  const Bytes iv = H("f0f1f2f3f4f5f6f7f8f9fafbfcfdfeff");
  const Bytes pt = H("6bc1bee22e409f96e93d7e117393172a");
  const Bytes ct = run_cipher(true, SG_CIPHER_AES_CTR_NOPADDING, key, iv, pt);
  CHECK(util::hex_encode(ct) == "601ec313775789a5b7a7f504bbf3d228");
  CHECK(run_cipher(false, SG_CIPHER_AES_CTR_NOPADDING, key, iv, ct) == pt);
}

TEST_CASE("provider rejects unknown ciphers and bad key or IV sizes", "[signal]") {
  const Bytes key(32, 1), iv(16, 2), pt(5, 3);
  signal_context* ctx = util::libsignal::context();
  signal_buffer* out = nullptr;
  CHECK(signal_encrypt(ctx, &out, 99, key.data(), key.size(), iv.data(), iv.size(), pt.data(), pt.size()) < 0);
  CHECK(signal_encrypt(ctx, &out, SG_CIPHER_AES_CBC_PKCS5, key.data(), 20, iv.data(), iv.size(), pt.data(),
                       pt.size()) < 0);
  CHECK(signal_encrypt(ctx, &out, SG_CIPHER_AES_CTR_NOPADDING, key.data(), key.size(), iv.data(), 12,
                       pt.data(), pt.size()) < 0);
  CHECK(out == nullptr);
}

TEST_CASE("signatures through the shared context work from many threads", "[signal]") {
  std::vector<std::thread> threads;
  std::vector<int> ok(4, 0);
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([t, &ok] {
      for (int i = 0; i < 10; ++i) {
        const auto kp = util::curve::KeyPair::generate();
        const Bytes msg(static_cast<size_t>(i + 1), static_cast<uint8_t>(t));
        if (util::curve::verify(kp.pub, msg, util::curve::sign(kp.priv, msg))) ++ok[t];
      }
    });
  }
  for (auto& th : threads) th.join();
  CHECK(ok == std::vector<int>(4, 10));
}
