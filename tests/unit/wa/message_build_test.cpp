// Outgoing text message pieces (PROTOCOL.md §9; whatsmeow send.go / message.go): message ids,
// the Message and DeviceSentMessage protobufs (checked against hand-encoded protobuf bytes),
// padding, the <message> stanza and the participant hash vector of §9.
#include <catch2/catch.hpp>

#include <regex>
#include <set>

#include "adv.pb.h"
#include "e2e.pb.h"
#include "util/bytes.hpp"
#include "wa/binary/codec.hpp"
#include "node_helpers.hpp"
#include "wa/message_build.hpp"

using util::Bytes;
using wa::Jid;
using wa::Node;
using wa::NodeList;
using Attrs = std::vector<std::pair<std::string, wa::AttrValue>>;

namespace {


wa::proto::Message parse_message(const Bytes& b) {
  wa::proto::Message m;
  REQUIRE(m.ParseFromArray(b.data(), int(b.size())));
  return m;
}

}  // namespace

TEST_CASE("message ids have WhatsApp Web's 3EB0 + 18 hex form and are unique", "[message]") {
  const std::regex form("^3EB0[0-9A-F]{18}$");
  std::set<std::string> seen;
  for (int i = 0; i < 5000; ++i) {
    const std::string id = wa::new_message_id("15551234567", 1700000000);  // same second
    CHECK(id.size() == 22);
    CHECK(std::regex_match(id, form));
    seen.insert(id);
  }
  CHECK(seen.size() == 5000);
  // Before pairing whatsmeow leaves the user part out; the form is the same.
  CHECK(std::regex_match(wa::new_message_id("", 0), form));
}

TEST_CASE("text message is Message{conversation}", "[message]") {
  // Hand-encoded protobuf: field 1, wire type 2 (0x0A), length 2, "hi".
  CHECK(wa::text_message("hi") == Bytes{0x0A, 0x02, 'h', 'i'});
  for (const std::string& text : {std::string("hello"), std::string("h\xC3\xA9llo \xF0\x9F\x91\x8B"),
                                 std::string("\xD7\xA9\xD7\x9C\xD7\x95\xD7\x9D"), std::string(65536, 'x')}) {
    const auto m = parse_message(wa::text_message(text));
    CHECK(m.conversation() == text);
    CHECK_FALSE(m.has_devicesentmessage());
    CHECK_FALSE(m.has_extendedtextmessage());
  }
}

TEST_CASE("DeviceSentMessage wraps the text with its destination", "[message]") {
  // Field 31 wire type 2 = varint 0xFA 0x01; inner: destinationJID(1) "a@lid", message(2)
  // { conversation(1) "hi" }.
  const Bytes expected = {0xFA, 0x01, 0x0D, 0x0A, 0x05, 'a', '@', 'l', 'i', 'd',
                          0x12, 0x04, 0x0A, 0x02, 'h',  'i'};
  CHECK(wa::device_sent_text_message("a@lid", "hi") == expected);
  const auto m = parse_message(wa::device_sent_text_message("123456789012345@lid", "hello \xF0\x9F\x98\x80"));
  REQUIRE(m.has_devicesentmessage());
  CHECK(m.devicesentmessage().destinationjid() == "123456789012345@lid");
  CHECK(m.devicesentmessage().message().conversation() == "hello \xF0\x9F\x98\x80");
  CHECK_FALSE(m.has_conversation());
}

TEST_CASE("padding appends n bytes of value n, n in 1..15", "[message]") {
  const Bytes plain = {0x0A, 0x02, 'h', 'i'};
  std::set<int> lengths;
  for (int i = 0; i < 3000; ++i) {
    const Bytes padded = wa::pad_message(plain);
    REQUIRE(padded.size() > plain.size());
    const size_t n = padded.size() - plain.size();
    REQUIRE(n >= 1);
    REQUIRE(n <= 15);
    CHECK(Bytes(padded.begin(), padded.begin() + plain.size()) == plain);
    for (size_t k = plain.size(); k < padded.size(); ++k) REQUIRE(padded[k] == n);
    lengths.insert(int(n));
    REQUIRE(wa::unpad_message(padded) == plain);
  }
  CHECK(lengths.size() == 15);  // every length occurs (p(miss) < 1e-80)
}

