// usync queries and their results (PROTOCOL.md §9 "Device list", "LID handling"; whatsmeow
// user.go: usync, GetUserDevices, GetUserInfo, parseDeviceList).
#include "wa/usync.hpp"

#include <charconv>
#include <stdexcept>

#include "wa/stanza.hpp"

namespace wa {
namespace {

using Attrs = std::vector<std::pair<std::string, AttrValue>>;

// whatsmeow usync(): each user is sent bare; s.whatsapp.net and lid users as <user jid=…/>
// (a typed JID, so the codec writes a JID_PAIR), legacy c.us users as <user><contact>…</contact>.
// Any other server is refused there ("unknown user server") and here.
Node user_node(const Jid& user) {
  const Jid bare = user.to_non_ad();
  if (bare.server == kLegacyUserServer) {
    Node contact("contact");
    contact.content = bare.str();
    return Node("user", {}, NodeList{std::move(contact)});
  }
  if (bare.server == kServerJid || bare.server == kLidServer) return Node("user", {{"jid", bare}});
  throw std::invalid_argument("usync: unknown user server '" + bare.server + "'");
}

Node usync_iq(const std::vector<Jid>& users, const std::string& sid, const char* mode,
              const char* context, NodeList query) {
  NodeList list;
  list.reserve(users.size());
  for (const Jid& u : users) list.push_back(user_node(u));
  Node usync("usync", {{"sid", sid}, {"mode", mode}, {"context", context}, {"last", "true"},
                       {"index", "0"}},
             NodeList{Node("query", {}, std::move(query)), Node("list", {}, std::move(list))});
  return Node("iq", {{"xmlns", "usync"}, {"type", "get"}, {"to", Jid::server_jid()}},
              NodeList{std::move(usync)});
}

Node devices_query() { return Node("devices", {{"version", "2"}}); }

// Go's strconv.ParseBool true spellings (whatsmeow AttrGetter.Bool("is_hosted")); Baileys
// accepts only "true", which is among them.
bool parse_go_bool_true(const std::string& v) {
  return v == "1" || v == "t" || v == "T" || v == "true" || v == "TRUE" || v == "True";
}

// A device id as whatsmeow reads it (a decimal attribute), limited to what an AD_JID can carry:
// its device is one byte on the wire (§5), so a larger id could never be addressed.
std::optional<uint16_t> parse_device_id(const std::string& v) {
  unsigned n = 0;
  const char* end = v.data() + v.size();
  auto [ptr, ec] = std::from_chars(v.data(), end, n);
  if (v.empty() || ec != std::errc() || ptr != end || n > 0xFF) return std::nullopt;
  return uint16_t(n);
}

// A JID whose text form parses back to itself (no '.', ':' or '@' hidden in the user part, a
// known server): only such JIDs are stored, cached by text, or turned into device JIDs.
bool text_round_trips(const Jid& j) {
  const auto back = Jid::parse(j.str());
  return back && *back == j;
}

std::string error_text(const Node& err) {
  std::string s = "error " + err.attr("code");
  const std::string text = err.attr("text");
  if (!text.empty()) s += " " + text;
  return s;
}

// whatsmeow parseDeviceList: <devices><device-list><device id [key-index] [is_hosted]/>…
// Devices without key-index are kept (whatsmeow; §12 notes Baileys drops non-zero ones).
void read_devices(const Node& devices, UsyncUser& u) {
  const Node* list = devices.child("device-list");
  if (!list) return;
  u.has_device_list = true;
  for (const Node* d : list->children_by_tag("device")) {
    auto id = parse_device_id(d->attr("id"));
    if (!id) continue;  // whatsmeow skips a device without a readable id
    Jid dev = u.jid;
    dev.device = *id;
    if (parse_go_bool_true(d->attr("is_hosted")))
      dev.server = (u.jid.server == kLidServer) ? kHostedLidServer : kHostedServer;
    u.devices.push_back(std::move(dev));
  }
}

}  // namespace

Node make_device_list_query(const std::vector<Jid>& users, const std::string& sid) {
  // whatsmeow GetUserDevices: usync(jids, "query", "message", <devices version="2"/>).
  return usync_iq(users, sid, "query", "message", NodeList{devices_query()});
}

Node make_user_info_query(const std::vector<Jid>& users, const std::string& sid) {
  // whatsmeow GetUserInfo. It also attaches a privacy <tctoken> per user when it holds one; we
  // hold none (privacy tokens are not implemented), which is what whatsmeow sends without one.
  return usync_iq(users, sid, "full", "background",
                  NodeList{Node("business", {}, NodeList{Node("verified_name")}), Node("status"),
                           Node("picture"), devices_query(), Node("lid")});
}

std::vector<UsyncUser> parse_usync_result(const Node& result) {
  const Node* usync = result.child("usync");
  const Node* list = usync ? usync->child("list") : nullptr;
  if (!list) throw std::runtime_error("usync result has no <usync><list>");
  std::vector<UsyncUser> out;
  for (const Node* user : list->children_by_tag("user")) {
    std::optional<Jid> jid = user->jid_attr("jid");
    // whatsmeow skips users without a JID; we also skip JIDs that would not survive as text.
    if (!jid || jid->user.empty() || !text_round_trips(jid->to_non_ad())) continue;
    UsyncUser u;
    u.jid = jid->to_non_ad();
    // An error may stand for the whole user or for one protocol's part (Baileys
    // assertNodeErrorFree on <devices>); the first one found is reported.
    if (const Node* err = user->child("error")) u.error = error_text(*err);
    if (const Node* devices = user->child("devices")) {
      if (const Node* err = devices->child("error"); err && !u.error) u.error = error_text(*err);
      read_devices(*devices, u);
    }
    if (const Node* lid = user->child("lid")) {
      if (const Node* err = lid->child("error"); err && !u.error) u.error = error_text(*err);
      // whatsmeow GetUserInfo: OptionalJIDOrEmpty("val"); only a LID user JID is a usable one.
      std::optional<Jid> val = lid->jid_attr("val");
      if (val && !val->user.empty() && val->server == kLidServer && text_round_trips(val->to_non_ad()))
        u.lid = val->to_non_ad();
    }
    out.push_back(std::move(u));
  }
  return out;
}

std::string new_usync_sid() {
  // whatsmeow uses a fresh request id; the same unique-per-process form as iq ids.
  static RequestIds ids;
  return ids.next();
}

}  // namespace wa
