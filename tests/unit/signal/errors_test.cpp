// Failure paths: each maps to its SignalError kind and leaves the store as it was (every
// operation runs in one Store transaction).
#include <catch2/catch.hpp>

#include "party.hpp"

using namespace signal_test;
using Kind = SignalError::Kind;

namespace {
const Address kAliceAddr{"15550001111", 7};
const Address kBobAddr{"15550002222", 0};
const Address kCarolAddr{"15550003333", 0};

// Alice -> Bob first message, already decrypted by Bob; returns it for replays.
wa::signal::Ciphertext handshake(Party& alice, Party& bob) {
  alice.signal().process_bundle(kBobAddr, bob.bundle());
  auto ct = alice.signal().encrypt(kBobAddr, text("hello"));
  REQUIRE(bob.signal().decrypt(kAliceAddr, ct.type, ct.data) == text("hello"));
  return ct;
}
}  // namespace

TEST_CASE("without a session encrypt throws no_session", "[signal]") {
  store_test::TempDir t;
  Party alice(t, "alice", kAliceAddr);
  CHECK_FALSE(alice.signal().has_session(kBobAddr));
  CHECK(error_kind([&] { alice.signal().encrypt(kBobAddr, text("x")); }) == Kind::no_session);
  CHECK_FALSE(alice.store().contains_session(kBobAddr.name, kBobAddr.device));  // nothing created
}

TEST_CASE("a msg from an address without a session throws no_session", "[signal]") {
  store_test::TempDir t;
  Party alice(t, "alice", kAliceAddr), bob(t, "bob", kBobAddr), carol(t, "carol", kCarolAddr);
  handshake(alice, bob);
  auto reply = bob.signal().encrypt(kAliceAddr, text("reply"));
  REQUIRE(reply.type == "msg");
  // Carol never talked to Bob.
  CHECK(error_kind([&] { carol.signal().decrypt(kBobAddr, reply.type, reply.data); }) ==
        Kind::no_session);
}

TEST_CASE("a second delivery of the same message is a duplicate", "[signal]") {
  store_test::TempDir t;
  Party alice(t, "alice", kAliceAddr), bob(t, "bob", kBobAddr);
  auto first = handshake(alice, bob);
  // The pkmsg again (its one-time prekey is gone by now; libsignal recognises the session).
  CHECK(error_kind([&] { bob.signal().decrypt(kAliceAddr, first.type, first.data); }) ==
        Kind::duplicate_message);

  auto reply = bob.signal().encrypt(kAliceAddr, text("reply"));
  REQUIRE(alice.signal().decrypt(kBobAddr, reply.type, reply.data) == text("reply"));
  auto msg = alice.signal().encrypt(kBobAddr, text("once"));
  REQUIRE(msg.type == "msg");
  REQUIRE(bob.signal().decrypt(kAliceAddr, msg.type, msg.data) == text("once"));
  CHECK(error_kind([&] { bob.signal().decrypt(kAliceAddr, msg.type, msg.data); }) ==
        Kind::duplicate_message);
  // The session is unharmed.
  auto later = alice.signal().encrypt(kBobAddr, text("later"));
  CHECK(bob.signal().decrypt(kAliceAddr, later.type, later.data) == text("later"));
}

TEST_CASE("a tampered msg is invalid_message and changes nothing", "[signal]") {
  store_test::TempDir t;
  Party alice(t, "alice", kAliceAddr), bob(t, "bob", kBobAddr);
  handshake(alice, bob);
  auto reply = bob.signal().encrypt(kAliceAddr, text("reply"));
  REQUIRE(alice.signal().decrypt(kBobAddr, reply.type, reply.data) == text("reply"));

  auto msg = alice.signal().encrypt(kBobAddr, text("genuine"));
  REQUIRE(msg.type == "msg");
  const auto before = bob.store().load_session(kAliceAddr.name, kAliceAddr.device);
  for (size_t pos : {msg.data.size() - 1, msg.data.size() / 2}) {
    Bytes bad = msg.data;
    bad[pos] ^= 0x01;  // last byte: the 8-byte MAC; middle: ciphertext body
    INFO("flipped byte " << pos);
    CHECK(error_kind([&] { bob.signal().decrypt(kAliceAddr, "msg", bad); }) ==
          Kind::invalid_message);
  }
  CHECK(bob.store().load_session(kAliceAddr.name, kAliceAddr.device) == before);
  CHECK(bob.signal().decrypt(kAliceAddr, msg.type, msg.data) == text("genuine"));
}

