// Self-tests of the WhatsApp-server simulator, driven by a minimal client built from
// wa::ClientHandshake, the node codec and companion messages written from PROTOCOL.md
// (fake_companion.cpp). They prove the simulator on its own, before the service uses it.
#include <catch2/catch.hpp>

#include <algorithm>
#include <ctime>
#include "adv.pb.h"
#include "e2e_support.hpp"
#include "fake_companion.hpp"
#include "mini_client.hpp"
#include "simulator.hpp"
#include "util/bytes.hpp"
#include "util/crypto.hpp"
#include "wa/handshake.hpp"

using namespace e2e;

namespace {

util::curve::Key32 root_of(const sim::Simulator& s) {
  return util::curve::to_key32(*util::hex_decode(s.root_public_key_hex()));
}

struct Registered {
  std::unique_ptr<MiniClient> client;
  std::vector<std::string> refs;
};

// Registration handshake, pair-device refs, and the client's ack (§6 steps 1-2).
Registered register_companion(sim::Simulator& s, const CompanionKeys& k) {
  Registered r;
  r.client = std::make_unique<MiniClient>(s.ws_url());
  REQUIRE(r.client->wait_open() == 101);
  r.client->handshake(k.noise, root_of(s), registration_payload(k));
  auto iq = r.client->next_node();
  REQUIRE(iq);
  CHECK(iq->tag == "iq");
  CHECK(iq->attr("type") == "set");
  REQUIRE(iq->jid_attr("from"));
  CHECK(*iq->jid_attr("from") == wa::Jid::server_jid());
  REQUIRE(iq->children());
  REQUIRE(iq->children()->size() == 1);
  const wa::Node* pd = iq->child("pair-device");
  REQUIRE(pd);
  for (const wa::Node* ref : pd->children_by_tag("ref")) r.refs.push_back(util::to_string(ref->bytes()));
  r.client->send_node(wa::Node("iq", {{"to", wa::Jid::server_jid()}, {"type", "result"}, {"id", iq->attr("id")}}));
  return r;
}

// A full pairing: registration, scan, pair-device-sign, 515. Returns the device number.
uint16_t pair_companion(sim::Simulator& s, const CompanionKeys& k) {
  Registered r = register_companion(s, k);
  REQUIRE(s.scan(qr_string(r.refs.at(0), k)) == std::nullopt);
  auto iq = r.client->next_node();
  REQUIRE(iq);
  PairReply reply = answer_pair_success(*iq, k);
  REQUIRE(reply.error_text.empty());
  r.client->send_node(reply.reply);
  auto err = r.client->next_node();
  REQUIRE(err);
  CHECK(err->tag == "stream:error");
  CHECK(err->attr("code") == "515");
  CHECK(r.client->wait_closed(5s));
  auto out = s.wait_pairing_outcome(5s);
  REQUIRE(out.paired);
  return s.paired_devices().back().device;
}

}  // namespace

TEST_CASE("simulator: the upgrade needs the WhatsApp Web origin and the /ws/chat path", "[sim]") {
  sim::Simulator s;
  s.start();
  {
    MiniClient no_origin(s.ws_url(), "");
    CHECK(no_origin.wait_open() == 403);
  }
  {
    MiniClient other_origin(s.ws_url(), "https://example.com");
    CHECK(other_origin.wait_open() == 403);
  }
  {
    std::string url = s.ws_url();
    MiniClient wrong_path(url.substr(0, url.size() - std::string("/ws/chat").size()) + "/other");
    CHECK(wrong_path.wait_open() == 404);
  }
  MiniClient good(s.ws_url());
  CHECK(good.wait_open() == 101);
  CHECK(wait_until([&] { return s.connections() == 1; }, 5s));
}

