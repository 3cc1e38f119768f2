// Identity policy (PROTOCOL.md §9 "Identity changes"): trust on first use; a changed identity
// (the peer reinstalled) replaces the stored key and drops the old session, with a log line
// that names the address but carries no key material.
#include <catch2/catch.hpp>

#include "../support/stderr_capture.hpp"
#include "party.hpp"

using namespace signal_test;
using Kind = SignalError::Kind;

namespace {
const Address kAliceAddr{"15550001111", 7};
const Address kBobAddr{"15550002222", 0};

void converse(Party& alice, Party& bob) {
  alice.signal().process_bundle(kBobAddr, bob.bundle());
  auto hi = alice.signal().encrypt(kBobAddr, text("hi"));
  REQUIRE(bob.signal().decrypt(kAliceAddr, hi.type, hi.data) == text("hi"));
  auto reply = bob.signal().encrypt(kAliceAddr, text("hi back"));
  REQUIRE(alice.signal().decrypt(kBobAddr, reply.type, reply.data) == text("hi back"));
}

void check_log(const std::string& log, const Bytes& old_key, const Bytes& new_key) {
  CHECK(log.find("\"identity_changed\"") != std::string::npos);
  CHECK(log.find(kBobAddr.name) != std::string::npos);
  for (const Bytes* k : {&old_key, &new_key}) {
    CHECK(log.find(util::hex_encode(*k)) == std::string::npos);
    CHECK(log.find(util::base64_encode(*k)) == std::string::npos);
  }
}
}  // namespace

TEST_CASE("a new identity in a bundle replaces the old one and drops the session",
          "[signal][identity]") {
  store_test::TempDir t;
  Party alice(t, "alice", kAliceAddr), bob(t, "bob", kBobAddr);
  converse(alice, bob);
  // Old Bob sends one more message that is still in flight when he reinstalls.
  auto stale = bob.signal().encrypt(kAliceAddr, text("from the old install"));
  REQUIRE(stale.type == "msg");

  Party bob2(t, "bob-reinstalled", kBobAddr);  // same address, new identity and keys
  REQUIRE(bob2.identity_pub() != bob.identity_pub());
  std::string log;
  {
    support_test::StderrCapture capture;
    alice.signal().process_bundle(kBobAddr, bob2.bundle());  // trusted, not refused
    log = capture.text();
  }
  check_log(log, bob.identity_pub(), bob2.identity_pub());
  CHECK(alice.store().get_identity(kBobAddr.name, kBobAddr.device) == bob2.identity_pub());

  auto ct = alice.signal().encrypt(kBobAddr, text("welcome back"));
  CHECK(ct.type == "pkmsg");  // a new session, not the old ratchet
  CHECK(bob2.signal().decrypt(kAliceAddr, ct.type, ct.data) == text("welcome back"));
  // The old session is gone: libsignal would otherwise still decrypt this with the archived
  // state of the old identity.
  CHECK(error_kind([&] { alice.signal().decrypt(kBobAddr, stale.type, stale.data); }) ==
        Kind::invalid_message);
}

TEST_CASE("a pkmsg from a new identity replaces the old one and drops the session",
          "[signal][identity]") {
  store_test::TempDir t;
  Party alice(t, "alice", kAliceAddr), bob(t, "bob", kBobAddr);
  converse(alice, bob);
  auto stale = bob.signal().encrypt(kAliceAddr, text("from the old install"));

  Party bob2(t, "bob-reinstalled", kBobAddr);
  bob2.signal().process_bundle(kAliceAddr, alice.bundle());
  auto ct = bob2.signal().encrypt(kAliceAddr, text("new phone, who dis"));
  REQUIRE(ct.type == "pkmsg");
  std::string log;
  {
    support_test::StderrCapture capture;
    CHECK(alice.signal().decrypt(kBobAddr, ct.type, ct.data) == text("new phone, who dis"));
    log = capture.text();
  }
  check_log(log, bob.identity_pub(), bob2.identity_pub());
  CHECK(alice.store().get_identity(kBobAddr.name, kBobAddr.device) == bob2.identity_pub());
  CHECK(error_kind([&] { alice.signal().decrypt(kBobAddr, stale.type, stale.data); }) ==
        Kind::invalid_message);

  auto reply = alice.signal().encrypt(kBobAddr, text("hello again"));
  CHECK(reply.type == "msg");
  CHECK(bob2.signal().decrypt(kAliceAddr, reply.type, reply.data) == text("hello again"));
}

TEST_CASE("the same identity again keeps the session and logs nothing", "[signal][identity]") {
  store_test::TempDir t;
  Party alice(t, "alice", kAliceAddr), bob(t, "bob", kBobAddr);
  converse(alice, bob);
  auto in_flight = bob.signal().encrypt(kAliceAddr, text("in flight"));
  std::string log;
  {
    support_test::StderrCapture capture;
    alice.signal().process_bundle(kBobAddr, bob.bundle());  // re-fetched bundle, same identity
    log = capture.text();
  }
  CHECK(log.find("identity_changed") == std::string::npos);
  // libsignal archived (did not drop) the previous state, so in-flight messages still decrypt.
  CHECK(alice.signal().decrypt(kBobAddr, in_flight.type, in_flight.data) == text("in flight"));
}
