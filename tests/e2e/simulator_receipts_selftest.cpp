// Self-tests of the receipts the simulated server writes to a companion (receipt_relay.hpp),
// driven by the minimal companion of sim_companion.hpp:
//  - each simulated device that decrypted the companion's message answers at once: a contact's
//    device <receipt from=DEVICE id t/> (delivered, no recipient, no participant), the own phone
//    <receipt from=OWN id t type="sender" recipient=CHAT/>, DEVICE in the addressing the message
//    used; the fault switch deliveryReceipts turns them off;
//  - POST /contact-receipt writes one receipt for several ids in whatsmeow's MarkRead form;
//  - the companion's <ack class="receipt"> is matched to the receipt it answers.
#include <catch2/catch.hpp>

#include <algorithm>
#include <ctime>
#include <map>
#include <httplib.h>
#include "e2e_support.hpp"
#include "sim_companion.hpp"
#include "simulator.hpp"

using namespace e2e;
using wa::Jid;
using wa::Node;
using wa::NodeList;

namespace {

// The next `n` receipts the companion gets, by their from attribute.
std::map<std::string, Node> next_receipts(Companion& c, size_t n) {
  std::map<std::string, Node> out;
  while (out.size() < n) {
    auto r = c.next("receipt");
    if (!r) break;
    out[r->attr("from")] = *r;
  }
  return out;
}

// whatsmeow's sendAck for a receipt: class, id, to = from, type and recipient copied.
Node ack_of(const Node& receipt) {
  Node ack("ack", {{"class", "receipt"}, {"id", receipt.attr("id")}, {"to", *receipt.jid_attr("from")}});
  if (const auto* t = receipt.find_attr("type")) ack.set_attr("type", *t);
  if (const auto* r = receipt.find_attr("recipient")) ack.set_attr("recipient", *r);
  return ack;
}

json post(httplib::Client& c, const std::string& path, const json& body, int* status) {
  auto res = c.Post(path.c_str(), body.dump(), "application/json");
  REQUIRE(res);
  *status = res->status;
  return json::parse(res->body, nullptr, false);
}

bool all_acked(const sim::Simulator& s) {
  const auto relayed = s.relayed_receipts();
  return !relayed.empty() &&
         std::all_of(relayed.begin(), relayed.end(), [](const auto& r) { return r.acked; });
}

}  // namespace

TEST_CASE("simulator receipts: every device that decrypted answers, the own phone as sender", "[sim][receipts]") {
  sim::Simulator s;
  s.start();
  auto a = pair_and_login(s, 0);
  Sender sender(a->keys);
  const int64_t before = static_cast<int64_t>(std::time(nullptr));
  const std::string own_phone = s.lid_user() + "@lid";

  Sent sent = send_text(*a, sender, "are you there?");
  auto ack = next_ack(*a);
  REQUIRE(ack);
  CHECK(ack->attr("id") == sent.id);
  // After the server's ack: one receipt per decrypting device (the message went to the LID,
  // so every device is named by its LID).
  auto receipts = next_receipts(*a, 3);
  REQUIRE(receipts.size() == 3);
  for (const std::string& dev : {contact_lid(0), contact_lid(7)}) {
    INFO(dev);
    REQUIRE(receipts.count(dev));
    const Node& r = receipts[dev];
    CHECK(r.attr("id") == sent.id);
    CHECK(r.find_attr("type") == nullptr);  // delivered
    CHECK(r.find_attr("recipient") == nullptr);
    CHECK(r.find_attr("participant") == nullptr);
    CHECK(std::stoll(r.attr("t")) >= before);
    CHECK(r.children() == nullptr);
  }
  REQUIRE(receipts.count(own_phone));
  const Node& mine = receipts[own_phone];
  CHECK(mine.attr("id") == sent.id);
  CHECK(mine.attr("type") == "sender");
  CHECK(mine.attr("recipient") == contact_lid(0));
  CHECK(std::stoll(mine.attr("t")) >= before);

  // The companion acks them as whatsmeow does; the server matches each ack to its receipt.
  for (const auto& [from, r] : receipts) a->conn->send_node(ack_of(r));
  REQUIRE(wait_until([&] { return all_acked(s); }, 5s));
  const auto relayed = s.relayed_receipts();
  REQUIRE(relayed.size() == 3);
  for (const auto& r : relayed) {
    CHECK(r.companion == a->pn.str());
    CHECK(r.ids == std::vector<std::string>{sent.id});
    CHECK(r.ack_problem.empty());
  }

  httplib::Client c(s.control_url());
  auto res = c.Get("/receipts");
  REQUIRE(res);
  json listed = json::parse(res->body)["data"]["relayed"];
  REQUIRE(listed.size() == 3);
  for (const json& r : listed) {
    CHECK(r["acked"] == true);
    CHECK(r["ackProblem"] == "");
    CHECK(r["id"] == sent.id);
  }
  CHECK(contains(s.history(), "sender-receipt:" + own_phone));
  CHECK(contains(s.history(), "delivery-receipt:" + contact_lid(7)));
  CHECK(s.anomalies().empty());
}