TEST_CASE("simulator: registration then scan then pair-device-sign then 515 then login", "[sim]") {
  sim::SimOptions o;
  o.phone_number = "15550001111";
  o.lid_user = "99887766554433";
  sim::Simulator s(o);
  s.start();
  CompanionKeys k;
  Registered r = register_companion(s, k);

  // §6 step 1: six refs by default, none containing the QR field separator.
  REQUIRE(r.refs.size() == 6);
  for (const auto& ref : r.refs) {
    CHECK(!ref.empty());
    CHECK(ref.find(',') == std::string::npos);
  }
  CHECK(s.registrations() == 1);
  CHECK(wait_until([&] { return contains(s.history(), "pair-device-acked"); }, 5s));

  SECTION("scans that do not match a live connection are refused") {
    CompanionKeys other;
    CHECK(s.scan(qr_string(r.refs[0], other)).has_value());       // other noise key
    CHECK(s.scan(qr_string("2@unknown-ref", k)).has_value());       // ref never issued
    CHECK(s.scan("https://wa.me/settings/linked_devices#a,b,c,d,1").has_value());  // bad base64
    CHECK(s.scan("not a qr").has_value());
    CHECK(s.paired_devices().empty());
  }

  SECTION("pair-success is correctly signed and the companion's signature pairs it") {
    const int64_t before = static_cast<int64_t>(std::time(nullptr));
    // Any ref of the list works (the client rotates them); use the third.
    REQUIRE(s.scan(qr_string(r.refs[2], k)) == std::nullopt);
    auto iq = r.client->next_node();
    REQUIRE(iq);
    CHECK(iq->attr("type") == "set");
    CHECK(*iq->jid_attr("from") == wa::Jid::server_jid());
    CHECK(std::stoll(iq->attr("t")) >= before);
    const wa::Node* ps = iq->child("pair-success");
    REQUIRE(ps);
    REQUIRE(ps->child("platform"));
    CHECK(ps->child("platform")->attr("name") == "android");
    const wa::Node* dev = ps->child("device");
    REQUIRE(dev);
    auto jid = dev->jid_attr("jid");
    auto lid = dev->jid_attr("lid");
    REQUIRE(jid);
    REQUIRE(lid);
    CHECK(jid->user == "15550001111");
    CHECK(jid->server == "s.whatsapp.net");
    CHECK(jid->device == 2);  // the first companion of the account
    CHECK(lid->user == "99887766554433");
    CHECK(lid->server == "lid");
    CHECK(lid->device == 2);

    PairReply reply = answer_pair_success(*iq, k);  // verifies HMAC and account signature
    REQUIRE(reply.error_text.empty());
    wa::proto::ADVDeviceIdentity details;
    REQUIRE(details.ParseFromArray(reply.account_details.data(), int(reply.account_details.size())));
    CHECK(details.accounttype() == wa::proto::E2EE);
    CHECK(details.devicetype() == wa::proto::E2EE);
    CHECK(details.keyindex() >= 1);
    CHECK(static_cast<int64_t>(details.timestamp()) >= before);

    r.client->send_node(reply.reply);
    auto err = r.client->next_node();
    REQUIRE(err);
    CHECK(err->tag == "stream:error");
    CHECK(err->attr("code") == "515");
    CHECK(r.client->wait_closed(5s));

    auto out = s.wait_pairing_outcome(5s);
    CHECK(out.paired);
    CHECK(out.jid == "15550001111:2@s.whatsapp.net");
    REQUIRE(s.paired_devices().size() == 1);
    const sim::PairedDevice d = s.paired_devices()[0];
    CHECK(d.lid == "99887766554433:2@lid");
    CHECK(d.noise_pub == k.noise.pub_bytes());
    CHECK(d.identity_pub == k.identity.pub_bytes());
    CHECK(d.registration_id == k.registration_id);

    // §6 step 8 / §8: log in again with the same noise key and a login payload.
    MiniClient login(s.ws_url());
    REQUIRE(login.wait_open() == 101);
    login.handshake(k.noise, root_of(s), login_payload(15550001111ull, 2));
    auto success = login.next_node();
    REQUIRE(success);
    CHECK(success->tag == "success");
    REQUIRE(success->jid_attr("lid"));
    CHECK(success->jid_attr("lid")->str() == "99887766554433:2@lid");
    CHECK(std::stoll(success->attr("t")) >= before);
    CHECK(s.logins() == 1);
    CHECK(s.registrations() == 1);

    // §8 post-login: keepalive, prekey count, upload, count again, passive -> active.
    login.send_node(client_iq("p1", "w:p", "get"));
    auto pong = login.next_node();
    REQUIRE(pong);
    CHECK(pong->attr("type") == "result");
    CHECK(pong->attr("id") == "p1");

    login.send_node(client_iq("c1", "encrypt", "get", "count"));
    auto count = login.next_node();
    REQUIRE(count);
    REQUIRE(count->child("count"));
    CHECK(count->child("count")->attr("value") == "0");

    login.send_node(prekey_upload(k, 30));
    auto uploaded = login.next_node();
    REQUIRE(uploaded);
    CHECK(uploaded->attr("type") == "result");
    CHECK(uploaded->attr("id") == "up-1");

    login.send_node(client_iq("c2", "encrypt", "get", "count"));
    count = login.next_node();
    REQUIRE(count);
    CHECK(count->child("count")->attr("value") == "30");

    login.send_node(client_iq("a1", "passive", "set", "active"));
    auto active = login.next_node();
    REQUIRE(active);
    CHECK(active->attr("id") == "a1");
    CHECK(active->attr("type") == "result");
    auto ib = login.next_node();
    REQUIRE(ib);
    CHECK(ib->tag == "ib");

    CHECK(contains(s.received_iqs(), "encrypt get count"));
    CHECK(contains(s.received_iqs(), "passive set active"));
    CHECK(s.anomalies().empty());
  }
}

