// Self-tests of the simulator's extra accounts (tests/sim/accounts.hpp, issue 4): device ids are
// one byte in an AD-JID (PROTOCOL.md §5), so after 254 companions (devices 2..255) the next
// pairing goes to a new simulated account, phone + 1 and LID + 1, signed by that account's own
// phone identity (§6), and the companion then logs in under that account (§8).
#include <catch2/catch.hpp>

#include <set>
#include "accounts.hpp"
#include "adv.pb.h"
#include "e2e_support.hpp"
#include "fake_companion.hpp"
#include "mini_client.hpp"
#include "simulator.hpp"
#include "util/bytes.hpp"

using namespace e2e;

namespace {

util::curve::Key32 root_of(const sim::Simulator& s) {
  return util::curve::to_key32(*util::hex_decode(s.root_public_key_hex()));
}

// The accountSignatureKey inside a <pair-success>'s ADVSignedDeviceIdentityHMAC (§6 step 5).
std::string account_key_of(const wa::Node& iq) {
  const wa::Node* ps = iq.child("pair-success");
  REQUIRE(ps);
  const wa::Node* di = ps->child("device-identity");
  REQUIRE(di);
  wa::proto::ADVSignedDeviceIdentityHMAC wrapper;
  REQUIRE(wrapper.ParseFromString(util::to_string(di->bytes())));
  wa::proto::ADVSignedDeviceIdentity inner;
  REQUIRE(inner.ParseFromString(wrapper.details()));
  return inner.accountsignaturekey();
}

struct Paired {
  sim::PairedDevice device;
  std::string account_key;  // the signing phone's public key, as sent in pair-success
};

// Registration, pair-device ack, scan, pair-device-sign, 515 (§6), with a fake companion that
// verifies the pair-success HMAC and account signature itself (fake_companion.cpp).
Paired pair_one(sim::Simulator& s, const CompanionKeys& k) {
  MiniClient c(s.ws_url());
  REQUIRE(c.wait_open() == 101);
  c.handshake(k.noise, root_of(s), registration_payload(k));
  auto pd = c.next_node();
  REQUIRE(pd);
  REQUIRE(pd->child("pair-device"));
  const auto refs = pd->child("pair-device")->children_by_tag("ref");
  REQUIRE(!refs.empty());
  c.send_node(wa::Node("iq", {{"to", wa::Jid::server_jid()}, {"type", "result"}, {"id", pd->attr("id")}}));
  REQUIRE(s.scan(qr_string(util::to_string(refs[0]->bytes()), k)) == std::nullopt);
  auto iq = c.next_node();
  REQUIRE(iq);
  Paired out;
  out.account_key = account_key_of(*iq);
  PairReply reply = answer_pair_success(*iq, k);
  REQUIRE(reply.error_text.empty());
  c.send_node(reply.reply);
  auto err = c.next_node();
  REQUIRE(err);
  REQUIRE(err->attr("code") == "515");
  REQUIRE(s.wait_pairing_outcome(std::chrono::seconds(5)).paired);
  out.device = s.paired_devices().back();
  return out;
}

}  // namespace

TEST_CASE("simulator accounts: 254 companion slots per account, numbers carried in decimal", "[sim]") {
  CHECK(sim::device_slot(0).account == 0);
  CHECK(sim::device_slot(0).device == 2);
  CHECK(sim::device_slot(253).account == 0);
  CHECK(sim::device_slot(253).device == 255);
  CHECK(sim::device_slot(254).account == 1);
  CHECK(sim::device_slot(254).device == 2);
  CHECK(sim::device_slot(999).account == 3);
  CHECK(sim::device_slot(999).device == 2 + (999 - 3 * 254));
  CHECK(sim::add_to_digits("15551234567", 0) == "15551234567");
  CHECK(sim::add_to_digits("15551234567", 3) == "15551234570");
  CHECK(sim::add_to_digits("999", 1) == "1000");
  CHECK_THROWS(sim::add_to_digits("12a", 1));
}

TEST_CASE("simulator accounts: the 255th companion pairs and logs in under a second account", "[sim]") {
  sim::SimOptions o;
  o.phone_number = "15550001111";
  o.lid_user = "99887766554433";
  sim::Simulator s(o);
  s.start();

  std::set<uint16_t> devices;
  std::string first_key;
  for (int i = 0; i < 254; ++i) {
    CompanionKeys k;
    Paired p = pair_one(s, k);
    REQUIRE(p.device.phone == "15550001111");
    devices.insert(p.device.device);
    if (i == 0) first_key = p.account_key;
    REQUIRE(p.account_key == first_key);  // one phone signs the whole account
  }
  CHECK(devices.size() == 254);
  CHECK(*devices.begin() == 2);
  CHECK(*devices.rbegin() == 255);

  CompanionKeys k;
  Paired p = pair_one(s, k);
  CHECK(p.device.phone == "15550001112");
  CHECK(p.device.device == 2);
  CHECK(p.device.jid == "15550001112:2@s.whatsapp.net");
  CHECK(p.device.lid == "99887766554434:2@lid");
  CHECK(p.account_key.size() == 32);
  CHECK(p.account_key != first_key);  // the second account's own phone identity

  MiniClient login(s.ws_url());
  REQUIRE(login.wait_open() == 101);
  login.handshake(k.noise, root_of(s), login_payload(15550001112ull, 2));
  auto success = login.next_node();
  REQUIRE(success);
  CHECK(success->tag == "success");
  REQUIRE(success->jid_attr("lid"));
  CHECK(success->jid_attr("lid")->str() == "99887766554434:2@lid");
  login.send_node(client_iq("p1", "w:p", "get"));  // keepalive (§8)
  auto pong = login.next_node();
  REQUIRE(pong);
  CHECK(pong->attr("id") == "p1");

  // Device 2 of the first account is another companion: this noise key is refused there.
  MiniClient wrong(s.ws_url());
  REQUIRE(wrong.wait_open() == 101);
  wrong.handshake(k.noise, root_of(s), login_payload(15550001111ull, 2));
  auto failure = wrong.next_node();
  REQUIRE(failure);
  CHECK(failure->tag == "failure");
  CHECK(failure->attr("reason") == "401");
  CHECK(s.anomalies().empty());
}
