// Encoder and decoder against hand-written byte layouts (PROTOCOL.md §5; whatsmeow
// binary/encoder.go, binary/decoder.go, binary/unpack.go).
#include <zlib.h>

#include <catch2/catch.hpp>
#include <string>

#include "wa/binary/codec.hpp"
#include "hex_text.hpp"

using namespace wa;

namespace {


Bytes cat(Bytes a, const Bytes& b) {
  a.insert(a.end(), b.begin(), b.end());
  return a;
}

Bytes pattern(size_t n) {
  Bytes b(n);
  for (size_t i = 0; i < n; ++i) b[i] = uint8_t(i * 31 + 7);
  return b;
}

Node decode_hex(const std::string& text) {
  Bytes b = hx(text);
  return decode_node(b.data(), b.size());
}

const Jid kServer = Jid::server_jid();

}  // namespace

TEST_CASE("PROTOCOL.md §5 vectors encode byte-exactly and round-trip", "[binary][codec]") {
  struct V {
    Node node;
    const char* hex;
  };
  const V vectors[] = {
      {Node("iq", {{"id", "1.2-3"}, {"xmlns", "w:p"}, {"type", "get"}, {"to", kServer}}),
       "00 f8 09 19 08 ff 83 1b 2a 3f 16 57 04 29 11 fa 00 03"},
      {Node("iq", {{"id", "1.2-3"}, {"xmlns", "passive"}, {"type", "set"}, {"to", kServer}},
            NodeList{Node("active")}),
       "00 f8 0a 19 08 ff 83 1b 2a 3f 16 ec 18 04 5a 11 fa 00 03 f8 01 f8 01 ec 01"},
      {Node("iq", {{"id", "1.2-4"}, {"xmlns", "encrypt"}, {"type", "get"}, {"to", kServer}},
            NodeList{Node("count")}),
       "00 f8 0a 19 08 ff 83 1b 2a 4f 16 cb 04 29 11 fa 00 03 f8 01 f8 01 41"},
      {Node("ack", {{"id", "3EB0A1B2C3D4E5F6A7B8C9"},
                    {"to", Jid{"12345678901", 0, 3, 0, kServerJid}},
                    {"class", "receipt"},
                    {"type", "read"}}),
       "00 f8 09 1b 08 fb 0b 3e b0 a1 b2 c3 d4 e5 f6 a7 b8 c9 11 f7 00 03 ff 86 12 34 56 78 90 1f "
       "15 07 04 2a"},
      {Node("presence", {{"type", "available"}, {"name", "Bot"}}),
       "00 f8 05 1f 04 88 89 fc 03 42 6f 74"},
  };
  for (const auto& v : vectors) {
    INFO(v.node.to_debug_string());
    const Bytes expected = hx(v.hex);
    CHECK(marshal(v.node) == expected);
    CHECK(encode_node(v.node) == Bytes(expected.begin() + 1, expected.end()));
    CHECK(unmarshal(expected) == v.node);
  }
}

TEST_CASE("dictionary bytes 236..239 decode to the double-byte tables", "[binary][codec]") {
  CHECK(decode_hex("f8 01 ec 18").tag == "passive");      // (0,24)
  CHECK(decode_hex("f8 01 ed ee").tag == "pair-device");  // (1,238)
  CHECK(decode_hex("f8 01 ee 3c").tag == "failure");      // (2,60)
  CHECK(decode_hex("f8 01 ef 1e").tag == "keys");         // (3,30)
  // And the encoder picks the same indices.
  CHECK(encode_node(Node("keys")) == hx("f8 01 ef 1e"));
  CHECK(encode_node(Node("pair-device")) == hx("f8 01 ed ee"));
  // Bytes 240..244 are no tag.
  for (int t = 240; t <= 244; ++t) {
    Bytes b{0xf8, 0x01, uint8_t(t)};
    CHECK_THROWS_AS(decode_node(b.data(), b.size()), DecodeError);
  }
}

