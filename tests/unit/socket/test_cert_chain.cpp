// Certificate chain verification (PROTOCOL.md §3): whatsmeow's full check list, one fault at a
// time, against chains signed with libsignal's Curve25519 signatures by sim::CertAuthority.
#include <catch2/catch.hpp>

#include "cert.pb.h"
#include "cert_authority.hpp"
#include "wa/cert_chain.hpp"

using util::Bytes;
using wa::CertError;

namespace {

constexpr int64_t kNow = 1767225600;  // 2026-01-01
constexpr int64_t kDay = 86400;

struct Fixture {
  sim::CertAuthority ca;
  util::curve::KeyPair server = util::curve::KeyPair::generate();
  CertError check(const sim::CertFaults& f, int64_t now = kNow) const {
    return wa::verify_cert_chain(ca.chain_for(server.pub, kNow, f), ca.root().pub, server.pub_bytes(), now);
  }
};

}  // namespace

TEST_CASE("a good chain is accepted", "[cert]") {
  Fixture fx;
  CHECK(fx.check({}) == CertError::ok);
}

TEST_CASE("each broken link is rejected with its own error", "[cert]") {
  Fixture fx;
  sim::CertFaults f;
  SECTION("wrong root") {
    f.wrong_root = true;
    CHECK(fx.check(f) == CertError::bad_intermediate_signature);
  }
  SECTION("bad intermediate signature") {
    f.bad_intermediate_signature = true;
    CHECK(fx.check(f) == CertError::bad_intermediate_signature);
  }
  SECTION("intermediate issuer serial != 0") {
    f.bad_intermediate_issuer = true;
    CHECK(fx.check(f) == CertError::bad_intermediate_issuer);
  }
  SECTION("bad leaf signature") {
    f.bad_leaf_signature = true;
    CHECK(fx.check(f) == CertError::bad_leaf_signature);
  }
  SECTION("leaf key is not the server static key") {
    f.leaf_key_mismatch = true;
    CHECK(fx.check(f) == CertError::leaf_key_mismatch);
  }
  SECTION("expired intermediate") {
    f.expired_intermediate = true;
    CHECK(fx.check(f) == CertError::intermediate_expired);
  }
  SECTION("expired leaf") {
    f.expired_leaf = true;
    CHECK(fx.check(f) == CertError::leaf_expired);
  }
  SECTION("leaf issuer serial != intermediate serial") {
    f.bad_leaf_issuer = true;
    CHECK(fx.check(f) == CertError::bad_leaf_issuer);
  }
  SECTION("63-byte signature") {
    f.short_signature = true;
    CHECK(fx.check(f) == CertError::malformed);
  }
}

TEST_CASE("a chain from another authority fails against our trusted root", "[cert]") {
  Fixture fx;
  sim::CertAuthority other;
  const Bytes chain = other.chain_for(fx.server.pub, kNow);
  CHECK(wa::verify_cert_chain(chain, fx.ca.root().pub, fx.server.pub_bytes(), kNow) ==
        CertError::bad_intermediate_signature);
  CHECK(wa::verify_cert_chain(chain, other.root().pub, fx.server.pub_bytes(), kNow) == CertError::ok);
}

TEST_CASE("validity windows are inclusive at both ends", "[cert]") {
  // CertAuthority issues both certificates for [now - 1 day, now + 30 days].
  Fixture fx;
  CHECK(fx.check({}, kNow - kDay) == CertError::ok);
  CHECK(fx.check({}, kNow + 30 * kDay) == CertError::ok);
  CHECK(fx.check({}, kNow - kDay - 1) == CertError::intermediate_expired);
  CHECK(fx.check({}, kNow + 30 * kDay + 1) == CertError::intermediate_expired);
}

TEST_CASE("the leaf key must equal the server static key byte for byte", "[cert]") {
  Fixture fx;
  const Bytes chain = fx.ca.chain_for(fx.server.pub, kNow);
  Bytes other = fx.server.pub_bytes();
  other[31] ^= 1;
  CHECK(wa::verify_cert_chain(chain, fx.ca.root().pub, other, kNow) == CertError::leaf_key_mismatch);
  CHECK(wa::verify_cert_chain(chain, fx.ca.root().pub, Bytes(31, 0), kNow) == CertError::leaf_key_mismatch);
}

TEST_CASE("malformed chains", "[cert]") {
  Fixture fx;
  const auto root = fx.ca.root().pub;
  const Bytes key = fx.server.pub_bytes();
  CHECK(wa::verify_cert_chain({}, root, key, kNow) == CertError::malformed);               // nothing at all
  CHECK(wa::verify_cert_chain(Bytes{0x0a, 0x05, 0x01}, root, key, kNow) == CertError::malformed);  // truncated

  const Bytes good = fx.ca.chain_for(fx.server.pub, kNow);
  wa::proto::CertChain chain;
  REQUIRE(chain.ParseFromArray(good.data(), static_cast<int>(good.size())));
  auto reserialize = [](const wa::proto::CertChain& c) {
    const std::string s = c.SerializeAsString();
    return Bytes(s.begin(), s.end());
  };
  SECTION("no leaf") {
    chain.clear_leaf();
    CHECK(wa::verify_cert_chain(reserialize(chain), root, key, kNow) == CertError::malformed);
  }
  SECTION("intermediate without signature") {
    chain.mutable_intermediate()->clear_signature();
    CHECK(wa::verify_cert_chain(reserialize(chain), root, key, kNow) == CertError::malformed);
  }
  SECTION("leaf without details") {
    chain.mutable_leaf()->clear_details();
    CHECK(wa::verify_cert_chain(reserialize(chain), root, key, kNow) == CertError::malformed);
  }
  SECTION("65-byte intermediate signature") {
    chain.mutable_intermediate()->mutable_signature()->push_back('\0');
    CHECK(wa::verify_cert_chain(reserialize(chain), root, key, kNow) == CertError::malformed);
  }
  SECTION("intermediate key of 31 bytes, correctly signed") {
    wa::proto::CertChain::NoiseCertificate::Details d;
    REQUIRE(d.ParseFromString(chain.intermediate().details()));
    d.mutable_key()->pop_back();
    // Re-sign with a root we control so only the key length is wrong.
    const auto root_kp = util::curve::KeyPair::generate();
    const std::string raw = d.SerializeAsString();
    const Bytes sig = util::curve::sign(root_kp.priv, Bytes(raw.begin(), raw.end()));
    chain.mutable_intermediate()->set_details(raw);
    chain.mutable_intermediate()->set_signature(std::string(sig.begin(), sig.end()));
    CHECK(wa::verify_cert_chain(reserialize(chain), root_kp.pub, key, kNow) == CertError::malformed);
  }
}

TEST_CASE("every CertError has a description", "[cert]") {
  for (int e = 0; e <= static_cast<int>(CertError::leaf_expired); ++e)
    CHECK(std::string(wa::describe(static_cast<CertError>(e))).size() > 5);
}
