// util/crypto against published known answers (FIPS 180, RFC 1321, RFC 4231, RFC 5869,
// the GCM specification's AES-256 test cases) and PROTOCOL.md §4's buildHash.
#include <catch2/catch.hpp>

#include "util/crypto.hpp"

using util::Bytes;
namespace crypto = util::crypto;

static Bytes H(const char* hex) { return util::hex_decode(hex).value(); }

TEST_CASE("SHA-256, SHA-512 and MD5 known values", "[crypto]") {
  CHECK(util::hex_encode(crypto::sha256(util::to_bytes("abc"))) ==
        "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  CHECK(util::hex_encode(crypto::sha256({})) ==
        "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  CHECK(util::hex_encode(crypto::sha512(util::to_bytes("abc"))) ==
        "ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d39a"
        "2192992a274fc1a836ba3c23a3feebbd454d4423643ce80e2a9ac94fa54ca49f");
  CHECK(util::hex_encode(crypto::md5({})) == "d41d8cd98f00b204e9800998ecf8427e");
  CHECK(util::hex_encode(crypto::md5(util::to_bytes("abc"))) == "900150983cd24fb0d6963f7d28e17f72");
}

TEST_CASE("buildHash is md5 of the version string (PROTOCOL.md §4)", "[crypto]") {
  CHECK(util::hex_encode(crypto::md5(util::to_bytes("2.3000.1045649367"))) ==
        "9fa53af9421567b114e33c9bb1ef7db2");
}

TEST_CASE("HMAC-SHA256 RFC 4231 test case 2", "[crypto]") {
  CHECK(util::hex_encode(crypto::hmac_sha256(util::to_bytes("Jefe"),
                                             util::to_bytes("what do ya want for nothing?"))) ==
        "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
}

TEST_CASE("HKDF-SHA256 RFC 5869 test cases 1 and 3", "[crypto]") {
  // Test case 1.
  CHECK(util::hex_encode(crypto::hkdf_sha256(Bytes(22, 0x0b), H("000102030405060708090a0b0c"),
                                             H("f0f1f2f3f4f5f6f7f8f9"), 42)) ==
        "3cb25f25faacd57a90434f64d0362f2a2d2d0a90cf1a5a4c5db02d56ecc4c5bf34007208d5b887185865");
  // Test case 3: empty salt and info (the salt defaults to HashLen zero bytes).
  CHECK(util::hex_encode(crypto::hkdf_sha256(Bytes(22, 0x0b), {}, {}, 42)) ==
        "8da4e775a563c18f715f802a063c5a31b8a11f5c5ee1879ec3454e5f3c738d2d9d201395faa4b61a96c8");
}

TEST_CASE("AES-256-GCM: GCM spec test cases 14 and 16", "[crypto]") {
  // Test case 14: zero key, zero IV, one zero block, no AAD.
  const Bytes ct14 = crypto::aes_gcm_encrypt(Bytes(32, 0), Bytes(12, 0), {}, Bytes(16, 0));
  CHECK(util::hex_encode(ct14) == "cea7403d4d606b6e074ec5d3baf39d18d0d1c8a799996bf0265b98b5d48ab919");

  // Test case 16: with AAD and a 60-byte plaintext.
  const Bytes key = H("feffe9928665731c6d6a8f9467308308feffe9928665731c6d6a8f9467308308");
  const Bytes iv = H("cafebabefacedbaddecaf888");
  const Bytes aad = H("feedfacedeadbeeffeedfacedeadbeefabaddad2");
  const Bytes pt = H(
      "d9313225f88406e5a55909c5aff5269a86a7a9531534f7da2e4c303d8a318a72"
      "1c3c0c95956809532fcf0e2449a6b525b16aedf5aa0de657ba637b39");
  const Bytes expect = H(
      "522dc1f099567d07f47f37a32a84427d643a8cdcbfe5c0c97598a2bd2555d1aa"
      "8cb08e48590dbb3da7b08b1056828838c5f61e6393ba7a0abcc9f662"
      "76fc6ece0f4e1768cddf8853bb2d551b");
  CHECK(crypto::aes_gcm_encrypt(key, iv, aad, pt) == expect);
  CHECK(crypto::aes_gcm_decrypt(key, iv, aad, expect) == pt);
}

TEST_CASE("AES-256-GCM authentication failures are values", "[crypto]") {
  const Bytes key(32, 7), iv(12, 1), aad{1, 2, 3};
  Bytes ct = crypto::aes_gcm_encrypt(key, iv, aad, util::to_bytes("hello"));
  REQUIRE(ct.size() == 5 + 16);
  CHECK(crypto::aes_gcm_decrypt(key, iv, aad, ct) == util::to_bytes("hello"));
  CHECK_FALSE(crypto::aes_gcm_decrypt(key, iv, {}, ct).has_value());          // wrong AAD
  CHECK_FALSE(crypto::aes_gcm_decrypt(key, Bytes(12, 2), aad, ct).has_value());  // wrong IV
  CHECK_FALSE(crypto::aes_gcm_decrypt(Bytes(32, 8), iv, aad, ct).has_value());   // wrong key
  Bytes flipped = ct;
  flipped[0] ^= 1;
  CHECK_FALSE(crypto::aes_gcm_decrypt(key, iv, aad, flipped).has_value());
  flipped = ct;
  flipped.back() ^= 0x80;
  CHECK_FALSE(crypto::aes_gcm_decrypt(key, iv, aad, flipped).has_value());
  CHECK_FALSE(crypto::aes_gcm_decrypt(key, iv, aad, Bytes(15, 0)).has_value());  // shorter than a tag
  CHECK(crypto::aes_gcm_decrypt(key, iv, aad, crypto::aes_gcm_encrypt(key, iv, aad, {})) == Bytes{});
  CHECK_THROWS_AS(crypto::aes_gcm_encrypt(Bytes(16, 0), iv, aad, ct), std::invalid_argument);
}

TEST_CASE("constant_time_equal and random bytes", "[crypto]") {
  CHECK(crypto::constant_time_equal(Bytes{1, 2, 3}, Bytes{1, 2, 3}));
  CHECK_FALSE(crypto::constant_time_equal(Bytes{1, 2, 3}, Bytes{1, 2, 4}));
  CHECK_FALSE(crypto::constant_time_equal(Bytes{1, 2, 3}, Bytes{1, 2}));
  CHECK(crypto::constant_time_equal(Bytes{}, Bytes{}));
  CHECK(crypto::constant_time_equal(std::string_view("abc"), std::string_view("abc")));
  CHECK(crypto::random_bytes(33).size() == 33);
  CHECK(crypto::random_bytes(32) != crypto::random_bytes(32));
}