TEST_CASE("a zlib-compressed frame (flags & 2) decodes", "[binary][codec][zlib]") {
  const Bytes node = hx("f8 09 19 08 ff 83 1b 2a 3f 16 57 04 29 11 fa 00 03");
  uLongf zlen = compressBound(node.size());
  Bytes z(zlen);
  REQUIRE(compress(z.data(), &zlen, node.data(), node.size()) == Z_OK);
  z.resize(zlen);
  REQUIRE(z[0] == 0x78);  // RFC 1950 header
  const Node expected("iq", {{"id", "1.2-3"}, {"xmlns", "w:p"}, {"type", "get"}, {"to", kServer}});
  CHECK(unmarshal(cat(Bytes{0x02}, z)) == expected);
  CHECK(unmarshal(cat(Bytes{0x06}, z)) == expected);  // other flag bits are ignored

  // Truncated or corrupt zlib streams, and a compressed frame read as plain, are errors.
  Bytes truncated(z.begin(), z.end() - 3);
  CHECK_THROWS_AS(unmarshal(cat(Bytes{0x02}, truncated)), DecodeError);
  Bytes corrupt = z;
  corrupt[0] = 0x00;
  CHECK_THROWS_AS(unmarshal(cat(Bytes{0x02}, corrupt)), DecodeError);
  CHECK_THROWS_AS(unmarshal(cat(Bytes{0x00}, z)), DecodeError);
}

TEST_CASE("inflated output is capped at 16 MiB", "[binary][codec][zlib]") {
  // 17 MiB of zeros compress to ~17 KiB: a small frame must not inflate without limit.
  Bytes big(17u << 20, 0);
  uLongf zlen = compressBound(big.size());
  Bytes z(zlen);
  REQUIRE(compress(z.data(), &zlen, big.data(), big.size()) == Z_OK);
  z.resize(zlen);
  CHECK_THROWS_AS(unmarshal(cat(Bytes{0x02}, z)), DecodeError);
}

TEST_CASE("AD_JID with device 0 and JID_PAIR decode to the same JID", "[binary][codec][jid]") {
  const Jid jid = Jid::user_jid("12345678901");
  const Node ad = decode_hex("f8 03 1b 11 f7 00 00 ff 86 12 34 56 78 90 1f");
  const Node pair = decode_hex("f8 03 1b 11 fa ff 86 12 34 56 78 90 1f 03");
  REQUIRE(ad.jid_attr("to").has_value());
  CHECK(*ad.jid_attr("to") == jid);
  CHECK(ad == pair);
  // whatsmeow writes JID_PAIR for device 0.
  CHECK(encode_node(ad) == hx("f8 03 1b 11 fa ff 86 12 34 56 78 90 1f 03"));
}

TEST_CASE("all JID forms decode and encode", "[binary][codec][jid]") {
  struct Row {
    const char* jid_hex;  // the attribute value bytes
    Jid jid;
    bool encodes_same;  // our encoder writes exactly these bytes back
  };
  const Row rows[] = {
      // AD_JID domains: 0 (s.whatsapp.net), 1 (lid), 128 (hosted), 129 (hosted.lid), agent.
      {"f7 00 03 ff 86 12 34 56 78 90 1f", {"12345678901", 0, 3, 0, kServerJid}, true},
      {"f7 01 07 ff 05 12 34 56 78 90", {"1234567890", 0, 7, 0, kLidServer}, true},
      {"f7 80 63 ff 86 12 34 56 78 90 1f", {"12345678901", 0, 99, 0, kHostedServer}, true},
      {"f7 81 00 ff 05 12 34 56 78 90", {"1234567890", 0, 0, 0, kHostedLidServer}, true},
      {"f7 05 02 ff 86 12 34 56 78 90 1f", {"12345678901", 5, 2, 0, kServerJid}, false},
      // JID_PAIR: user + server; no user = server JID; non-token server is a raw string.
      {"fa ff 86 12 34 56 78 90 1f 03", Jid::user_jid("12345678901"), true},
      {"fa 00 03", Jid::server_jid(), true},
      {"fa 00 1c", Jid::user_jid("", kGroupServer), true},
      {"fa ff 05 12 34 56 78 90 76", Jid::user_jid("1234567890", kLidServer), true},
      {"fa 0b 0d", Jid::user_jid("status", "broadcast"), true},
      {"fa fc 06 73 74 61 74 75 73 fc 09 62 72 6f 61 64 63 61 73 74", Jid::user_jid("status", "broadcast"),
       false},
      // FB_JID: user, u16 device, server "msgr" (token 204).
      {"f6 ff 08 10 00 00 00 00 00 00 01 00 07 cc", {"1000000000000001", 0, 7, 0, "msgr"}, true},
      // INTEROP_JID: user, u16 device, u16 integrator, server "interop" (raw).
      {"f5 ff 02 12 34 00 01 01 02 fc 07 69 6e 74 65 72 6f 70", {"1234", 0, 1, 258, "interop"}, true},
  };
  for (const auto& r : rows) {
    INFO(r.jid_hex);
    const Bytes node_bytes = cat(hx("f8 03 1b 11"), hx(r.jid_hex));
    const Node n = decode_node(node_bytes.data(), node_bytes.size());
    REQUIRE(n.find_attr("to") != nullptr);
    REQUIRE(n.find_attr("to")->is_jid());
    CHECK(std::get<Jid>(n.find_attr("to")->v) == r.jid);
    if (r.encodes_same) CHECK(encode_node(n) == node_bytes);
  }
  // The agent of an s.whatsapp.net JID is not written (whatsmeow ActualAgent is 0 there).
  CHECK(encode_node(Node("ack", {{"to", Jid{"1", 5, 2, 0, kServerJid}}})) ==
        hx("f8 03 1b 11 f7 00 02 55"));
  // A hosted JID is always AD_JID, even with device 0.
  CHECK(encode_node(Node("ack", {{"to", Jid::user_jid("1", kHostedServer)}})) ==
        hx("f8 03 1b 11 f7 80 00 55"));
  // Wrong server for FB_JID / INTEROP_JID, and a JID_PAIR without server, are rejected.
  for (const char* bad : {"f8 03 1b 11 f6 55 00 07 03", "f8 03 1b 11 f5 55 00 01 00 01 cc",
                          "f8 03 1b 11 fa 55 00", "f8 03 1b 11 fa 55 ff 00",
                          "f8 03 1b 11 f7 00 01 00", "f8 03 1b 11 fa fa 00 03 03"}) {
    INFO(bad);
    CHECK_THROWS_AS(decode_hex(bad), DecodeError);
  }
  // JID content decodes to its text (content has no JID alternative).
  const Node c = decode_hex("f8 02 19 f7 00 03 ff 86 12 34 56 78 90 1f");
  CHECK(std::get<std::string>(c.content) == "12345678901:3@s.whatsapp.net");
}

