// Node / AttrValue helpers (node.hpp).
#include <catch2/catch.hpp>

#include "wa/binary/node.hpp"

using namespace wa;

namespace {

Node sample() {
  return Node("iq", {{"id", "abc"}, {"from", Jid{"15551234567", 0, 2, 0, kServerJid}},
                     {"to", "123456789012345@lid"}, {"type", "result"}},
              NodeList{Node("user", {{"jid", "1@s.whatsapp.net"}}),
                       Node("list"),
                       Node("user", {{"jid", "2@s.whatsapp.net"}}),
                       Node("enc", {{"v", "2"}}, Bytes{1, 2, 3, 4, 5})});
}

}  // namespace

TEST_CASE("AttrValue::str gives the text form", "[binary][node]") {
  CHECK(AttrValue("x").str() == "x");
  CHECK(AttrValue(Jid{"1", 0, 3, 0, kLidServer}).str() == "1:3@lid");
  CHECK(AttrValue(Jid::server_jid()).str() == "s.whatsapp.net");
  CHECK(AttrValue(Jid::server_jid()).is_jid());
  CHECK_FALSE(AttrValue("s.whatsapp.net").is_jid());
  CHECK_FALSE(AttrValue("s.whatsapp.net") == AttrValue(Jid::server_jid()));
}

TEST_CASE("attribute access", "[binary][node]") {
  Node n = sample();
  CHECK(n.attr("id") == "abc");
  CHECK(n.attr("missing").empty());
  CHECK(n.find_attr("missing") == nullptr);
  CHECK(n.attr("from") == "15551234567:2@s.whatsapp.net");
  REQUIRE(n.jid_attr("from").has_value());
  CHECK(n.jid_attr("from")->device == 2);
  // A string value is parsed on demand.
  REQUIRE(n.jid_attr("to").has_value());
  CHECK(*n.jid_attr("to") == Jid::user_jid("123456789012345", kLidServer));
  CHECK_FALSE(n.jid_attr("type").has_value());  // "result" is no JID
  CHECK_FALSE(n.jid_attr("missing").has_value());

  n.set_attr("id", "def").set_attr("t", "1700000000");
  CHECK(n.attr("id") == "def");
  CHECK(n.attrs.size() == 5);
  CHECK(n.attrs[0].first == "id");  // replaced in place
  CHECK(n.attrs.back().first == "t");
}

TEST_CASE("child access and bytes()", "[binary][node]") {
  const Node n = sample();
  REQUIRE(n.children() != nullptr);
  CHECK(n.children()->size() == 4);
  REQUIRE(n.child("user") != nullptr);
  CHECK(n.child("user")->attr("jid") == "1@s.whatsapp.net");
  CHECK(n.child("nope") == nullptr);
  const auto users = n.children_by_tag("user");
  REQUIRE(users.size() == 2);
  CHECK(users[1]->attr("jid") == "2@s.whatsapp.net");
  CHECK(n.children_by_tag("nope").empty());
  CHECK(n.child("enc")->bytes() == Bytes{1, 2, 3, 4, 5});
  CHECK(n.bytes().empty());  // child list: no bytes
  CHECK(Node("list").child("x") == nullptr);
  Node s("t");
  s.content = std::string("ab");
  CHECK(s.bytes() == Bytes{'a', 'b'});
}

TEST_CASE("to_debug_string never shows binary content", "[binary][node]") {
  const Node n = sample();
  CHECK(n.to_debug_string() ==
        "<iq id=\"abc\" from=\"15551234567:2@s.whatsapp.net\" to=\"123456789012345@lid\" "
        "type=\"result\"><user jid=\"1@s.whatsapp.net\"/><list/><user jid=\"2@s.whatsapp.net\"/>"
        "<enc v=\"2\"><5 bytes></enc></iq>");
  Node s("x", {{"q", "a\"b"}});
  s.content = std::string("line\nbreak");
  CHECK(s.to_debug_string() == "<x q=\"a\\x22b\">line\\x0abreak</x>");
}

TEST_CASE("node equality covers tag, attributes and content", "[binary][node]") {
  CHECK(sample() == sample());
  Node other = sample();
  other.set_attr("id", "zzz");
  CHECK_FALSE(other == sample());
  Node a("x", {}, Bytes{1});
  Node b("x");
  b.content = std::string("\x01");
  CHECK_FALSE(a == b);  // bytes and string content differ
}
