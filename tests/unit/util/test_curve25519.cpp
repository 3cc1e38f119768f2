// util/curve25519: X25519 against RFC 7748, and Signal's Curve25519 signatures (PROTOCOL.md §3).
#include <catch2/catch.hpp>

#include <openssl/evp.h>

#include <memory>

#include "util/crypto.hpp"
#include "util/curve25519.hpp"

using util::Bytes;
namespace curve = util::curve;

static curve::Key32 K(const char* hex) { return curve::to_key32(util::hex_decode(hex).value()); }

TEST_CASE("X25519 RFC 7748 §5.2 scalar multiplication vector", "[curve]") {
  const Bytes out = curve::agree(K("a546e36bf0527c9d3b16154b82465edd62144c0ac1fc5a18506a2244ba449ac4"),
                                 K("e6db6867583030db3594c1a424b15f7c726624ec26b3353b10a903a6d0ab1c4c"));
  CHECK(util::hex_encode(out) == "c3da55379de9c6908e94ea4df28d084f32eccf03491c71f754b4075577a28552");
}

TEST_CASE("X25519 RFC 7748 §6.1 Diffie-Hellman vector", "[curve]") {
  const auto alice = curve::KeyPair::from_private(
      K("77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a"));
  const auto bob = curve::KeyPair::from_private(
      K("5dab087e624a8a4b79e17f8b83800ee66f3bb1292618b6fd1c2f8b27ff88e0eb"));
  CHECK(util::hex_encode(alice.pub_bytes()) ==
        "8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a");
  CHECK(util::hex_encode(bob.pub_bytes()) ==
        "de9edb7d7b7dc1b4d35b61c2ece435373f8343c85b78674dadfc7e146f882b4f");
  const char* shared = "4a5d9d5ba4ce2de1728e3bf480350f25e07e21c947d19e3376f09b3c1e161742";
  CHECK(util::hex_encode(curve::agree(alice.priv, bob.pub)) == shared);
  CHECK(util::hex_encode(curve::agree(bob.priv, alice.pub)) == shared);
}

TEST_CASE("generated key pairs are clamped and agree symmetrically", "[curve]") {
  const auto a = curve::KeyPair::generate();
  const auto b = curve::KeyPair::generate();
  CHECK((a.priv[0] & 7) == 0);
  CHECK((a.priv[31] & 0x80) == 0);
  CHECK((a.priv[31] & 0x40) == 0x40);
  CHECK(a.pub != b.pub);
  CHECK(curve::agree(a.priv, b.pub) == curve::agree(b.priv, a.pub));
  CHECK(curve::KeyPair::from_private(a.priv).pub == a.pub);
}

TEST_CASE("X25519 rejects a small-order public key", "[curve]") {
  const auto a = curve::KeyPair::generate();
  curve::Key32 zero{};
  CHECK_THROWS(curve::agree(a.priv, zero));
}

TEST_CASE("to_key32 demands exactly 32 bytes", "[curve]") {
  CHECK_THROWS_AS(curve::to_key32(Bytes(31, 0)), std::invalid_argument);
  CHECK_THROWS_AS(curve::to_key32(Bytes(33, 0)), std::invalid_argument);
  CHECK(curve::to_key32(Bytes(32, 9))[31] == 9);
}

TEST_CASE("Curve25519 signatures sign and verify", "[curve]") {
  const auto kp = curve::KeyPair::generate();
  const Bytes msg = util::to_bytes("certificate details");
  const Bytes sig = curve::sign(kp.priv, msg);
  REQUIRE(sig.size() == 64);
  CHECK(curve::verify(kp.pub, msg, sig));
  CHECK(curve::verify(kp.pub_bytes(), msg, sig));
  CHECK(curve::verify(kp.pub, {}, curve::sign(kp.priv, {})));

  Bytes tampered_msg = msg;
  tampered_msg[0] ^= 1;
  CHECK_FALSE(curve::verify(kp.pub, tampered_msg, sig));
  for (size_t i : {size_t(0), size_t(31), size_t(32), size_t(63)}) {
    Bytes tampered = sig;
    tampered[i] ^= 0x01;
    INFO("byte " << i);
    CHECK_FALSE(curve::verify(kp.pub, msg, tampered));
  }
  CHECK_FALSE(curve::verify(curve::KeyPair::generate().pub, msg, sig));
}

TEST_CASE("verify returns false on malformed lengths, never throws", "[curve]") {
  const auto kp = curve::KeyPair::generate();
  const Bytes msg{1, 2, 3};
  const Bytes sig = curve::sign(kp.priv, msg);
  CHECK_FALSE(curve::verify(kp.pub, msg, Bytes(sig.begin(), sig.end() - 1)));  // 63 bytes
  Bytes longer = sig;
  longer.push_back(0);
  CHECK_FALSE(curve::verify(kp.pub, msg, longer));
  CHECK_FALSE(curve::verify(kp.pub, msg, {}));
  CHECK_FALSE(curve::verify(Bytes(31, 1), msg, sig));
  CHECK_FALSE(curve::verify(Bytes(33, 1), msg, sig));
  CHECK_FALSE(curve::verify(Bytes{}, msg, sig));
}

TEST_CASE("plain Ed25519 over the raw X25519 key bytes does not verify (PROTOCOL.md §3)", "[curve]") {
  // Guards against implementing the certificate check with the wrong scheme.
  int rejected = 0;
  for (int i = 0; i < 4; ++i) {
    const auto kp = curve::KeyPair::generate();
    const Bytes msg = util::crypto::random_bytes(40);
    const Bytes sig = curve::sign(kp.priv, msg);
    REQUIRE(curve::verify(kp.pub, msg, sig));
    std::unique_ptr<EVP_PKEY, decltype(&EVP_PKEY_free)> ed(
        EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, nullptr, kp.pub.data(), kp.pub.size()),
        EVP_PKEY_free);
    if (!ed) {  // not even a valid Edwards point
      ++rejected;
      continue;
    }
    std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> ctx(EVP_MD_CTX_new(), EVP_MD_CTX_free);
    REQUIRE(EVP_DigestVerifyInit(ctx.get(), nullptr, nullptr, nullptr, ed.get()) == 1);
    if (EVP_DigestVerify(ctx.get(), sig.data(), sig.size(), msg.data(), msg.size()) != 1) ++rejected;
  }
  CHECK(rejected == 4);
}