TEST_CASE("simulator: login is refused for a wrong noise key or an unknown device or a non-passive payload", "[sim]") {
  sim::Simulator s;
  s.start();
  CompanionKeys k;
  const uint16_t dev = pair_companion(s, k);
  const uint64_t phone = std::stoull(s.phone_number());

  struct Case { const char* name; bool other_key; uint32_t device; bool passive; const char* reason; };
  for (const Case& c : {Case{"other noise key", true, dev, true, "401"},
                        Case{"unknown device", false, uint32_t(dev + 40), true, "401"},
                        Case{"not passive", false, dev, false, "400"}}) {
    INFO(c.name);
    MiniClient login(s.ws_url());
    REQUIRE(login.wait_open() == 101);
    const auto key = c.other_key ? util::curve::KeyPair::generate() : k.noise;
    login.handshake(key, root_of(s), login_payload(phone, c.device, c.passive));
    auto failure = login.next_node();
    REQUIRE(failure);
    CHECK(failure->tag == "failure");
    CHECK(failure->attr("reason") == c.reason);
    CHECK(login.wait_closed(5s));
  }
  CHECK(s.logins() == 0);
}

TEST_CASE("simulator: registration payloads that break §4 get failure 400", "[sim]") {
  sim::Simulator s;
  s.start();
  for (PayloadFaults f : {PayloadFaults{true, false}, PayloadFaults{false, true}}) {
    CompanionKeys k;
    MiniClient c(s.ws_url());
    REQUIRE(c.wait_open() == 101);
    c.handshake(k.noise, root_of(s), registration_payload(k, f));
    auto failure = c.next_node();
    REQUIRE(failure);
    CHECK(failure->tag == "failure");
    CHECK(failure->attr("reason") == "400");
    CHECK(c.wait_closed(5s));
  }
  CHECK(s.registrations() == 0);
}

TEST_CASE("simulator: an old client revision gets failure 405", "[sim]") {
  sim::SimOptions o;
  o.min_client_revision = 1045649368;  // one above the version fake_companion announces
  sim::Simulator s(o);
  s.start();
  CompanionKeys k;
  MiniClient c(s.ws_url());
  REQUIRE(c.wait_open() == 101);
  c.handshake(k.noise, root_of(s), registration_payload(k));
  auto failure = c.next_node();
  REQUIRE(failure);
  CHECK(failure->attr("reason") == "405");
}

