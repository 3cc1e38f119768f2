// Acks, iq replies and request ids (PROTOCOL.md §8 "What must be acked", "IQ plumbing").
#include <catch2/catch.hpp>

#include <regex>
#include <set>
#include "node_helpers.hpp"
#include "wa/stanza.hpp"

using wa::Jid;
using wa::Node;

TEST_CASE("an ack copies id, from->to, participant, recipient and names the class",
          "[stanza]") {
  Node receipt("receipt", {{"id", "ABC"},
                           {"from", J("15551234567:3@s.whatsapp.net")},
                           {"participant", J("15557654321@s.whatsapp.net")},
                           {"recipient", J("15550000000@s.whatsapp.net")},
                           {"type", "read"},
                           {"t", "1700000000"}});
  Node ack = wire(wa::make_ack(receipt));
  CHECK(ack.tag == "ack");
  CHECK(ack.attr("id") == "ABC");
  CHECK(ack.jid_attr("to") == J("15551234567:3@s.whatsapp.net"));
  CHECK(ack.attr("class") == "receipt");
  CHECK(ack.attr("participant") == "15557654321@s.whatsapp.net");
  CHECK(ack.attr("recipient") == "15550000000@s.whatsapp.net");
  CHECK(ack.attr("type") == "read");
  CHECK(ack.find_attr("t") == nullptr);
  CHECK(ack.find_attr("from") == nullptr);
}

TEST_CASE("notification and call acks copy the type; message acks never do", "[stanza]") {
  Node n("notification", {{"id", "N1"}, {"from", Jid::server_jid()}, {"type", "encrypt"}});
  CHECK(wa::make_ack(n).attr("class") == "notification");
  CHECK(wa::make_ack(n).attr("type") == "encrypt");
  Node call("call", {{"id", "C1"}, {"from", J("15557654321@s.whatsapp.net")}});
  CHECK(wa::make_ack(call).attr("class") == "call");
  CHECK(wa::make_ack(call).find_attr("type") == nullptr);
  // whatsmeow never copies `type` into message-class acks.
  Node msg("message", {{"id", "M1"}, {"from", J("15557654321@s.whatsapp.net")}, {"type", "text"}});
  CHECK(wa::make_ack(msg).attr("class") == "message");
  CHECK(wa::make_ack(msg).find_attr("type") == nullptr);
}

TEST_CASE("iq result and error replies go to the server with the request's id", "[stanza]") {
  Node result = wire(wa::make_iq_result("7.9-3"));
  CHECK(result.tag == "iq");
  CHECK(result.attr("type") == "result");
  CHECK(result.attr("id") == "7.9-3");
  CHECK(result.jid_attr("to") == Jid::server_jid());
  CHECK(result.children() == nullptr);

  Node with_child = wire(wa::make_iq_result("1", Node("pair-device-sign")));
  REQUIRE(with_child.children());
  CHECK(with_child.children()->front().tag == "pair-device-sign");

  Node error = wire(wa::make_iq_error("2", 401, "hmac-mismatch"));
  CHECK(error.attr("type") == "error");
  const Node* e = error.child("error");
  REQUIRE(e);
  CHECK(e->attr("code") == "401");
  CHECK(e->attr("text") == "hmac-mismatch");
}

TEST_CASE("request ids are whatsmeow's <byte>.<byte>-<counter>, unique per connection",
          "[stanza]") {
  wa::RequestIds ids;
  std::set<std::string> seen;
  static const std::regex shape(R"(^([0-9]{1,3})\.([0-9]{1,3})-([0-9]+)$)");
  std::string prefix;
  for (int i = 1; i <= 100; ++i) {
    const std::string id = ids.next();
    std::smatch m;
    REQUIRE(std::regex_match(id, m, shape));
    CHECK(std::stoi(m[1]) <= 255);
    CHECK(std::stoi(m[2]) <= 255);
    CHECK(std::stoi(m[3]) == i);
    if (prefix.empty()) prefix = id.substr(0, id.find('-'));
    CHECK(id.substr(0, id.find('-')) == prefix);
    CHECK(seen.insert(id).second);
  }
}
