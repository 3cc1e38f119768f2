// GcmCipher (one keyed AES-256-GCM context per Noise direction, issue 4): known answers from the
// GCM specification (McGrew & Viega, test cases 13 and 14), and a long run of frames on one
// context against a fresh context per frame (util::crypto).
#include <catch2/catch.hpp>

#include "util/bytes.hpp"
#include "util/crypto.hpp"
#include "wa/socket/gcm_cipher.hpp"
#include "wa/socket/noise.hpp"

using util::Bytes;
using wa::socket::GcmCipher;

namespace {

Bytes hex(const char* h) { return *util::hex_decode(h); }

void iv_of(uint32_t n, uint8_t (&iv)[GcmCipher::kIvSize]) {
  const Bytes v = wa::socket::noise_iv(n);
  std::copy(v.begin(), v.end(), iv);
}

}  // namespace

TEST_CASE("GcmCipher: GCM spec test cases 13 and 14 (AES-256, zero key and IV)", "[gcm]") {
  const Bytes key(32, 0);
  const uint8_t iv[GcmCipher::kIvSize] = {};
  GcmCipher enc(key, true), dec(key, false);
  CHECK(enc.seal(iv, {}) == hex("530f8afbc74536b9a963b4f1c4cb738b"));
  const Bytes c14 = hex("cea7403d4d606b6e074ec5d3baf39d18d0d1c8a799996bf0265b98b5d48ab919");
  CHECK(enc.seal(iv, Bytes(16, 0)) == c14);
  CHECK(dec.open(iv, c14) == Bytes(16, 0));
  CHECK(dec.open(iv, hex("530f8afbc74536b9a963b4f1c4cb738b")) == Bytes{});
}

TEST_CASE("GcmCipher: one context for many frames equals a fresh context per frame", "[gcm]") {
  const Bytes key = util::crypto::random_bytes(32);
  GcmCipher enc(key, true), dec(key, false);
  for (uint32_t n = 0; n < 300; ++n) {
    const Bytes p = util::crypto::random_bytes(n * 7 % 1500);
    uint8_t iv[GcmCipher::kIvSize];
    iv_of(n, iv);
    const Bytes c = enc.seal(iv, p);
    REQUIRE(c == util::crypto::aes_gcm_encrypt(key, wa::socket::noise_iv(n), {}, p));
    if (n % 5 == 0) {  // a forged frame in between must not disturb the next one
      Bytes bad = c;
      bad.back() ^= 0x01;
      REQUIRE_FALSE(dec.open(iv, bad).has_value());
    }
    REQUIRE(dec.open(iv, c) == p);
  }
}

TEST_CASE("GcmCipher: wrong direction, short input and key size are refused", "[gcm]") {
  const Bytes key(32, 7);
  const uint8_t iv[GcmCipher::kIvSize] = {};
  GcmCipher enc(key, true), dec(key, false);
  CHECK_THROWS_AS(enc.open(iv, Bytes(20, 0)), std::logic_error);
  CHECK_THROWS_AS(dec.seal(iv, Bytes(3, 0)), std::logic_error);
  CHECK_FALSE(dec.open(iv, Bytes(15, 0)).has_value());
  CHECK_THROWS_AS(GcmCipher(Bytes(16, 0), true), std::invalid_argument);
}
