// ClientHandshake (PROTOCOL.md §2) against the independently written sim::NoiseResponder, the
// §1 first-message layout, and failures: tampering, bad certificate chains, call order.
#include <catch2/catch.hpp>

#include "cert_authority.hpp"
#include "noise_responder.hpp"
#include "wa/handshake.hpp"
#include "wa/socket/frame.hpp"
#include "wa6.pb.h"

using util::Bytes;
using wa::CertError;
using wa::ClientHandshake;
using wa::HandshakeError;

namespace {

constexpr int64_t kNow = 1767225600;

struct Pki {
  sim::CertAuthority ca;
  util::curve::KeyPair server = util::curve::KeyPair::generate();
  util::curve::KeyPair client = util::curve::KeyPair::generate();
  sim::NoiseResponder responder(const sim::CertFaults& f = {}) const {
    return sim::NoiseResponder(server, ca.chain_for(server.pub, kNow, f));
  }
};

Bytes edit_server_hello(const Bytes& msg, void (*edit)(wa::proto::HandshakeMessage::ServerHello*)) {
  wa::proto::HandshakeMessage m;
  REQUIRE(m.ParseFromArray(msg.data(), static_cast<int>(msg.size())));
  edit(m.mutable_serverhello());
  const std::string s = m.SerializeAsString();
  return Bytes(s.begin(), s.end());
}

}  // namespace

TEST_CASE("client hello is HandshakeMessage{clientHello{ephemeral}} (§1, §2)", "[handshake]") {
  const auto eph = util::curve::KeyPair::generate();
  ClientHandshake hs(util::curve::KeyPair::generate(), eph, {}, kNow);
  const Bytes hello = hs.client_hello();
  // 12 22 0A 20 <32 bytes>: field 2, length 34, holding field 1, length 32.
  REQUIRE(hello.size() == 36);
  CHECK(Bytes(hello.begin(), hello.begin() + 4) == Bytes{0x12, 0x22, 0x0a, 0x20});
  CHECK(Bytes(hello.begin() + 4, hello.end()) == eph.pub_bytes());

  // The first WebSocket message: intro header, then the framed hello; 43 bytes in all.
  Bytes first(std::begin(wa::socket::kIntroHeader), std::end(wa::socket::kIntroHeader));
  const Bytes framed = wa::socket::encode_frame(hello);
  first.insert(first.end(), framed.begin(), framed.end());
  CHECK(first.size() == 43);
  CHECK(util::hex_encode(Bytes(first.begin(), first.begin() + 11)) == "5741060300002412220a20");
}

TEST_CASE("full handshake against the responder, then transport both ways", "[handshake]") {
  Pki pki;
  auto server = pki.responder();
  ClientHandshake client(pki.client, pki.ca.root().pub, kNow);

  const Bytes server_hello = server.server_hello(client.client_hello());
  const Bytes payload = util::to_bytes("serialized ClientPayload");
  const Bytes finish = client.client_finish(server_hello, payload);
  CHECK(server.client_finish(finish) == payload);
  CHECK(server.client_static() == pki.client.pub);

  auto c = client.transport();
  auto s = server.transport();
  for (uint32_t n = 0; n < 3; ++n) {
    CHECK(c.write_counter() == n);
    CHECK(s.read_counter() == n);
    const Bytes up = util::to_bytes("node up " + std::to_string(n));
    CHECK(s.decrypt(c.encrypt(up)) == up);
    CHECK(s.write_counter() == n);
    CHECK(c.read_counter() == n);
    const Bytes down = util::to_bytes("node down " + std::to_string(n));
    CHECK(c.decrypt(s.encrypt(down)) == down);
  }
  CHECK(c.write_counter() == 3);
  CHECK(c.read_counter() == 3);

  // A tampered transport frame is rejected; the counters stay aligned for the next one.
  Bytes bad = s.encrypt(util::to_bytes("tampered"));
  bad[bad.size() / 2] ^= 0x20;
  CHECK_FALSE(c.decrypt(bad).has_value());
  CHECK(c.decrypt(s.encrypt(util::to_bytes("after"))) == util::to_bytes("after"));
  // Keys are direction-specific: a client frame does not open with the client's read key.
  auto c2 = client.transport();
  CHECK_FALSE(c2.decrypt(c2.encrypt(util::to_bytes("loop"))).has_value());
}

