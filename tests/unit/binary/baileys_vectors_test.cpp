// Byte vectors recorded from Baileys' encodeBinaryNode (tests/data/binary_baileys_vectors.json,
// package version and command inside). Every recorded output must decode to the described node.
// Where whatsmeow would write the same bytes (wm_identical), our encoder must reproduce them.
// Where Baileys differs from whatsmeow (":0" devices as AD_JID, "" attributes as fc 00, any
// string with "@" written as a JID, device-less hosted JIDs as JID_PAIR) only decoding is
// compared, and our bytes must differ yet decode to the same information.
#include <catch2/catch.hpp>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>

#include "wa/binary/codec.hpp"
#include "wa/binary/wire_equivalence.hpp"

using namespace wa;
using nlohmann::json;

namespace {

Bytes from_hex(const std::string& h) {
  REQUIRE(h.size() % 2 == 0);
  Bytes out;
  for (size_t i = 0; i < h.size(); i += 2) out.push_back(uint8_t(std::stoul(h.substr(i, 2), nullptr, 16)));
  return out;
}

// The node the Baileys input describes, typed as our client would build it: attribute values
// that parse as JIDs are JIDs (Baileys' encoder treats any "@" string as a JID).
Node node_from_json(const json& j) {
  Node n(j.at("tag").get<std::string>());
  for (const auto& kv : j.at("attrs")) {
    const std::string value = kv.at(1).get<std::string>();
    auto jid = value.find('@') != std::string::npos ? Jid::parse(value) : std::nullopt;
    if (jid)
      n.attrs.emplace_back(kv.at(0).get<std::string>(), AttrValue(*jid));
    else
      n.attrs.emplace_back(kv.at(0).get<std::string>(), AttrValue(value));
  }
  const json& c = j.at("content");
  if (c.is_array()) {
    NodeList children;
    for (const auto& child : c) children.push_back(node_from_json(child));
    n.content = std::move(children);
  } else if (c.is_object() && c.contains("hex")) {
    n.content = from_hex(c.at("hex").get<std::string>());
  } else if (c.is_object() && c.contains("text")) {
    n.content = c.at("text").get<std::string>();
  }
  return n;
}

}  // namespace

TEST_CASE("Baileys-recorded vectors decode, and encode where whatsmeow agrees", "[binary][baileys]") {
  std::ifstream in(std::string(WA_TEST_DATA_DIR) + "/binary_baileys_vectors.json");
  REQUIRE(in.good());
  const json doc = json::parse(in);
  CHECK(doc.at("generator").at("package").get<std::string>().rfind("@whiskeysockets/baileys@", 0) ==
        0);
  const json& vectors = doc.at("vectors");
  REQUIRE(vectors.size() >= 10);
  size_t identical = 0;
  for (const auto& v : vectors) {
    const std::string name = v.at("name").get<std::string>();
    INFO(name);
    const Node expected = node_from_json(v.at("node"));
    const Bytes bl = from_hex(v.at("baileys_hex").get<std::string>());
    const Node decoded = unmarshal(bl);
    CHECK(decoded == expected);
    const Bytes ours = marshal(expected);
    if (v.at("wm_identical").get<bool>()) {
      ++identical;
      CHECK(ours == bl);
    } else {
      CHECK(ours != bl);
      CHECK(detail::wire_equivalent(unmarshal(ours), decoded));
    }
  }
  CHECK(identical >= 10);
}
