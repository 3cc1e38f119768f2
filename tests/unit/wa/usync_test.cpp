// usync (PROTOCOL.md §9 "Device list"; whatsmeow user.go usync / GetUserDevices / GetUserInfo /
// parseDeviceList): the two queries as whatsmeow sends them, and the result parser on results
// shaped like the server's (hosted devices, missing key-index, LIDs, per-user errors).
#include <catch2/catch.hpp>

#include <set>

#include "wa/binary/codec.hpp"
#include "node_helpers.hpp"
#include "wa/usync.hpp"

using wa::Jid;
using wa::Node;
using wa::NodeList;
using Attrs = std::vector<std::pair<std::string, wa::AttrValue>>;

namespace {


const Node& child(const Node& n, const char* tag) {
  const Node* c = n.child(tag);
  REQUIRE(c);
  return *c;
}

std::vector<std::string> tags_of(const Node& n) {
  std::vector<std::string> out;
  if (n.children())
    for (const Node& c : *n.children()) out.push_back(c.tag);
  return out;
}

// The <usync> of a query, after checking the iq around it.
Node usync_of(const Node& iq) {
  CHECK(iq.tag == "iq");
  CHECK(iq.attr("xmlns") == "usync");
  CHECK(iq.attr("type") == "get");
  const wa::AttrValue* to = iq.find_attr("to");
  REQUIRE(to);
  CHECK(to->is_jid());
  CHECK(iq.attr("to") == "s.whatsapp.net");
  REQUIRE(iq.children());
  REQUIRE(iq.children()->size() == 1);
  return iq.children()->front();
}

Node device(const char* id, Attrs extra = {}) {
  Attrs a{{"id", id}};
  for (auto& e : extra) a.push_back(std::move(e));
  return Node("device", std::move(a));
}

Node devices_node(NodeList list) {
  return Node("devices", {},
              NodeList{Node("device-list", {}, std::move(list)),
                       Node("key-index-list", {{"ts", "1700000000"}}, util::Bytes{1, 2, 3})});
}

Node result(NodeList users) {
  return Node("iq", {{"from", Jid::server_jid()}, {"type", "result"}, {"id", "1.2-3"}},
              NodeList{Node("usync", {{"sid", "s1"}, {"index", "0"}, {"last", "true"}},
                            NodeList{Node("result", {}, NodeList{Node("devices", {{"duration", "604800"}})}),
                                     Node("list", {}, std::move(users))})});
}

}  // namespace

TEST_CASE("device list query is whatsmeow's GetUserDevices usync", "[usync]") {
  const std::vector<Jid> users = {J("15551234567@s.whatsapp.net"), J("15557654321:4@s.whatsapp.net"),
                                  J("123456789012345@lid")};
  const Node built = wa::make_device_list_query(users, "77.12-5");
  const Node usync = usync_of(wire(built));
  CHECK(usync.tag == "usync");
  CHECK(usync.attr("sid") == "77.12-5");
  CHECK(usync.attr("mode") == "query");
  CHECK(usync.attr("context") == "message");
  CHECK(usync.attr("last") == "true");
  CHECK(usync.attr("index") == "0");
  CHECK(usync.attrs.size() == 5);
  CHECK(tags_of(usync) == std::vector<std::string>{"query", "list"});
  const Node& query = child(usync, "query");
  CHECK(tags_of(query) == std::vector<std::string>{"devices"});
  CHECK(child(query, "devices").attr("version") == "2");
  CHECK(child(query, "devices").attrs.size() == 1);
  const auto list = child(usync, "list").children_by_tag("user");
  REQUIRE(list.size() == 3);
  const Jid bare[3] = {J("15551234567@s.whatsapp.net"), J("15557654321@s.whatsapp.net"),
                       J("123456789012345@lid")};
  for (int i = 0; i < 3; ++i) {
    const wa::AttrValue* jid = list[i]->find_attr("jid");
    REQUIRE(jid);
    REQUIRE(jid->is_jid());  // a JID on the wire, not a string
    CHECK(std::get<Jid>(jid->v) == bare[i]);  // always the bare user (device dropped)
    CHECK(list[i]->attrs.size() == 1);
  }

  NodeList expected_users;
  for (const Jid& j : bare) expected_users.emplace_back("user", Attrs{{"jid", j}});
  const Node expected(
      "iq", {{"xmlns", "usync"}, {"type", "get"}, {"to", Jid::server_jid()}},
      NodeList{Node("usync",
                    {{"sid", "77.12-5"}, {"mode", "query"}, {"context", "message"}, {"last", "true"}, {"index", "0"}},
                    NodeList{Node("query", {}, NodeList{Node("devices", {{"version", "2"}})}),
                             Node("list", {}, std::move(expected_users))})});
  CHECK(wa::encode_node(built) == wa::encode_node(expected));
}

