// Prekey stanzas (PROTOCOL.md §8 "Prekey upload stanza", §9 "Prekey bundles"): the builders
// are checked byte by byte after a codec round trip, the bundle parser on result nodes shaped
// like the ones whatsmeow's nodeToPreKeyBundle reads.
#include <catch2/catch.hpp>

#include <functional>

#include "util/bytes.hpp"
#include "util/curve25519.hpp"
#include "wa/binary/codec.hpp"
#include "node_helpers.hpp"
#include "wa/prekeys.hpp"

using util::Bytes;
using wa::Jid;
using wa::Node;
using wa::NodeList;
using Attrs = std::vector<std::pair<std::string, wa::AttrValue>>;

namespace {


Bytes filled(size_t n, uint8_t first) {
  Bytes b(n);
  for (size_t i = 0; i < n; ++i) b[i] = uint8_t(first + i);
  return b;
}

util::curve::Key32 key32(uint8_t first) { return util::curve::to_key32(filled(32, first)); }

Node bin(const char* tag, Bytes b) { return Node(tag, {}, std::move(b)); }

// <key|skey><id/><value/>[<signature/>]</…> as a server writes it.
Node key_node(const char* tag, Bytes id, Bytes value, std::optional<Bytes> sig = std::nullopt) {
  NodeList c{bin("id", std::move(id)), bin("value", std::move(value))};
  if (sig) c.push_back(bin("signature", std::move(*sig)));
  return Node(tag, {}, std::move(c));
}

struct BundleSpec {
  Bytes registration = {0x00, 0x00, 0x30, 0x39};  // 12345
  std::optional<Bytes> type = Bytes{0x05};
  Bytes identity = filled(32, 0x10);
  std::optional<Node> one_time = key_node("key", {0x00, 0x01, 0x02}, filled(32, 0x40));
  std::optional<Node> skey = key_node("skey", {0x00, 0x00, 0x01}, filled(32, 0x70), filled(64, 0x90));
  bool wrap_in_keys = false;
};

Node user_bundle(const std::string& jid, const BundleSpec& s) {
  NodeList keys;
  if (s.type) keys.push_back(bin("type", *s.type));
  keys.push_back(bin("identity", s.identity));
  if (s.skey) keys.push_back(*s.skey);
  if (s.one_time) keys.push_back(*s.one_time);
  NodeList children{bin("registration", s.registration)};
  if (s.wrap_in_keys) {
    children.emplace_back("keys", Attrs{}, std::move(keys));
  } else {
    for (auto& k : keys) children.push_back(std::move(k));
  }
  return Node("user", {{"jid", *Jid::parse(jid)}}, std::move(children));
}

Node result_with(NodeList users) {
  return Node("iq", {{"from", Jid::server_jid()}, {"type", "result"}, {"id", "1.2-3"}},
              NodeList{Node("list", {}, std::move(users))});
}

const Node& only_child(const Node& n) {
  REQUIRE(n.children());
  REQUIRE(n.children()->size() == 1);
  return n.children()->front();
}

void check_encrypt_iq(const Node& iq, const char* type) {
  CHECK(iq.tag == "iq");
  CHECK(iq.attr("xmlns") == "encrypt");
  CHECK(iq.attr("type") == type);
  const wa::AttrValue* to = iq.find_attr("to");
  REQUIRE(to);
  REQUIRE(to->is_jid());  // written as a JID, as whatsmeow's types.ServerJID is
  CHECK(std::get<Jid>(to->v) == Jid::server_jid());
}

}  // namespace

TEST_CASE("prekey count iq matches the hand-encoded bytes", "[prekeys]") {
  // LIST_8(8) "iq" | xmlns encrypt | type get | to JID_PAIR(LIST_EMPTY, s.whatsapp.net) |
  // LIST_8(1) [ LIST_8(1) "count" ] — single-byte tokens of dictionary v3 (§5).
  const Bytes expected = {0xF8, 0x08, 25, 22, 203, 4, 41, 17, 0xFA, 0x00, 3, 0xF8, 0x01, 0xF8, 0x01, 65};
  CHECK(wa::encode_node(wa::make_prekey_count_iq()) == expected);
  const Node iq = wire(wa::make_prekey_count_iq());
  check_encrypt_iq(iq, "get");
  CHECK(only_child(iq).tag == "count");
}