TEST_CASE("simulator receipts: a PN-addressed message is receipted in PN form", "[sim][receipts]") {
  sim::Simulator s;
  s.start();
  auto a = pair_and_login(s, 0);
  Sender sender(a->keys);
  SendSpec pn;
  pn.to_pn = true;
  Sent sent = send_text(*a, sender, "to the number", pn);
  REQUIRE(next_ack(*a));
  auto receipts = next_receipts(*a, 3);
  REQUIRE(receipts.size() == 3);
  const std::string contact = std::string(kContactPhone) + "@s.whatsapp.net";
  CHECK(receipts.count(contact));
  CHECK(receipts.count(std::string(kContactPhone) + ":7@s.whatsapp.net"));
  const std::string own_phone = s.phone_number() + "@s.whatsapp.net";
  REQUIRE(receipts.count(own_phone));
  CHECK(receipts[own_phone].attr("type") == "sender");
  CHECK(receipts[own_phone].attr("recipient") == contact);
  // The simulator still notes that whatsmeow would have sent to the LID.
  for (const std::string& anomaly : s.anomalies()) CHECK(anomaly.find("sent to the PN") != std::string::npos);
}

TEST_CASE("simulator receipts: the deliveryReceipts fault silences them; wrong acks are anomalies", "[sim][receipts]") {
  sim::Simulator s;
  s.start();
  auto a = pair_and_login(s, 0);
  Sender sender(a->keys);
  httplib::Client c(s.control_url());
  int status = 0;
  json state = post(c, "/faults", {{"deliveryReceipts", false}}, &status);
  CHECK(status == 200);
  CHECK(state["data"]["deliveryReceipts"] == false);
  CHECK(post(c, "/faults", {{"deliveryReceipts", "no"}}, &status)["error"]["code"] == "bad_request");
  CHECK(status == 400);

  Sent quiet = send_text(*a, sender, "nobody answers");
  REQUIRE(next_ack(*a));
  REQUIRE(s.wait_for_messages(3, 5s));
  for (const auto& m : entries_for(s, quiet.id)) CHECK(m.decrypt_error.empty());  // still decrypted
  CHECK_FALSE(a->next("receipt", 700ms));
  CHECK(s.relayed_receipts().empty());

  CHECK(post(c, "/faults", {{"deliveryReceipts", true}}, &status)["data"]["deliveryReceipts"] == true);
  Sent loud = send_text(*a, sender, "answer again");
  REQUIRE(next_ack(*a));
  auto receipts = next_receipts(*a, 3);
  REQUIRE(receipts.size() == 3);
  const Node& mine = receipts[s.lid_user() + "@lid"];
  // An ack that drops the type, one that names the wrong device, one for an unknown id.
  Node careless = ack_of(mine);
  careless.attrs.erase(std::remove_if(careless.attrs.begin(), careless.attrs.end(),
                                      [](const auto& kv) { return kv.first == "type"; }),
                       careless.attrs.end());
  a->conn->send_node(careless);
  Node misdirected = ack_of(receipts[contact_lid(7)]);
  misdirected.set_attr("to", *Jid::parse(contact_lid(3)));
  a->conn->send_node(misdirected);
  Node unknown = ack_of(receipts[contact_lid(0)]);
  unknown.set_attr("id", "3EB0" + std::string(18, 'F'));
  a->conn->send_node(unknown);
  REQUIRE(wait_until([&] { return s.anomalies().size() >= 3; }, 5s));
  const auto anomalies = s.anomalies();
  CHECK(contains_text(anomalies, "ack type '' is not the receipt's 'sender'"));
  CHECK(contains_text(anomalies, "id=" + loud.id + " to=" + contact_lid(3) + "> answers no receipt"));
  CHECK(contains_text(anomalies, "id=3EB0FFFFFFFFFFFFFFFFFF to=" + contact_lid(0) + "> answers no receipt"));
}