TEST_CASE("user info query is whatsmeow's GetUserInfo usync", "[usync]") {
  const Node built = wa::make_user_info_query({J("15551234567@s.whatsapp.net")}, "sid-1");
  const Node usync = usync_of(wire(built));
  CHECK(usync.attr("sid") == "sid-1");
  CHECK(usync.attr("mode") == "full");
  CHECK(usync.attr("context") == "background");
  CHECK(usync.attr("last") == "true");
  CHECK(usync.attr("index") == "0");
  const Node& query = child(usync, "query");
  CHECK(tags_of(query) == std::vector<std::string>{"business", "status", "picture", "devices", "lid"});
  CHECK(tags_of(child(query, "business")) == std::vector<std::string>{"verified_name"});
  CHECK(child(query, "devices").attr("version") == "2");
  const auto list = child(usync, "list").children_by_tag("user");
  REQUIRE(list.size() == 1);
  CHECK(list[0]->jid_attr("jid") == J("15551234567@s.whatsapp.net"));
}

TEST_CASE("usync users: c.us as <contact>, other servers refused", "[usync]") {
  const Node usync = usync_of(wire(wa::make_device_list_query({J("15551234567@c.us")}, "s")));
  const auto list = child(usync, "list").children_by_tag("user");
  REQUIRE(list.size() == 1);
  CHECK(list[0]->attrs.empty());
  CHECK(util::to_string(child(*list[0], "contact").bytes()) == "15551234567@c.us");
  CHECK_THROWS_AS(wa::make_device_list_query({J("123-456@g.us")}, "s"), std::invalid_argument);
  CHECK_THROWS_AS(wa::make_user_info_query({J("1@newsletter")}, "s"), std::invalid_argument);
}

TEST_CASE("usync result: devices, hosted devices, missing key-index, LID", "[usync]") {
  const Node res = wire(result({
      Node("user", {{"jid", J("15551234567@s.whatsapp.net")}},
           NodeList{devices_node({device("0"), device("12", {{"key-index", "3"}}),
                                  device("99", {{"key-index", "4"}, {"is_hosted", "true"}}),
                                  device("21")}),  // no key-index: kept, as whatsmeow does
                    Node("lid", {{"val", J("123456789012345@lid")}})}),
      Node("user", {{"jid", J("123456789012345@lid")}},
           NodeList{devices_node({device("0"), device("98", {{"is_hosted", "1"}}),
                                  device("7", {{"is_hosted", "false"}})})}),
  }));
  const auto users = wa::parse_usync_result(res);
  REQUIRE(users.size() == 2);

  const auto& pn = users[0];
  CHECK(pn.jid == J("15551234567@s.whatsapp.net"));
  CHECK(pn.has_device_list);
  CHECK_FALSE(pn.error);
  REQUIRE(pn.lid);
  CHECK(*pn.lid == J("123456789012345@lid"));
  CHECK(pn.devices == std::vector<Jid>{J("15551234567@s.whatsapp.net"), J("15551234567:12@s.whatsapp.net"),
                                        J("15551234567:99@hosted"), J("15551234567:21@s.whatsapp.net")});

  const auto& lid = users[1];
  CHECK(lid.jid == J("123456789012345@lid"));
  CHECK_FALSE(lid.lid);
  CHECK(lid.devices == std::vector<Jid>{J("123456789012345@lid"), J("123456789012345:98@hosted.lid"),
                                         J("123456789012345:7@lid")});

  // Every device JID can be addressed on the wire (AD_JID carries one device byte).
  NodeList to;
  for (const auto& u : users)
    for (const Jid& d : u.devices) to.emplace_back("to", Attrs{{"jid", d}});
  const Node back = wire(Node("participants", {}, std::move(to)));
  size_t i = 0;
  for (const auto& u : users)
    for (const Jid& d : u.devices) CHECK(back.children()->at(i++).jid_attr("jid") == d);
}