TEST_CASE("prekey count result parsing", "[prekeys]") {
  auto with_value = [](const char* v) {
    return Node("iq", {{"type", "result"}}, NodeList{Node("count", {{"value", v}})});
  };
  CHECK(wa::parse_prekey_count(wire(with_value("42"))) == 42u);
  CHECK(wa::parse_prekey_count(wire(with_value("0"))) == 0u);
  CHECK_FALSE(wa::parse_prekey_count(with_value("")));
  CHECK_FALSE(wa::parse_prekey_count(with_value("-1")));
  CHECK_FALSE(wa::parse_prekey_count(with_value("12abc")));
  CHECK_FALSE(wa::parse_prekey_count(with_value("99999999999")));
  CHECK_FALSE(wa::parse_prekey_count(Node("iq", {{"type", "result"}}, NodeList{Node("count")})));
  CHECK_FALSE(wa::parse_prekey_count(Node("iq", {{"type", "result"}})));
}

TEST_CASE("prekey upload iq has the byte layout of §8", "[prekeys]") {
  wa::store::Device dev = wa::store::Device::generate();
  dev.registration_id = 0x01020304;  // distinct bytes show the byte order
  std::vector<wa::store::Store::PreKey> keys(3);
  const uint32_t ids[3] = {1, 2, 0xABCDEF};
  for (int i = 0; i < 3; ++i) {
    keys[i].id = ids[i];
    keys[i].key = util::curve::KeyPair::from_private(key32(uint8_t(0x20 * (i + 1))));
  }
  const Node built = wa::make_prekey_upload_iq(dev, keys);

  SECTION("decoded fields") {
    const Node iq = wire(built);
    check_encrypt_iq(iq, "set");
    REQUIRE(iq.children());
    const NodeList& c = *iq.children();
    REQUIRE(c.size() == 5);
    CHECK(c[0].tag == "registration");
    CHECK(c[0].bytes() == Bytes{0x01, 0x02, 0x03, 0x04});
    CHECK(c[1].tag == "type");
    CHECK(c[1].bytes() == Bytes{0x05});
    CHECK(c[2].tag == "identity");
    CHECK(c[2].bytes() == dev.identity_key.pub_bytes());
    CHECK(c[3].tag == "list");
    const auto list = c[3].children_by_tag("key");
    REQUIRE(list.size() == 3);
    const Bytes id_bytes[3] = {{0, 0, 1}, {0, 0, 2}, {0xAB, 0xCD, 0xEF}};
    for (int i = 0; i < 3; ++i) {
      REQUIRE(list[i]->children());
      REQUIRE(list[i]->children()->size() == 2);
      CHECK(list[i]->child("id")->bytes() == id_bytes[i]);
      CHECK(list[i]->child("value")->bytes() == keys[i].key.pub_bytes());
    }
    const Node& skey = c[4];
    CHECK(skey.tag == "skey");
    REQUIRE(skey.children());
    REQUIRE(skey.children()->size() == 3);
    CHECK(skey.child("id")->bytes() == Bytes{0, 0, 1});
    const Bytes spk = skey.child("value")->bytes();
    CHECK(spk == dev.signed_pre_key.key.pub_bytes());
    const Bytes sig = skey.child("signature")->bytes();
    REQUIRE(sig.size() == 64);
    // The signature the server checks: identity over 05 || signed prekey (§8).
    Bytes msg{0x05};
    msg.insert(msg.end(), spk.begin(), spk.end());
    CHECK(util::curve::verify(dev.identity_key.pub, msg, sig));
  }

  SECTION("same bytes as the hand-built stanza") {
    auto key = [](Bytes id, Bytes value) { return key_node("key", std::move(id), std::move(value)); };
    const Node expected(
        "iq", {{"xmlns", "encrypt"}, {"type", "set"}, {"to", Jid::server_jid()}},
        NodeList{bin("registration", {1, 2, 3, 4}), bin("type", {5}),
                 bin("identity", dev.identity_key.pub_bytes()),
                 Node("list", {},
                      NodeList{key({0, 0, 1}, keys[0].key.pub_bytes()), key({0, 0, 2}, keys[1].key.pub_bytes()),
                               key({0xAB, 0xCD, 0xEF}, keys[2].key.pub_bytes())}),
                 key_node("skey", {0, 0, 1}, dev.signed_pre_key.key.pub_bytes(), dev.signed_pre_key.signature)});
    CHECK(wa::encode_node(built) == wa::encode_node(expected));
  }

  SECTION("values that cannot be written are refused") {
    keys[0].id = 0x1000000;  // needs 4 bytes
    CHECK_THROWS_AS(wa::make_prekey_upload_iq(dev, keys), std::invalid_argument);
    keys[0].id = 1;
    dev.signed_pre_key.signature.pop_back();
    CHECK_THROWS_AS(wa::make_prekey_upload_iq(dev, keys), std::invalid_argument);
  }
}

