// Retry receipt pieces (PROTOCOL.md §10 step 7; whatsmeow retry.go sendRetryReceipt /
// handleRetryReceipt, prekeys.go nodeToPreKeyBundle): the receipt we send, reading one we get,
// the single-device resend, and the bounded buffers behind them.
#include <catch2/catch.hpp>

#include "node_helpers.hpp"
#include "util/bytes.hpp"
#include "wa/retry.hpp"

using util::Bytes;
using wa::Node;
using wa::NodeList;
using Attrs = std::vector<std::pair<std::string, wa::AttrValue>>;

namespace {

const Bytes& bytes_of(const Node* n) {
  REQUIRE(n != nullptr);
  const Bytes* b = std::get_if<Bytes>(&n->content);
  REQUIRE(b != nullptr);
  return *b;
}

// An undecryptable message as the server delivers it.
Node incoming(const std::string& id) {
  return wire(Node("message",
                   Attrs{{"from", J("987654321098765:7@lid")}, {"id", id}, {"t", "1700000000"},
                         {"type", "text"}, {"recipient", J("111@lid")}},
                   NodeList{Node("enc", Attrs{{"v", "2"}, {"type", "msg"}}, Bytes{1, 2, 3})}));
}

wa::store::Device test_device() {
  auto d = wa::store::Device::generate();
  d.registration_id = 0x01020304;
  d.account = Bytes{0x0a, 0x02, 0xde, 0xad};
  return d;
}

wa::store::Store::PreKey test_key(uint32_t id) {
  return wa::store::Store::PreKey{id, util::curve::KeyPair::generate(), false};
}

// The receipt as the peer receives it: the server relays it with `from` = our device.
Node as_received(Node receipt, const char* our_device) {
  receipt.attrs.erase(std::remove_if(receipt.attrs.begin(), receipt.attrs.end(),
                                     [](const auto& a) { return a.first == "to"; }),
                      receipt.attrs.end());
  receipt.set_attr("from", J(our_device));
  return wire(receipt);
}

}  // namespace

TEST_CASE("retry receipt: the first one names the message and our registration, no keys", "[retry]") {
  const auto device = test_device();
  const Node r = wire(wa::make_retry_receipt(incoming("3EB0AA"), 1, device, std::nullopt));
  CHECK(r.tag == "receipt");
  CHECK(r.attr("id") == "3EB0AA");
  CHECK(r.attr("to") == "987654321098765:7@lid");
  CHECK(r.attr("recipient") == "111@lid");  // copied, as whatsmeow buildBaseReceipt does
  CHECK(r.attr("type") == "retry");
  CHECK(r.find_attr("category") == nullptr);
  const Node* retry = r.child("retry");
  REQUIRE(retry);
  CHECK(retry->attr("count") == "1");
  CHECK(retry->attr("id") == "3EB0AA");
  CHECK(retry->attr("t") == "1700000000");
  CHECK(retry->attr("v") == "1");
  CHECK(bytes_of(r.child("registration")) == Bytes{0x01, 0x02, 0x03, 0x04});  // 4 bytes BE
  CHECK(r.child("keys") == nullptr);
}

TEST_CASE("retry receipt: from the second one the keys form a bundle the peer can use", "[retry]") {
  const auto device = test_device();
  const auto key = test_key(0x0A0B0C);
  const Node r = wire(wa::make_retry_receipt(incoming("3EB0BB"), 2, device, key));
  const Node* keys = r.child("keys");
  REQUIRE(keys);
  CHECK(bytes_of(keys->child("type")) == Bytes{0x05});
  CHECK(bytes_of(keys->child("identity")) ==
        Bytes(device.identity_key.pub.begin(), device.identity_key.pub.end()));
  CHECK(bytes_of(keys->child("key")->child("id")) == Bytes{0x0A, 0x0B, 0x0C});  // 3 bytes BE
  CHECK(bytes_of(keys->child("skey")->child("signature")).size() == 64);
  CHECK(bytes_of(keys->child("device-identity")) == device.account);

  // Read back the way the peer reads it (nodeToPreKeyBundle over the whole receipt).
  auto parsed = wa::parse_retry_receipt(as_received(r, "15551234567:3@s.whatsapp.net"), 3);
  REQUIRE(std::holds_alternative<wa::RetryRequest>(parsed));
  const auto& req = std::get<wa::RetryRequest>(parsed);
  CHECK(req.count == 2);
  CHECK(req.message_id == "3EB0BB");
  REQUIRE(req.bundle);
  CHECK(req.bundle->registration_id == device.registration_id);
  CHECK(req.bundle->device_id == 3);
  CHECK(req.bundle->identity_key == device.identity_key.pub);
  REQUIRE(req.bundle->pre_key);
  CHECK(req.bundle->pre_key->first == 0x0A0B0C);
  CHECK(req.bundle->pre_key->second == key.key.pub);
  CHECK(req.bundle->signed_pre_key_id == device.signed_pre_key.id);
  CHECK(req.bundle->signed_pre_key == device.signed_pre_key.key.pub);
  CHECK(req.bundle->signed_pre_key_signature == device.signed_pre_key.signature);
}