TEST_CASE("a tampered pkmsg is rejected and consumes nothing", "[signal]") {
  store_test::TempDir t;
  Party alice(t, "alice", kAliceAddr), bob(t, "bob", kBobAddr);
  auto bundle = bob.bundle();
  alice.signal().process_bundle(kBobAddr, bundle);
  auto ct = alice.signal().encrypt(kBobAddr, text("hello"));
  REQUIRE(ct.type == "pkmsg");
  Bytes bad = ct.data;
  bad.back() ^= 0x80;  // inside the embedded message's MAC
  CHECK(error_kind([&] { bob.signal().decrypt(kAliceAddr, "pkmsg", bad); }) ==
        Kind::invalid_message);
  // Rolled back: the one-time prekey is still there, no session, no identity recorded.
  CHECK(bob.store().load_prekey(bundle.pre_key->first).has_value());
  CHECK_FALSE(bob.store().contains_session(kAliceAddr.name, kAliceAddr.device));
  CHECK_FALSE(bob.store().get_identity(kAliceAddr.name, kAliceAddr.device).has_value());
  // The genuine message still works.
  CHECK(bob.signal().decrypt(kAliceAddr, ct.type, ct.data) == text("hello"));
}

TEST_CASE("garbage and unknown types are invalid_message", "[signal]") {
  store_test::TempDir t;
  Party bob(t, "bob", kBobAddr);
  const Bytes junk = text("definitely not a signal message");
  CHECK(error_kind([&] { bob.signal().decrypt(kAliceAddr, "pkmsg", junk); }) ==
        Kind::invalid_message);
  CHECK(error_kind([&] { bob.signal().decrypt(kAliceAddr, "msg", junk); }) ==
        Kind::invalid_message);
  CHECK(error_kind([&] { bob.signal().decrypt(kAliceAddr, "pkmsg", Bytes{}); }) ==
        Kind::invalid_message);
  CHECK(error_kind([&] { bob.signal().decrypt(kAliceAddr, "skmsg", junk); }) ==
        Kind::invalid_message);
}

TEST_CASE("a pkmsg naming a prekey we no longer have is invalid_key", "[signal]") {
  store_test::TempDir t;
  Party alice(t, "alice", kAliceAddr), bob(t, "bob", kBobAddr);
  auto bundle = bob.bundle();
  bob.store().remove_prekey(bundle.pre_key->first);  // e.g. consumed by someone else
  alice.signal().process_bundle(kBobAddr, bundle);
  auto ct = alice.signal().encrypt(kBobAddr, text("hello"));
  CHECK(error_kind([&] { bob.signal().decrypt(kAliceAddr, ct.type, ct.data); }) ==
        Kind::invalid_key);
  CHECK_FALSE(bob.store().contains_session(kAliceAddr.name, kAliceAddr.device));
}

TEST_CASE("a bundle with a bad signed-prekey signature is rejected", "[signal]") {
  store_test::TempDir t;
  Party alice(t, "alice", kAliceAddr), bob(t, "bob", kBobAddr);
  auto bundle = bob.bundle();

  auto flipped = bundle;
  flipped.signed_pre_key_signature[10] ^= 0x01;
  CHECK(error_kind([&] { alice.signal().process_bundle(kBobAddr, flipped); }) ==
        Kind::invalid_key);

  // A valid signature, but by another identity key (e.g. a substituted bundle).
  auto foreign = bundle;
  foreign.identity_key = Device::generate().identity_key.pub;
  CHECK(error_kind([&] { alice.signal().process_bundle(kBobAddr, foreign); }) ==
        Kind::invalid_key);

  auto short_sig = bundle;
  short_sig.signed_pre_key_signature.resize(63);
  CHECK(error_kind([&] { alice.signal().process_bundle(kBobAddr, short_sig); }) ==
        Kind::invalid_key);

  // Nothing stuck: no session and no identity from the rejected bundles.
  CHECK_FALSE(alice.signal().has_session(kBobAddr));
  CHECK_FALSE(alice.store().get_identity(kBobAddr.name, kBobAddr.device).has_value());
  alice.signal().process_bundle(kBobAddr, bundle);  // the genuine one is accepted
  CHECK(alice.signal().has_session(kBobAddr));
}
