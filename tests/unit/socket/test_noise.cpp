// Noise symmetric state and transport (PROTOCOL.md §2): each primitive is checked against its
// definition built from util::crypto (whose known answers are tested in test_util).
#include <catch2/catch.hpp>

#include "util/crypto.hpp"
#include "wa/socket/noise.hpp"

using util::Bytes;
using wa::socket::NoiseHandshake;
using wa::socket::NoiseTransport;
using wa::socket::noise_iv;
namespace crypto = util::crypto;

static const Bytes kName = util::to_bytes(std::string("Noise_XX_25519_AESGCM_SHA256\0\0\0\0", 32));

TEST_CASE("initial h is the 32-byte protocol name, not hashed", "[noise]") {
  REQUIRE(kName.size() == 32);
  NoiseHandshake hs;
  CHECK(hs.hash() == kName);
  CHECK(hs.hash() != crypto::sha256(util::to_bytes("Noise_XX_25519_AESGCM_SHA256")));
}

TEST_CASE("IV is 8 zero bytes then the big-endian counter", "[noise]") {
  CHECK(util::hex_encode(noise_iv(0)) == "000000000000000000000000");
  CHECK(util::hex_encode(noise_iv(1)) == "000000000000000000000001");
  CHECK(util::hex_encode(noise_iv(0x01020304)) == "000000000000000001020304");
}

TEST_CASE("mix_hash is SHA-256(h || data)", "[noise]") {
  NoiseHandshake hs;
  const Bytes intro{0x57, 0x41, 0x06, 0x03};
  hs.mix_hash(intro);
  CHECK(hs.hash() == crypto::sha256(util::concat({&kName, &intro})));
}

TEST_CASE("split of the fresh state is HKDF(salt = ck = name, empty ikm, empty info)", "[noise]") {
  NoiseHandshake hs;
  const Bytes okm = crypto::hkdf_sha256({}, kName, {}, 64);
  auto [first, second] = hs.split();
  CHECK(first == Bytes(okm.begin(), okm.begin() + 32));
  CHECK(second == Bytes(okm.begin() + 32, okm.end()));
}

TEST_CASE("mix_key, encrypt and decrypt follow the §2 definitions", "[noise]") {
  NoiseHandshake hs;
  const Bytes ikm(32, 0x42);
  hs.mix_key(ikm);
  const Bytes okm = crypto::hkdf_sha256(ikm, kName, {}, 64);
  const Bytes ck(okm.begin(), okm.begin() + 32), k(okm.begin() + 32, okm.end());

  // Encrypt #0: IV(0), AAD = h, then MixHash(c).
  const Bytes h0 = hs.hash();
  const Bytes p1 = util::to_bytes("first");
  const Bytes c1 = hs.encrypt(p1);
  CHECK(c1 == crypto::aes_gcm_encrypt(k, noise_iv(0), h0, p1));
  const Bytes h1 = crypto::sha256(util::concat({&h0, &c1}));
  CHECK(hs.hash() == h1);

  // Encrypt #1 uses IV(1) with the updated h.
  const Bytes p2 = util::to_bytes("second");
  const Bytes c2 = hs.encrypt(p2);
  CHECK(c2 == crypto::aes_gcm_encrypt(k, noise_iv(1), h1, p2));

  // MixKey resets the counter to 0 and chains ck.
  const Bytes h2 = hs.hash();
  const Bytes ikm2(32, 0x17);
  hs.mix_key(ikm2);
  const Bytes okm2 = crypto::hkdf_sha256(ikm2, ck, {}, 64);
  const Bytes k2(okm2.begin() + 32, okm2.end());
  const Bytes c3 = hs.encrypt(p1);
  CHECK(c3 == crypto::aes_gcm_encrypt(k2, noise_iv(0), h2, p1));

  // Split uses the chained ck.
  const Bytes okm3 = crypto::hkdf_sha256({}, Bytes(okm2.begin(), okm2.begin() + 32), {}, 64);
  CHECK(hs.split().first == Bytes(okm3.begin(), okm3.begin() + 32));
}

TEST_CASE("two handshake states stay in step; a tampered ciphertext fails without touching h", "[noise]") {
  NoiseHandshake a, b;
  for (auto* s : {&a, &b}) {
    s->mix_hash(util::to_bytes("prologue"));
    s->mix_key(Bytes(32, 9));
  }
  const Bytes c = a.encrypt(util::to_bytes("static key"));
  Bytes bad = c;
  bad[3] ^= 1;
  NoiseHandshake b_copy = b;
  const Bytes h_before = b_copy.hash();
  CHECK_FALSE(b_copy.decrypt(bad).has_value());
  CHECK(b_copy.hash() == h_before);
  CHECK(b.decrypt(c) == util::to_bytes("static key"));
  CHECK(a.hash() == b.hash());
  CHECK(a.split() == b.split());
}

TEST_CASE("transport frames use IV(n) per direction and empty AAD", "[noise]") {
  const Bytes wk(32, 1), rk(32, 2);
  NoiseTransport client(wk, rk), server(rk, wk);
  for (uint32_t n = 0; n < 3; ++n) {
    const Bytes p = util::to_bytes("frame " + std::to_string(n));
    CHECK(client.write_counter() == n);
    const Bytes c = client.encrypt(p);
    CHECK(c == crypto::aes_gcm_encrypt(wk, noise_iv(n), {}, p));
    CHECK(server.decrypt(c) == p);
    CHECK(server.read_counter() == n + 1);
  }
  // The other direction has its own counter, still at 0.
  const Bytes reply = server.encrypt(util::to_bytes("reply"));
  CHECK(reply == crypto::aes_gcm_encrypt(rk, noise_iv(0), {}, util::to_bytes("reply")));
  CHECK(client.decrypt(reply) == util::to_bytes("reply"));
}

TEST_CASE("the read counter advances past a corrupted frame", "[noise]") {
  const Bytes wk(32, 3), rk(32, 4);
  NoiseTransport sender(wk, rk), receiver(rk, wk);
  Bytes f0 = sender.encrypt(util::to_bytes("zero"));
  const Bytes f1 = sender.encrypt(util::to_bytes("one"));
  f0[0] ^= 0xff;
  CHECK_FALSE(receiver.decrypt(f0).has_value());
  CHECK(receiver.read_counter() == 1);
  CHECK(receiver.decrypt(f1) == util::to_bytes("one"));
  CHECK_FALSE(receiver.decrypt(Bytes(5, 0)).has_value());  // shorter than a tag
  CHECK(receiver.read_counter() == 3);
}

TEST_CASE("transport keys must be 32 bytes", "[noise]") {
  CHECK_THROWS_AS(NoiseTransport(Bytes(16, 0), Bytes(32, 0)), std::invalid_argument);
  CHECK_THROWS_AS(NoiseTransport(Bytes(32, 0), Bytes(31, 0)), std::invalid_argument);
}