TEST_CASE("retry receipt: keys are required from the second, peer category kept", "[retry]") {
  const auto device = test_device();
  CHECK_THROWS(wa::make_retry_receipt(incoming("X"), 2, device, std::nullopt));
  Node peer = incoming("3EB0CC");
  peer.set_attr("category", "peer");
  CHECK(wire(wa::make_retry_receipt(peer, 1, device, std::nullopt)).attr("category") == "peer");
}

TEST_CASE("retry receipt parsing refuses what cannot be answered", "[retry]") {
  auto parse = [](Node n) { return wa::parse_retry_receipt(wire(n), 7); };
  auto base = [](NodeList children) {
    return Node("receipt", Attrs{{"from", J("9:7@lid")}, {"id", "M"}, {"type", "retry"}},
                std::move(children));
  };
  CHECK(std::holds_alternative<std::string>(parse(base({}))));
  CHECK(std::holds_alternative<std::string>(parse(base({Node("retry", Attrs{{"id", "M"}, {"count", "0"}})}))));
  CHECK(std::holds_alternative<std::string>(parse(base({Node("retry", Attrs{{"id", "M"}, {"count", "x"}})}))));
  CHECK(std::holds_alternative<std::string>(parse(base({Node("retry", Attrs{{"count", "1"}})}))));
  // Keys without a usable bundle (no registration, no signed prekey).
  CHECK(std::holds_alternative<std::string>(
      parse(base({Node("retry", Attrs{{"id", "M"}, {"count", "2"}}), Node("keys", Attrs{}, NodeList{})}))));
  auto ok = parse(base({Node("retry", Attrs{{"id", "M"}, {"count", "3"}, {"t", "5"}})}));
  REQUIRE(std::holds_alternative<wa::RetryRequest>(ok));
  CHECK(std::get<wa::RetryRequest>(ok).count == 3);
  CHECK(std::get<wa::RetryRequest>(ok).t == "5");
  CHECK_FALSE(std::get<wa::RetryRequest>(ok).bundle);
}

TEST_CASE("retry resend: one device, original id and time, count on the enc", "[retry]") {
  const Node receipt = wire(Node("receipt", Attrs{{"from", J("9:7@lid")}, {"id", "M"}, {"type", "retry"}}));
  wa::RetryRequest req;
  req.message_id = "3EB0DD";
  req.count = 2;
  req.t = "1700000001";
  const Bytes account{1, 2, 3};
  const Node msg = wire(wa::make_retry_resend(receipt, req, {J("9:7@lid"), "msg", Bytes{9, 9}}, account));
  CHECK(msg.tag == "message");
  CHECK(msg.attr("to") == "9:7@lid");
  CHECK(msg.attr("id") == "3EB0DD");
  CHECK(msg.attr("t") == "1700000001");
  CHECK(msg.attr("type") == "text");
  CHECK(msg.attr("device_fanout") == "false");
  CHECK(msg.child("participants") == nullptr);
  const Node* enc = msg.child("enc");
  REQUIRE(enc);
  CHECK(enc->attr("v") == "2");
  CHECK(enc->attr("type") == "msg");
  CHECK(enc->attr("count") == "2");
  CHECK(msg.child("device-identity") == nullptr);  // only with a pkmsg (§9)

  const Node pk = wire(wa::make_retry_resend(receipt, req, {J("9:7@lid"), "pkmsg", Bytes{9}}, account));
  CHECK(bytes_of(pk.child("device-identity")) == account);
}

TEST_CASE("bounded counter forgets the oldest key", "[retry]") {
  wa::BoundedCounter c(2);
  CHECK(c.increment("a") == 1);
  CHECK(c.increment("a") == 2);
  c.increment("b");
  c.increment("c");
  CHECK(c.get("a") == 0);
  CHECK(c.get("b") == 1);
  CHECK(c.get("c") == 1);
}