TEST_CASE("prekey fetch iq asks for each device with reason identity", "[prekeys]") {
  const std::vector<Jid> devices = {*Jid::parse("15551234567:3@s.whatsapp.net"),
                                    *Jid::parse("123456789012345@lid"),
                                    *Jid::parse("123456789012345:7@lid"),
                                    *Jid::parse("15551234567:99@hosted")};
  const Node built = wa::make_prekey_fetch_iq(devices);
  const Node iq = wire(built);
  check_encrypt_iq(iq, "get");
  const Node& key = only_child(iq);
  CHECK(key.tag == "key");
  const auto users = key.children_by_tag("user");
  REQUIRE(users.size() == devices.size());
  for (size_t i = 0; i < devices.size(); ++i) {
    const wa::AttrValue* jid = users[i]->find_attr("jid");
    REQUIRE(jid);
    REQUIRE(jid->is_jid());
    // The device survives the round trip only if it was written as AD_JID (§5).
    CHECK(std::get<Jid>(jid->v) == devices[i]);
    CHECK(users[i]->attr("reason") == "identity");
    CHECK(users[i]->attrs.size() == 2);
  }
  NodeList expected_users;
  for (const Jid& d : devices) expected_users.emplace_back("user", Attrs{{"jid", d}, {"reason", "identity"}});
  const Node expected("iq", {{"xmlns", "encrypt"}, {"type", "get"}, {"to", Jid::server_jid()}},
                      NodeList{Node("key", {}, std::move(expected_users))});
  CHECK(wa::encode_node(built) == wa::encode_node(expected));
}

TEST_CASE("prekey bundles: flat form with a one-time key", "[prekeys]") {
  const auto out = wa::parse_prekey_bundles(wire(result_with({user_bundle("15551234567:3@s.whatsapp.net", {})})));
  REQUIRE(out.size() == 1);
  const auto it = out.find("15551234567:3@s.whatsapp.net");
  REQUIRE(it != out.end());
  const auto* b = std::get_if<wa::signal::PreKeyBundle>(&it->second);
  REQUIRE(b);
  CHECK(b->registration_id == 12345u);
  CHECK(b->device_id == 3u);
  CHECK(b->identity_key == key32(0x10));
  REQUIRE(b->pre_key);
  CHECK(b->pre_key->first == 0x000102u);
  CHECK(b->pre_key->second == key32(0x40));
  CHECK(b->signed_pre_key_id == 1u);
  CHECK(b->signed_pre_key == key32(0x70));
  CHECK(b->signed_pre_key_signature == filled(64, 0x90));
}

TEST_CASE("prekey bundles: <keys> wrapper, missing one-time key, LID and hosted devices", "[prekeys]") {
  BundleSpec wrapped;
  wrapped.wrap_in_keys = true;
  wrapped.registration = {0x12, 0x34, 0x56, 0x78};
  BundleSpec no_key;
  no_key.one_time.reset();
  BundleSpec no_type;  // whatsmeow never reads <type>
  no_type.type.reset();
  const auto out = wa::parse_prekey_bundles(wire(result_with({
      user_bundle("123456789012345:5@lid", wrapped),
      user_bundle("15551234567@s.whatsapp.net", no_key),
      user_bundle("15551234567:99@hosted", no_type),
  })));
  REQUIRE(out.size() == 3);
  const auto& w = std::get<wa::signal::PreKeyBundle>(out.at("123456789012345:5@lid"));
  CHECK(w.registration_id == 0x12345678u);
  CHECK(w.device_id == 5u);
  CHECK(w.identity_key == key32(0x10));
  CHECK(w.pre_key);
  const auto& n = std::get<wa::signal::PreKeyBundle>(out.at("15551234567@s.whatsapp.net"));
  CHECK(n.device_id == 0u);
  CHECK_FALSE(n.pre_key);
  CHECK(n.signed_pre_key == key32(0x70));
  const auto& h = std::get<wa::signal::PreKeyBundle>(out.at("15551234567:99@hosted"));
  CHECK(h.device_id == 99u);
}