TEST_CASE("simulator: tampered pair-success is caught by a spec-following companion", "[sim]") {
  sim::Simulator s;
  s.start();
  struct Case { sim::ScanOptions opts; const char* expected; };
  for (const Case& c : {Case{{true, false}, "hmac-mismatch"}, Case{{false, true}, "signature-mismatch"}}) {
    INFO(c.expected);
    CompanionKeys k;
    Registered r = register_companion(s, k);
    REQUIRE(s.scan(qr_string(r.refs[0], k), c.opts) == std::nullopt);
    auto iq = r.client->next_node();
    REQUIRE(iq);
    PairReply reply = answer_pair_success(*iq, k);
    CHECK(reply.error_text == c.expected);
    r.client->send_node(reply.reply);
    auto out = s.wait_pairing_outcome(5s);
    CHECK(out.answered);
    CHECK(!out.paired);
    REQUIRE(s.last_pairing_error());
    CHECK(s.last_pairing_error()->from_client);
    CHECK(s.last_pairing_error()->code == "401");
    CHECK(s.last_pairing_error()->text == c.expected);
  }
  CHECK(s.paired_devices().empty());
  CHECK(s.anomalies().empty());
}

TEST_CASE("simulator: a wrong pair-device-sign is refused and nothing is paired", "[sim]") {
  sim::Simulator s;
  s.start();
  for (ReplyFaults f : {ReplyFaults{true, false}, ReplyFaults{false, true}}) {
    CompanionKeys k;
    Registered r = register_companion(s, k);
    REQUIRE(s.scan(qr_string(r.refs[0], k)) == std::nullopt);
    auto iq = r.client->next_node();
    REQUIRE(iq);
    r.client->send_node(answer_pair_success(*iq, k, f).reply);
    auto out = s.wait_pairing_outcome(5s);
    CHECK(out.answered);
    CHECK(!out.paired);
    REQUIRE(out.error);
    CHECK(!out.error->from_client);
    CHECK(r.client->wait_closed(5s));
  }
  CHECK(s.paired_devices().empty());
}

TEST_CASE("simulator: a companion that accepts a tampered pair-success is flagged", "[sim]") {
  sim::Simulator s;
  s.start();
  CompanionKeys k;
  Registered r = register_companion(s, k);
  REQUIRE(s.scan(qr_string(r.refs[0], k), sim::ScanOptions{false, true}) == std::nullopt);
  auto iq = r.client->next_node();
  REQUIRE(iq);
  // Build the reply a careless companion would send: sign anyway.
  wa::proto::ADVSignedDeviceIdentityHMAC wrapper;
  util::Bytes raw = iq->child("pair-success")->child("device-identity")->bytes();
  REQUIRE(wrapper.ParseFromArray(raw.data(), int(raw.size())));
  wa::proto::ADVSignedDeviceIdentity account;
  REQUIRE(account.ParseFromString(wrapper.details()));
  wa::proto::ADVDeviceIdentity details;
  REQUIRE(details.ParseFromString(account.details()));
  const util::Bytes d = util::to_bytes(account.details()), own = k.identity.pub_bytes(),
                    phone = util::to_bytes(account.accountsignaturekey()), pre{0x06, 0x01};
  account.set_devicesignature(util::to_string(util::curve::sign(k.identity.priv, util::concat({&pre, &d, &own, &phone}))));
  account.clear_accountsignaturekey();
  std::string out_bytes;
  account.SerializeToString(&out_bytes);
  r.client->send_node(wa::Node(
      "iq", {{"to", wa::Jid::server_jid()}, {"type", "result"}, {"id", iq->attr("id")}},
      wa::NodeList{wa::Node("pair-device-sign", {},
                            wa::NodeList{wa::Node("device-identity",
                                                  {{"key-index", std::to_string(details.keyindex())}},
                                                  util::to_bytes(out_bytes))})}));
  auto out = s.wait_pairing_outcome(5s);
  CHECK(!out.paired);
  REQUIRE(out.error);
  CHECK(out.error->text.find("tampered") != std::string::npos);
  CHECK(s.paired_devices().empty());
}

