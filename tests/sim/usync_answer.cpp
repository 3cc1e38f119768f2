#include "usync_answer.hpp"

#include <algorithm>

namespace sim {
namespace {

using wa::Jid;
using wa::Node;
using wa::NodeList;

// The status a user without one shows (any text works; clients display it verbatim).
constexpr const char kDefaultStatus[] = "Hey there! I am using WhatsApp.";

struct Query {
  bool devices = false, lid = false, status = false, contact = false;
  bool contact_lid_addressing = false;  // <contact addressing_mode="lid"/> (whatsmeow IsOnWhatsApp)
};

Query read_query(const Node* query) {
  Query q;
  if (!query || !query->children()) return q;
  for (const Node& p : *query->children()) {
    if (p.tag == "devices") q.devices = true;
    else if (p.tag == "lid") q.lid = true;
    else if (p.tag == "status") q.status = true;
    else if (p.tag == "contact") {
      q.contact = true;
      q.contact_lid_addressing = p.attr("addressing_mode") == "lid";
    }
  }
  return q;
}

// "+15557654321@c.us" (whatsmeow) or "+15557654321" (Baileys) → "15557654321"; "" if not a number.
std::string contact_digits(std::string text) {
  const std::string suffix = std::string("@") + wa::kLegacyUserServer;
  if (text.size() > suffix.size() && text.compare(text.size() - suffix.size(), suffix.size(), suffix) == 0)
    text.resize(text.size() - suffix.size());
  if (!text.empty() && text[0] == '+') text.erase(0, 1);
  if (text.empty() || text.size() > 20 || text.find_first_not_of("0123456789") != std::string::npos)
    return "";
  return text;
}

Node devices_node(const KnownUser& user, const Directory& dir,
                  const std::vector<PairedDevice>& paired, int64_t now) {
  const std::vector<ListedDevice> devices = dir.devices(user, paired);
  NodeList list;
  for (const ListedDevice& d : devices) {
    if (d.id == 0) list.emplace_back("device", std::vector<std::pair<std::string, wa::AttrValue>>{{"id", "0"}});
    else
      list.emplace_back("device", std::vector<std::pair<std::string, wa::AttrValue>>{
                                      {"id", std::to_string(d.id)},
                                      {"key-index", std::to_string(d.key_index)}});
  }
  return Node("devices", {},
              NodeList{Node("device-list", {}, std::move(list)),
                       Node("key-index-list", {{"ts", std::to_string(now)}},
                            dir.signed_key_index_list(user, devices, now))});
}

Node unknown_devices_node() {
  return Node("devices", {},
              NodeList{Node("error", {{"code", "404"}, {"text", "not-found"}})});
}

// The protocol answers for one known or unknown user, in the order the query named them.
void add_answers(NodeList& out, const Query& q, const std::optional<KnownUser>& user,
                 const Jid& queried, const Directory& dir, const std::vector<PairedDevice>& paired,
                 int64_t now) {
  if (q.devices) out.push_back(user ? devices_node(*user, dir, paired, now) : unknown_devices_node());
  // GetUserInfo stores <lid val> as the LID of the queried PN: only a PN query gets one.
  if (q.lid && user && queried.server == wa::kServerJid)
    out.push_back(Node("lid", {{"val", user->lid()}}));
  if (q.status && user)
    out.push_back(Node("status", {{"t", std::to_string(now)}}, util::to_bytes(kDefaultStatus)));
}

}  // namespace

Node answer_usync(const Node& usync, const Directory& dir, const std::vector<PairedDevice>& paired,
                  int64_t now, std::vector<std::string>& anomalies) {
  const Query q = read_query(usync.child("query"));
  if (!usync.child("query")) anomalies.push_back("usync without <query>");
  const Node* list = usync.child("list");
  if (!list) anomalies.push_back("usync without <list>");
  for (const char* attr : {"sid", "mode", "context"})
    if (usync.attr(attr).empty()) anomalies.push_back(std::string("usync without ") + attr);

  NodeList users;
  if (list) {
    for (const Node* u : list->children_by_tag("user")) {
      NodeList answers;
      if (const Node* contact = u->child("contact"); contact && q.contact) {
        // IsOnWhatsApp-style lookup by phone number.
        const std::string text = util::to_string(contact->bytes());
        const std::string digits = contact_digits(text);
        std::optional<KnownUser> user = digits.empty() ? std::nullopt : dir.find_phone(digits);
        std::vector<std::pair<std::string, wa::AttrValue>> attrs;
        Jid queried = Jid::user_jid(digits, wa::kServerJid);
        if (user && q.contact_lid_addressing) {
          queried = user->lid();
          attrs = {{"jid", user->lid()}, {"pn_jid", user->pn()}};
        } else if (!digits.empty()) {
          attrs = {{"jid", queried}};
        }
        answers.push_back(Node("contact", {{"type", user ? "in" : "out"}}, util::to_bytes(text)));
        add_answers(answers, Query{q.devices, false, q.status, false, false}, user, queried, dir,
                    paired, now);
        users.emplace_back("user", std::move(attrs), std::move(answers));
        continue;
      }
      auto jid = u->jid_attr("jid");
      if (!jid) {
        anomalies.push_back("usync <user> without jid or <contact>");
        continue;
      }
      if (jid->device != 0) anomalies.push_back("usync <user jid> is not bare: " + jid->str());
      const Jid bare = jid->to_non_ad();
      if (bare.server != wa::kServerJid && bare.server != wa::kLidServer)
        anomalies.push_back("usync <user jid> on server " + bare.server);
      std::optional<KnownUser> user = dir.find(bare);
      if (q.contact) answers.push_back(Node("contact", {{"type", user ? "in" : "out"}}));
      add_answers(answers, q, user, bare, dir, paired, now);
      users.emplace_back("user", std::vector<std::pair<std::string, wa::AttrValue>>{{"jid", bare}},
                         std::move(answers));
    }
  }
  return Node("usync",
              {{"sid", usync.attr("sid")},
               {"mode", usync.attr("mode")},
               {"context", usync.attr("context")},
               {"index", "0"},
               {"last", "true"}},
              NodeList{Node("list", {}, std::move(users))});
}

}  // namespace sim