TEST_CASE("prekey bundles: errors and malformed bundles become error strings", "[prekeys]") {
  auto bad = [](std::function<void(BundleSpec&)> breakit) {
    BundleSpec s;
    breakit(s);
    return s;
  };
  struct Row {
    const char* jid;
    BundleSpec spec;
  };
  const std::vector<Row> rows = {
      {"1:1@s.whatsapp.net", bad([](BundleSpec& s) { s.registration = {1, 2, 3}; })},
      {"1:2@s.whatsapp.net", bad([](BundleSpec& s) { s.registration = {1, 2, 3, 4, 5}; })},
      {"1:3@s.whatsapp.net", bad([](BundleSpec& s) { s.identity = filled(31, 1); })},
      {"1:4@s.whatsapp.net", bad([](BundleSpec& s) { s.identity = filled(33, 1); })},
      {"1:5@s.whatsapp.net", bad([](BundleSpec& s) { s.type = Bytes{0x06}; })},
      {"1:6@s.whatsapp.net", bad([](BundleSpec& s) { s.skey.reset(); })},
      {"1:7@s.whatsapp.net",
       bad([](BundleSpec& s) { s.skey = key_node("skey", {0, 0, 1}, filled(32, 1), filled(63, 1)); })},
      {"1:8@s.whatsapp.net", bad([](BundleSpec& s) { s.skey = key_node("skey", {0, 0, 1}, filled(32, 1)); })},
      {"1:9@s.whatsapp.net",
       bad([](BundleSpec& s) { s.skey = key_node("skey", {0, 1}, filled(32, 1), filled(64, 1)); })},
      {"1:10@s.whatsapp.net",
       bad([](BundleSpec& s) { s.skey = key_node("skey", {0, 0, 1}, filled(31, 1), filled(64, 1)); })},
      {"1:11@s.whatsapp.net", bad([](BundleSpec& s) { s.one_time = key_node("key", {0, 0, 0, 1}, filled(32, 1)); })},
      {"1:12@s.whatsapp.net", bad([](BundleSpec& s) { s.one_time = key_node("key", {0, 0, 1}, filled(16, 1)); })},
      {"1:13@s.whatsapp.net", bad([](BundleSpec& s) { s.one_time = Node("key"); })},
      {"1:14@s.whatsapp.net", bad([](BundleSpec& s) {
         s.wrap_in_keys = true;
         s.identity = filled(8, 1);
       })},
  };
  NodeList users;
  for (const auto& r : rows) users.push_back(user_bundle(r.jid, r.spec));
  // The server's per-device refusal (§9): <user jid><error code text/></user>.
  users.emplace_back("user", Attrs{{"jid", *Jid::parse("2:1@s.whatsapp.net")}},
                     NodeList{Node("error", {{"code", "404"}, {"text", "item-not-found"}})});
  // A registration id written as a (nibble-packed) string instead of bytes is refused, as
  // whatsmeow refuses non-[]byte content.
  Node string_registration = user_bundle("2:2@s.whatsapp.net", {});
  for (Node& c : std::get<NodeList>(string_registration.content))
    if (c.tag == "registration") c.content = std::string("1234");
  users.push_back(string_registration);
  // Skipped: no jid, or not a <user>.
  users.emplace_back("user", Attrs{}, NodeList{bin("registration", {0, 0, 0, 1})});
  users.emplace_back("other", Attrs{{"jid", *Jid::parse("3:1@s.whatsapp.net")}});

  const auto out = wa::parse_prekey_bundles(wire(result_with(std::move(users))));
  CHECK(out.size() == rows.size() + 2);
  for (const auto& r : rows) {
    INFO(r.jid);
    REQUIRE(out.count(r.jid) == 1);
    const auto* err = std::get_if<std::string>(&out.at(r.jid));
    REQUIRE(err);
    CHECK_FALSE(err->empty());
  }
  const auto& refused = std::get<std::string>(out.at("2:1@s.whatsapp.net"));
  CHECK(refused.find("404") != std::string::npos);
  CHECK(std::holds_alternative<std::string>(out.at("2:2@s.whatsapp.net")));
  CHECK(out.count("3:1@s.whatsapp.net") == 0);
}

TEST_CASE("prekey bundles: a JID whose text names another device is skipped", "[prekeys]") {
  // A JID_PAIR whose user part is "15551234567:3" prints as the AD JID of device 3; it must not
  // take that device's place in the map (keyed by JID text).
  Node impostor = user_bundle("15551234567:3@s.whatsapp.net", {});
  impostor.attrs[0].second = Jid{"15551234567:3", 0, 0, 0, "s.whatsapp.net"};
  BundleSpec real;
  real.registration = {0, 0, 0, 7};
  const auto out = wa::parse_prekey_bundles(
      wire(result_with({impostor, user_bundle("15551234567:3@s.whatsapp.net", real)})));
  REQUIRE(out.size() == 1);
  const auto& b = std::get<wa::signal::PreKeyBundle>(out.at("15551234567:3@s.whatsapp.net"));
  CHECK(b.registration_id == 7u);
  CHECK(b.device_id == 3u);
}

TEST_CASE("prekey bundles: a result without <list> gives no bundles", "[prekeys]") {
  CHECK(wa::parse_prekey_bundles(Node("iq", {{"type", "result"}})).empty());
  CHECK(wa::parse_prekey_bundles(Node("iq", {{"type", "result"}}, Bytes{1, 2, 3})).empty());
  CHECK(wa::parse_prekey_bundles(Node("iq", {}, NodeList{Node("list")})).empty());
}