TEST_CASE("unpad accepts every valid padding and strips it", "[message]") {
  const Bytes plain = {1, 2, 3, 16};
  for (int n = 1; n <= 16; ++n) {  // 16: Baileys pads up to 16
    Bytes padded = plain;
    padded.insert(padded.end(), size_t(n), uint8_t(n));
    INFO(n);
    CHECK(wa::unpad_message(padded) == plain);
  }
  CHECK(wa::unpad_message(Bytes{1}) == Bytes{});
  CHECK(wa::unpad_message(Bytes{3, 3, 3}) == Bytes{});
}

TEST_CASE("unpad refuses bad padding", "[message]") {
  CHECK_FALSE(wa::unpad_message(Bytes{}));
  CHECK_FALSE(wa::unpad_message(Bytes{1, 2, 0}));          // n = 0
  CHECK_FALSE(wa::unpad_message(Bytes{4, 4, 4}));          // n > size
  CHECK_FALSE(wa::unpad_message(Bytes{9, 9, 2, 3, 3}));    // 3 bytes claimed, 2 equal 3
  CHECK_FALSE(wa::unpad_message(Bytes{'h', 'i', 1, 2}));   // 2 bytes claimed, one is 1
  CHECK_FALSE(wa::unpad_message(Bytes{'h', 'i', 0xFF}));
}