TEST_CASE("usync result: per-user errors, odd devices and skipped entries", "[usync]") {
  const Node res = wire(result({
      Node("user", {{"jid", J("111111111@s.whatsapp.net")}},
           NodeList{Node("devices", {}, NodeList{Node("error", {{"code", "429"}, {"text", "rate-overlimit"}})})}),
      Node("user", {{"jid", J("222222222@s.whatsapp.net")}},
           NodeList{Node("error", {{"code", "404"}, {"text", "not-found"}})}),
      Node("user", {{"jid", J("333333333@s.whatsapp.net")}},
           NodeList{devices_node({device("abc"), device("300"), device("-1"), device(""), Node("other", {{"id", "4"}}),
                                  device("5")}),
                    Node("lid", {{"val", J("444@s.whatsapp.net")}})}),
      Node("user", {{"jid", J("555555555@s.whatsapp.net")}}),  // no <devices> at all
      Node("user", {}, NodeList{devices_node({device("0")})}),  // no jid: skipped
      // A user part that would print as an AD JID: skipped, not turned into devices.
      Node("user", {{"jid", Jid{"777777777.1:2", 0, 0, 0, "s.whatsapp.net"}}}, NodeList{devices_node({device("0")})}),
      Node("other", {{"jid", J("666666666@s.whatsapp.net")}}),
  }));
  const auto users = wa::parse_usync_result(res);
  REQUIRE(users.size() == 4);
  REQUIRE(users[0].error);
  CHECK(users[0].error->find("429") != std::string::npos);
  CHECK_FALSE(users[0].has_device_list);
  CHECK(users[0].devices.empty());
  REQUIRE(users[1].error);
  CHECK(users[1].error->find("404") != std::string::npos);
  CHECK_FALSE(users[2].error);
  CHECK(users[2].has_device_list);
  CHECK(users[2].devices == std::vector<Jid>{J("333333333:5@s.whatsapp.net")});
  CHECK_FALSE(users[2].lid);  // a <lid val> that is not a LID is ignored
  CHECK(users[3].jid == J("555555555@s.whatsapp.net"));
  CHECK_FALSE(users[3].has_device_list);
  CHECK_FALSE(users[3].error);
}

TEST_CASE("usync result without <usync><list> throws", "[usync]") {
  CHECK_THROWS_AS(wa::parse_usync_result(Node("iq", {{"type", "result"}})), std::runtime_error);
  CHECK_THROWS_AS(wa::parse_usync_result(Node("iq", {}, NodeList{Node("usync")})), std::runtime_error);
  CHECK_THROWS_AS(wa::parse_usync_result(Node("iq", {}, NodeList{Node("list")})), std::runtime_error);
  CHECK(wa::parse_usync_result(Node("iq", {}, NodeList{Node("usync", {}, NodeList{Node("list")})})).empty());
}

TEST_CASE("usync sids are unique", "[usync]") {
  std::set<std::string> seen;
  for (int i = 0; i < 1000; ++i) {
    const std::string sid = wa::new_usync_sid();
    CHECK_FALSE(sid.empty());
    seen.insert(sid);
  }
  CHECK(seen.size() == 1000);
}
