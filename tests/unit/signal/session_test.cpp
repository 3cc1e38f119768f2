// Two parties, each with its own store, talk through libsignal: X3DH from a bundle, prekey
// messages until the first reply, then ordinary messages (PROTOCOL.md §9, §10 step 3).
#include <catch2/catch.hpp>

#include "party.hpp"
#include "wa/binary/jid.hpp"

using namespace signal_test;
using Kind = SignalError::Kind;

namespace {
const Address kAliceAddr{"15550001111", 7};  // Alice's companion device as Bob sees it
const Address kBobAddr{"15550002222", 0};    // Bob's phone as Alice sees it
}  // namespace

TEST_CASE("first message is a pkmsg that the recipient decrypts, consuming its prekey",
          "[signal]") {
  store_test::TempDir t;
  Party alice(t, "alice", kAliceAddr), bob(t, "bob", kBobAddr);
  auto bundle = bob.bundle();
  const uint32_t prekey_id = bundle.pre_key->first;
  REQUIRE(bob.store().load_prekey(prekey_id).has_value());

  CHECK_FALSE(alice.signal().has_session(kBobAddr));
  alice.signal().process_bundle(kBobAddr, bundle);
  CHECK(alice.signal().has_session(kBobAddr));
  CHECK(alice.store().get_identity(kBobAddr.name, kBobAddr.device) == bob.identity_pub());

  const Bytes plain = text("hello bob \xf0\x9f\x91\x8b");
  auto ct = alice.signal().encrypt(kBobAddr, plain);
  CHECK(ct.type == "pkmsg");
  CHECK(ct.data != plain);
  CHECK(ct.data.size() > plain.size());

  CHECK(bob.signal().decrypt(kAliceAddr, ct.type, ct.data) == plain);
  CHECK_FALSE(bob.store().load_prekey(prekey_id).has_value());  // one-time key consumed
  CHECK(bob.store().contains_session(kAliceAddr.name, kAliceAddr.device));
  CHECK(bob.store().get_identity(kAliceAddr.name, kAliceAddr.device) == alice.identity_pub());

  // Until Bob answers, Alice keeps sending prekey messages; Bob decrypts them all.
  auto second = alice.signal().encrypt(kBobAddr, text("second"));
  CHECK(second.type == "pkmsg");
  CHECK(bob.signal().decrypt(kAliceAddr, second.type, second.data) == text("second"));
}

TEST_CASE("after the reply both directions use msg", "[signal]") {
  store_test::TempDir t;
  Party alice(t, "alice", kAliceAddr), bob(t, "bob", kBobAddr);
  alice.signal().process_bundle(kBobAddr, bob.bundle());
  auto first = alice.signal().encrypt(kBobAddr, text("hi"));
  REQUIRE(bob.signal().decrypt(kAliceAddr, first.type, first.data) == text("hi"));

  CHECK(bob.signal().has_session(kAliceAddr));
  auto reply = bob.signal().encrypt(kAliceAddr, text("hi alice"));
  CHECK(reply.type == "msg");
  CHECK(alice.signal().decrypt(kBobAddr, reply.type, reply.data) == text("hi alice"));

  for (int i = 0; i < 3; ++i) {
    const Bytes m = text("message " + std::to_string(i));
    auto next = alice.signal().encrypt(kBobAddr, m);
    CHECK(next.type == "msg");
    CHECK(bob.signal().decrypt(kAliceAddr, next.type, next.data) == m);
  }
}

TEST_CASE("a bundle without a one-time prekey still builds a session", "[signal]") {
  store_test::TempDir t;
  Party alice(t, "alice", kAliceAddr), bob(t, "bob", kBobAddr);
  bob.store().get_or_generate_prekeys(2);  // present, but not offered in the bundle
  alice.signal().process_bundle(kBobAddr, bob.bundle(/*with_one_time=*/false));
  auto ct = alice.signal().encrypt(kBobAddr, text("no one-time key"));
  CHECK(ct.type == "pkmsg");
  CHECK(bob.signal().decrypt(kAliceAddr, ct.type, ct.data) == text("no one-time key"));
  CHECK(bob.store().load_prekey(1).has_value());  // nothing consumed
  CHECK(bob.store().load_prekey(2).has_value());
}

TEST_CASE("sessions survive closing and reopening both stores", "[signal]") {
  store_test::TempDir t;
  Party alice(t, "alice", kAliceAddr), bob(t, "bob", kBobAddr);
  alice.signal().process_bundle(kBobAddr, bob.bundle());
  auto first = alice.signal().encrypt(kBobAddr, text("before restart"));

  alice.reopen();  // the session was committed by process_bundle/encrypt
  CHECK(alice.signal().has_session(kBobAddr));
  auto again = alice.signal().encrypt(kBobAddr, text("after alice restart"));
  CHECK(again.type == "pkmsg");

  REQUIRE(bob.signal().decrypt(kAliceAddr, first.type, first.data) == text("before restart"));
  bob.reopen();
  CHECK(bob.signal().decrypt(kAliceAddr, again.type, again.data) == text("after alice restart"));
  auto reply = bob.signal().encrypt(kAliceAddr, text("reply"));

  alice.reopen();
  CHECK(alice.signal().decrypt(kBobAddr, reply.type, reply.data) == text("reply"));
  auto next = alice.signal().encrypt(kBobAddr, text("steady state"));
  CHECK(next.type == "msg");
  bob.reopen();
  CHECK(bob.signal().decrypt(kAliceAddr, next.type, next.data) == text("steady state"));
}

TEST_CASE("sessions are per address: LID and PN names and device ids are distinct",
          "[signal]") {
  store_test::TempDir t;
  // Addresses derived from JIDs the way the sender does (Jid::signal_address_name, §9).
  auto bob_lid = wa::Jid::parse("123456789:3@lid");
  auto bob_pn = wa::Jid::parse("15550002222:3@s.whatsapp.net");
  REQUIRE(bob_lid);
  REQUIRE(bob_pn);
  const Address lid_addr = Address::of(*bob_lid);
  const Address pn_addr = Address::of(*bob_pn);
  CHECK(lid_addr.name == "123456789_1");
  CHECK(lid_addr.device == 3);
  CHECK(pn_addr.name == "15550002222");

  Party alice(t, "alice", kAliceAddr), bob(t, "bob", lid_addr);
  alice.signal().process_bundle(lid_addr, bob.bundle());
  CHECK(alice.signal().has_session(lid_addr));
  CHECK_FALSE(alice.signal().has_session(pn_addr));
  CHECK_FALSE(alice.signal().has_session(Address{lid_addr.name, 4}));
  CHECK(error_kind([&] { alice.signal().encrypt(pn_addr, text("x")); }) == Kind::no_session);
  auto ct = alice.signal().encrypt(lid_addr, text("to the lid"));
  CHECK(bob.signal().decrypt(kAliceAddr, ct.type, ct.data) == text("to the lid"));
}