TEST_CASE("simulator: a prekey upload with a bad signed-prekey signature is refused", "[sim]") {
  sim::Simulator s;
  s.start();
  CompanionKeys k;
  const uint16_t dev = pair_companion(s, k);
  MiniClient login(s.ws_url());
  REQUIRE(login.wait_open() == 101);
  login.handshake(k.noise, root_of(s), login_payload(std::stoull(s.phone_number()), dev));
  auto success = login.next_node();
  REQUIRE(success);
  REQUIRE(success->tag == "success");
  login.send_node(prekey_upload(k, 5, /*bad_skey_signature=*/true));
  auto reply = login.next_node();
  REQUIRE(reply);
  CHECK(reply->attr("type") == "error");
  REQUIRE(reply->child("error"));
  CHECK(reply->child("error")->attr("code") == "400");
  CHECK(s.paired_devices().at(0).prekeys_uploaded == 0);
}

TEST_CASE("simulator: certificate faults make the client's chain check fail", "[sim]") {
  struct Case { sim::CertFaults faults; wa::CertError expected; };
  sim::CertFaults leaf_mismatch, expired, bad_issuer;
  leaf_mismatch.leaf_key_mismatch = true;
  expired.expired_leaf = true;
  bad_issuer.bad_intermediate_issuer = true;
  for (const Case& c : {Case{leaf_mismatch, wa::CertError::leaf_key_mismatch},
                        Case{expired, wa::CertError::leaf_expired},
                        Case{bad_issuer, wa::CertError::bad_intermediate_issuer}}) {
    INFO(wa::describe(c.expected));
    sim::SimOptions o;
    o.cert_faults = c.faults;
    sim::Simulator s(o);
    s.start();
    CompanionKeys k;
    MiniClient client(s.ws_url());
    REQUIRE(client.wait_open() == 101);
    try {
      client.handshake(k.noise, root_of(s), registration_payload(k));
      FAIL("handshake succeeded against a faulty chain");
    } catch (const wa::HandshakeError& e) {
      CHECK(e.cert == c.expected);
    }
  }
  // A healthy simulator, but the client trusts another root.
  sim::Simulator s;
  s.start();
  CompanionKeys k;
  MiniClient client(s.ws_url());
  REQUIRE(client.wait_open() == 101);
  CHECK_THROWS_AS(client.handshake(k.noise, util::curve::KeyPair::generate().pub, registration_payload(k)),
                  wa::HandshakeError);
  CHECK(s.registrations() == 0);
}

TEST_CASE("simulator: frames are reassembled across WebSocket messages; a wrong intro closes", "[sim]") {
  sim::Simulator s;
  s.start();
  {
    // The client hello split into 1-byte WebSocket messages still gets a server hello (§1).
    MiniClient c(s.ws_url());
    REQUIRE(c.wait_open() == 101);
    wa::ClientHandshake hs(util::curve::KeyPair::generate(), root_of(s), std::time(nullptr));
    util::Bytes first(std::begin(wa::socket::kIntroHeader), std::end(wa::socket::kIntroHeader));
    util::Bytes hello = wa::socket::encode_frame(hs.client_hello());
    first.insert(first.end(), hello.begin(), hello.end());
    CHECK(first.size() == 43);  // §1 checklist: 4 + 3 + 36
    for (uint8_t b : first) c.send_raw(util::Bytes{b});
    CHECK(c.next_frame(5s).has_value());
  }
  {
    MiniClient c(s.ws_url());
    REQUIRE(c.wait_open() == 101);
    c.send_raw(util::Bytes{'W', 'A', 5, 2, 0, 0, 1, 0});
    CHECK(c.wait_closed(5s));
    CHECK(!c.next_frame(100ms).has_value());
  }
}