TEST_CASE("a fixed ephemeral key reproduces the same client hello", "[handshake]") {
  const auto eph = util::curve::KeyPair::generate();
  const auto stat = util::curve::KeyPair::generate();
  ClientHandshake a(stat, eph, {}, kNow), b(stat, eph, {}, kNow);
  const Bytes hello = a.client_hello();
  CHECK(hello == b.client_hello());
  ClientHandshake random_eph(stat, {}, kNow);
  CHECK(random_eph.client_hello() != hello);
}

TEST_CASE("a tampered server hello aborts the handshake", "[handshake]") {
  Pki pki;
  auto server = pki.responder();
  ClientHandshake client(pki.client, pki.ca.root().pub, kNow);
  const Bytes good = server.server_hello(client.client_hello());

  SECTION("static ciphertext") {
    const Bytes bad = edit_server_hello(good, [](auto* sh) { (*sh->mutable_static_())[5] ^= 1; });
    try {
      client.client_finish(bad, {});
      FAIL("no exception");
    } catch (const HandshakeError& e) {
      CHECK(e.cert == CertError::ok);
    }
  }
  SECTION("certificate ciphertext") {
    const Bytes bad = edit_server_hello(good, [](auto* sh) { (*sh->mutable_payload())[0] ^= 1; });
    CHECK_THROWS_AS(client.client_finish(bad, {}), HandshakeError);
  }
  SECTION("ephemeral key") {
    const Bytes bad = edit_server_hello(good, [](auto* sh) { (*sh->mutable_ephemeral())[7] ^= 1; });
    CHECK_THROWS_AS(client.client_finish(bad, {}), HandshakeError);
  }
  SECTION("short ephemeral") {
    const Bytes bad = edit_server_hello(good, [](auto* sh) { sh->mutable_ephemeral()->pop_back(); });
    CHECK_THROWS_AS(client.client_finish(bad, {}), HandshakeError);
  }
  SECTION("missing payload") {
    const Bytes bad = edit_server_hello(good, [](auto* sh) { sh->clear_payload(); });
    CHECK_THROWS_AS(client.client_finish(bad, {}), HandshakeError);
  }
  SECTION("missing static") {
    const Bytes bad = edit_server_hello(good, [](auto* sh) { sh->clear_static_(); });
    CHECK_THROWS_AS(client.client_finish(bad, {}), HandshakeError);
  }
  SECTION("not a HandshakeMessage") {
    CHECK_THROWS_AS(client.client_finish(Bytes{0x1a, 0x40, 0x00}, {}), HandshakeError);
  }
  SECTION("no serverHello") {
    CHECK_THROWS_AS(client.client_finish(Bytes{}, {}), HandshakeError);
  }
}

TEST_CASE("a bad certificate chain fails the handshake with its CertError", "[handshake]") {
  Pki pki;
  auto run = [&](const sim::CertFaults& f, const util::curve::Key32& root) -> CertError {
    auto server = pki.responder(f);
    ClientHandshake client(pki.client, root, kNow);
    const Bytes hello = server.server_hello(client.client_hello());
    try {
      client.client_finish(hello, util::to_bytes("payload"));
    } catch (const HandshakeError& e) {
      return e.cert;
    }
    return CertError::ok;
  };
  const auto root = pki.ca.root().pub;
  CHECK(run({}, root) == CertError::ok);
  CHECK(run({}, util::curve::KeyPair::generate().pub) == CertError::bad_intermediate_signature);
  sim::CertFaults f;
  f.expired_leaf = true;
  CHECK(run(f, root) == CertError::leaf_expired);
  f = {};
  f.leaf_key_mismatch = true;
  CHECK(run(f, root) == CertError::leaf_key_mismatch);
  f = {};
  f.bad_leaf_signature = true;
  CHECK(run(f, root) == CertError::bad_leaf_signature);
  f = {};
  f.short_signature = true;
  CHECK(run(f, root) == CertError::malformed);
}

TEST_CASE("handshake steps must come in order", "[handshake]") {
  Pki pki;
  ClientHandshake client(pki.client, pki.ca.root().pub, kNow);
  CHECK_THROWS_AS(client.transport(), HandshakeError);
  CHECK_THROWS_AS(client.client_finish(Bytes{}, {}), HandshakeError);
  auto server = pki.responder();
  const Bytes hello = server.server_hello(client.client_hello());
  CHECK_THROWS_AS(client.client_hello(), HandshakeError);
  const Bytes finish = client.client_finish(hello, {});
  CHECK_THROWS_AS(client.client_finish(hello, {}), HandshakeError);
  CHECK(server.client_finish(finish).empty());
  CHECK_NOTHROW(client.transport());
}