TEST_CASE("message stanza: participants, device identity iff pkmsg, peer_recipient_pn", "[message]") {
  wa::proto::ADVSignedDeviceIdentity account;
  account.set_details("details");
  account.set_accountsignaturekey(std::string(32, '\x11'));
  account.set_accountsignature(std::string(64, '\x22'));
  account.set_devicesignature(std::string(64, '\x33'));
  const std::string acc = account.SerializeAsString();
  const Bytes account_bytes(acc.begin(), acc.end());

  const std::vector<wa::DeviceCiphertext> copies = {
      {J("123456789012345@lid"), "pkmsg", Bytes{1, 2, 3}},
      {J("123456789012345:5@lid"), "msg", Bytes(300, 0x44)},
      {J("987654321098765:2@lid"), "msg", Bytes{9}},
      {J("15551234567:99@hosted"), "pkmsg", Bytes{7, 7}},
  };
  const Node built = wa::make_message_stanza("3EB0ABCDEF0123456789AB", J("123456789012345@lid"),
                                             J("15551234567@s.whatsapp.net"), copies, account_bytes);

  SECTION("decoded") {
    const Node msg = wire(built);
    CHECK(msg.tag == "message");
    CHECK(msg.attr("id") == "3EB0ABCDEF0123456789AB");
    CHECK(msg.attr("type") == "text");
    REQUIRE(msg.find_attr("to"));
    CHECK(msg.find_attr("to")->is_jid());
    CHECK(msg.jid_attr("to") == J("123456789012345@lid"));
    REQUIRE(msg.find_attr("peer_recipient_pn"));
    CHECK(msg.find_attr("peer_recipient_pn")->is_jid());
    CHECK(msg.attr("peer_recipient_pn") == "15551234567@s.whatsapp.net");
    CHECK(msg.attrs.size() == 4);
    REQUIRE(msg.children());
    REQUIRE(msg.children()->size() == 2);
    const Node& parts = msg.children()->at(0);
    CHECK(parts.tag == "participants");
    const auto to = parts.children_by_tag("to");
    REQUIRE(to.size() == copies.size());
    for (size_t i = 0; i < copies.size(); ++i) {
      CHECK(to[i]->jid_attr("jid") == copies[i].device);
      REQUIRE(to[i]->children());
      REQUIRE(to[i]->children()->size() == 1);
      const Node& enc = to[i]->children()->front();
      CHECK(enc.tag == "enc");
      CHECK(enc.attr("v") == "2");
      CHECK(enc.attr("type") == copies[i].type);
      CHECK(enc.attrs.size() == 2);
      CHECK(enc.bytes() == copies[i].data);
    }
    const Node& di = msg.children()->at(1);
    CHECK(di.tag == "device-identity");
    CHECK(di.bytes() == account_bytes);
    // The full account, accountSignatureKey (field 2) included (§9).
    wa::proto::ADVSignedDeviceIdentity back;
    const Bytes dib = di.bytes();
    REQUIRE(back.ParseFromArray(dib.data(), int(dib.size())));
    CHECK(back.accountsignaturekey() == std::string(32, '\x11'));
  }

  SECTION("same bytes as the hand-built stanza") {
    NodeList to;
    for (const auto& c : copies)
      to.emplace_back("to", Attrs{{"jid", c.device}},
                      NodeList{Node("enc", {{"v", "2"}, {"type", c.type}}, c.data)});
    const Node expected("message",
                        {{"id", "3EB0ABCDEF0123456789AB"}, {"to", J("123456789012345@lid")}, {"type", "text"},
                         {"peer_recipient_pn", J("15551234567@s.whatsapp.net")}},
                        NodeList{Node("participants", {}, std::move(to)),
                                 Node("device-identity", {}, account_bytes)});
    CHECK(wa::encode_node(built) == wa::encode_node(expected));
  }

  SECTION("only msg copies: no device identity; no peer pn when not given") {
    const std::vector<wa::DeviceCiphertext> msgs = {copies[1], copies[2]};
    const Node msg = wire(wa::make_message_stanza("3EB0000000000000000000", J("15551234567@s.whatsapp.net"),
                                                  std::nullopt, msgs, account_bytes));
    CHECK_FALSE(msg.find_attr("peer_recipient_pn"));
    CHECK(msg.attrs.size() == 3);
    REQUIRE(msg.children());
    REQUIRE(msg.children()->size() == 1);
    CHECK(msg.children()->front().tag == "participants");
    CHECK_FALSE(msg.child("device-identity"));
    // msg-only sends do not need the account.
    CHECK_NOTHROW(wa::make_message_stanza("3EB0000000000000000000", J("1@lid"), std::nullopt, msgs, {}));
  }

  SECTION("refused inputs") {
    CHECK_THROWS_AS(wa::make_message_stanza("x", J("1@lid"), std::nullopt,
                                            {{J("1:1@lid"), "skmsg", Bytes{1}}}, account_bytes),
                    std::invalid_argument);
    CHECK_THROWS_AS(wa::make_message_stanza("x", J("1@lid"), std::nullopt, {copies[0]}, {}),
                    std::invalid_argument);
  }
}

TEST_CASE("participant hash: the §9 vector", "[message]") {
  const std::vector<Jid> set = {J("12345678901@s.whatsapp.net"), J("12345678901:3@s.whatsapp.net"),
                                J("98765432109@s.whatsapp.net")};
  CHECK(wa::participant_hash(set) == "2:+l4KA/Vt");
  // Order does not matter: the device strings are sorted.
  CHECK(wa::participant_hash({set[2], set[0], set[1]}) == "2:+l4KA/Vt");
  // Another set hashes differently; the form is always "2:" + 8 base64 characters.
  const std::string other = wa::participant_hash({J("12345678901:3@s.whatsapp.net"), J("1@lid")});
  CHECK(other != "2:+l4KA/Vt");
  CHECK(other.size() == 10);
  CHECK(std::regex_match(other, std::regex("^2:[A-Za-z0-9+/]{8}$")));
}