TEST_CASE("BINARY_8/20/32 lengths; BINARY_20 masks the top nibble", "[binary][codec]") {
  const Bytes data256 = pattern(256);
  // Top nibble 0xF of the first length byte is not part of the length (0x0100 = 256).
  const Node masked = decode_node(cat(hx("f8 02 1d fd f0 01 00"), data256).data(),
                                  5 + 2 + data256.size());
  CHECK(std::get<Bytes>(masked.content) == data256);
  const Node enc256("enc", {}, data256);
  CHECK(encode_node(enc256) == cat(hx("f8 02 1d fd 00 01 00"), data256));
  CHECK(encode_node(Node("enc", {}, pattern(255))) == cat(hx("f8 02 1d fc ff"), pattern(255)));
  const Bytes data_max20 = pattern((1u << 20) - 1);
  CHECK(encode_node(Node("enc", {}, data_max20)) == cat(hx("f8 02 1d fd 0f ff ff"), data_max20));
  const Bytes data_1m = pattern(1u << 20);
  const Bytes enc_1m = encode_node(Node("enc", {}, data_1m));
  CHECK(Bytes(enc_1m.begin(), enc_1m.begin() + 8) == hx("f8 02 1d fe 00 10 00 00"));
  CHECK(std::get<Bytes>(decode_node(enc_1m.data(), enc_1m.size()).content) == data_1m);
  CHECK(std::get<Bytes>(decode_hex("f8 02 1d fe 00 00 00 03 01 02 03").content) == hx("010203"));
  // BINARY_* in a string position (tag, attribute) reads as text.
  const Node raw = decode_hex("f8 03 fc 01 78 fc 01 79 fd 00 00 02 7a 7a");
  CHECK(raw.tag == "x");
  CHECK(raw.attr("y") == "zz");
}

TEST_CASE("child lists: LIST_8, LIST_16, empty", "[binary][codec]") {
  NodeList many(300, Node("to"));
  const Node n("participants", {}, many);
  Bytes expected = hx("f8 02 6b f9 01 2c");
  for (int i = 0; i < 300; ++i) expected = cat(expected, hx("f8 01 11"));
  const Bytes enc = encode_node(n);
  CHECK(enc == expected);
  CHECK(decode_node(enc.data(), enc.size()) == n);

  // An empty child list is written as LIST_EMPTY and reads back as "no content".
  CHECK(encode_node(Node("iq", {}, NodeList{})) == hx("f8 02 19 00"));
  CHECK(std::holds_alternative<std::monostate>(decode_hex("f8 02 19 00").content));
  // LIST_8 of size 0 as content is an empty child list.
  const Node empty_list = decode_hex("f8 02 19 f8 00");
  REQUIRE(empty_list.children() != nullptr);
  CHECK(empty_list.children()->empty());
}