TEST_CASE("simulator receipts: POST /contact-receipt sends read and played receipts for several ids", "[sim][receipts]") {
  sim::Simulator s;
  s.start();
  httplib::Client c(s.control_url());
  int status = 0;
  const json read3 = {{"from", contact_lid(7)}, {"type", "read"}, {"ids", {"3EB0AA", "3EB0BB", "3EB0CC"}}};
  // No companion yet.
  CHECK(post(c, "/contact-receipt", read3, &status)["error"]["code"] == "not_delivered");
  CHECK(status == 409);

  auto a = pair_and_login(s, 0);
  const int64_t before = static_cast<int64_t>(std::time(nullptr));
  json ok = post(c, "/contact-receipt", read3, &status);
  CHECK(status == 200);
  CHECK(ok["data"]["delivered"] == 1);
  auto r = a->next("receipt");
  REQUIRE(r);
  CHECK(r->attr("from") == contact_lid(7));
  CHECK(r->attr("type") == "read");
  CHECK(r->attr("id") == "3EB0AA");
  CHECK(std::stoll(r->attr("t")) >= before);
  CHECK(r->find_attr("recipient") == nullptr);
  // whatsmeow parseReceipt reads the items only when <list> is the only child.
  REQUIRE(r->children());
  REQUIRE(r->children()->size() == 1);
  const Node& list = r->children()->front();
  CHECK(list.tag == "list");
  const auto items = list.children_by_tag("item");
  REQUIRE(items.size() == 2);
  CHECK(items[0]->attr("id") == "3EB0BB");
  CHECK(items[1]->attr("id") == "3EB0CC");
  a->conn->send_node(ack_of(*r));

  // PN form, one id, played; and a delivery receipt, which has no type at all.
  const std::string pn7 = std::string(kContactPhone) + ":7@s.whatsapp.net";
  post(c, "/contact-receipt", {{"from", pn7}, {"type", "played"}, {"ids", {"3EB0DD"}}}, &status);
  CHECK(status == 200);
  r = a->next("receipt");
  REQUIRE(r);
  CHECK(r->attr("from") == pn7);
  CHECK(r->attr("type") == "played");
  CHECK(r->children() == nullptr);
  a->conn->send_node(ack_of(*r));
  post(c, "/contact-receipt", {{"from", contact_lid(0)}, {"type", "delivered"}, {"ids", {"3EB0EE"}}}, &status);
  CHECK(status == 200);
  r = a->next("receipt");
  REQUIRE(r);
  CHECK(r->find_attr("type") == nullptr);
  a->conn->send_node(ack_of(*r));

  REQUIRE(wait_until([&] { return all_acked(s); }, 5s));
  const auto relayed = s.relayed_receipts();
  REQUIRE(relayed.size() == 3);
  CHECK(relayed[0].ids == std::vector<std::string>{"3EB0AA", "3EB0BB", "3EB0CC"});
  CHECK(relayed[1].type == "played");
  CHECK(relayed[2].type == "");

  // Bodies that can never be sent.
  for (const json& bad : {json{{"from", contact_lid(7)}, {"type", "seen"}, {"ids", {"X"}}},
                          json{{"from", contact_lid(7)}, {"type", "read"}, {"ids", json::array()}},
                          json{{"from", contact_lid(7)}, {"type", "read"}, {"ids", {1, 2}}},
                          json{{"from", contact_lid(7)}, {"type", "read"}, {"ids", {""}}},
                          json{{"from", contact_lid(7)}, {"type", "read"}},
                          json{{"from", s.lid_user() + "@lid"}, {"type", "read"}, {"ids", {"X"}}},
                          json{{"from", contact_lid(9)}, {"type", "read"}, {"ids", {"X"}}},
                          json{{"from", "15550000000@s.whatsapp.net"}, {"type", "read"}, {"ids", {"X"}}}}) {
    INFO(bad.dump());
    CHECK(post(c, "/contact-receipt", bad, &status)["error"]["code"] == "bad_request");
    CHECK(status == 400);
  }
  auto garbage = c.Post("/contact-receipt", "{not json", "application/json");
  REQUIRE(garbage);
  CHECK(garbage->status == 400);
  CHECK(s.anomalies().empty());
}