TEST_CASE("string encoding order: token, double, nibble, hex, raw", "[binary][codec]") {
  auto content_bytes = [](const std::string& s) {
    Node n("iq");
    n.content = s;
    Bytes b = encode_node(n);
    return Bytes(b.begin() + 3, b.end());  // after f8 02 19
  };
  CHECK(content_bytes("get") == hx("29"));
  CHECK(content_bytes("passive") == hx("ec 18"));
  CHECK(content_bytes("1234") == hx("ff 02 12 34"));
  CHECK(content_bytes("12-.3") == hx("ff 83 12 ab 3f"));
  CHECK(content_bytes("ABCDEF0123456789") == hx("fb 08 ab cd ef 01 23 45 67 89"));
  CHECK(content_bytes("ABC") == hx("fb 82 ab cf"));
  CHECK(content_bytes("3eb0") == hx("fc 04 33 65 62 30"));  // lower-case hex is raw
  CHECK(content_bytes("") == hx("ff 00"));  // "" is no token; empty nibble string
  CHECK(content_bytes("0") == hx("2d"));    // "0" is single-byte token 45
  std::string nib127(127, '7');
  Bytes expected127 = hx("ff c0");
  for (int i = 0; i < 63; ++i) expected127.push_back(0x77);
  expected127.push_back(0x7f);
  CHECK(content_bytes(nib127) == expected127);
  std::string nib128(128, '7');
  CHECK(content_bytes(nib128) == cat(hx("fc 80"), Bytes(128, '7')));  // too long to pack
  CHECK(content_bytes(std::string(127, 'A')).at(0) == 0xfb);
  CHECK(content_bytes(std::string(128, 'A')).at(0) == 0xfc);

  // Packed strings decode back; nibble and hex alphabets.
  CHECK(std::get<std::string>(decode_hex("f8 02 19 ff 83 12 ab 3f").content) == "12-.3");
  CHECK(std::get<std::string>(decode_hex("f8 02 19 fb 82 ab cf").content) == "ABC");
  CHECK(std::get<std::string>(decode_hex("f8 02 19 fb 02 ab cf").content) == "ABCF");
  CHECK(std::get<std::string>(decode_hex("f8 02 19 ff 00").content).empty());
  CHECK(std::get<std::string>(decode_hex("f8 02 19 29").content) == "get");
}

TEST_CASE("binary content is always BINARY_*", "[binary][codec]") {
  // Even bytes that spell a token or a nibble string.
  CHECK(encode_node(Node("enc", {}, Bytes{'g', 'e', 't'})) == hx("f8 02 1d fc 03 67 65 74"));
  CHECK(encode_node(Node("enc", {}, Bytes{'1', '2'})) == hx("f8 02 1d fc 02 31 32"));
  CHECK(encode_node(Node("enc", {}, Bytes{})) == hx("f8 02 1d fc 00"));
  CHECK(std::get<Bytes>(decode_hex("f8 02 1d fc 00").content).empty());
}

TEST_CASE("attributes: empty values omitted, nil dropped, last duplicate wins", "[binary][codec]") {
  const Node n("iq", {{"id", "1"}, {"type", ""}, {"to", Jid{}}, {"xmlns", "w:p"}});
  CHECK(encode_node(n) == hx("f8 05 19 08 55 16 57"));
  // LIST_EMPTY as an attribute value is whatsmeow's nil: no attribute.
  const Node nil_attr = decode_hex("f8 05 19 08 55 04 00");
  CHECK(nil_attr.attrs.size() == 1);
  CHECK(nil_attr.attr("id") == "1");
  // Baileys writes "" as fc 00: decodes to an empty attribute.
  const Node empty_attr = decode_hex("f8 03 19 04 fc 00");
  REQUIRE(empty_attr.find_attr("type") != nullptr);
  CHECK(empty_attr.attr("type").empty());
  // A repeated key keeps its first position and takes the last value, as whatsmeow's map does.
  const Node dup = decode_hex("f8 07 19 08 55 04 29 08 45");
  REQUIRE(dup.attrs.size() == 2);
  CHECK(dup.attrs[0].first == "id");
  CHECK(dup.attr("id") == "2");
}

TEST_CASE("encoder rejects nodes it cannot represent", "[binary][codec]") {
  CHECK_THROWS_AS(encode_node(Node("")), std::invalid_argument);
  CHECK_THROWS_AS(encode_node(Node("x", {}, NodeList(70000, Node("y")))), std::invalid_argument);
  CHECK_THROWS_AS(encode_node(Node("x", {{"to", Jid{"1", 0, 300, 0, kServerJid}}})),
                  std::invalid_argument);
}
