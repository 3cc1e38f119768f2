// usync queries (PROTOCOL.md §9; whatsmeow user.go): device lists and user info (LID).
#pragma once
#include <optional>
#include <string>
#include <vector>
#include "wa/binary/node.hpp"

namespace wa {

// <iq xmlns="usync" type="get" to=s.whatsapp.net><usync sid=SID mode="query" context="message"
// last="true" index="0"><query><devices version="2"/></query><list><user jid=BARE/>...</list>
// </usync></iq> — as whatsmeow's GetUserDevices sends it.
Node make_device_list_query(const std::vector<Jid>& users, const std::string& sid);

// whatsmeow's GetUserInfo: mode="full" context="background", query <business><verified_name/>
// </business><status/><picture/><devices version="2"/><lid/>. Used to learn a PN's LID.
Node make_user_info_query(const std::vector<Jid>& users, const std::string& sid);

struct UsyncUser {
  Jid jid;                      // the user as the server names it (bare)
  std::optional<Jid> lid;       // from <lid val=…/>
  bool has_device_list = false; // a <devices><device-list> was present
  std::vector<Jid> devices;     // AD JIDs USER:ID@server (hosted devices on hosted servers)
  std::optional<std::string> error;  // an <error> in the user's result, if any
};

// Parses the <usync><list><user>… of a result iq; throws std::runtime_error if the result has
// no <usync><list>.
std::vector<UsyncUser> parse_usync_result(const Node& result);

// A new usync sid (whatsmeow: a fresh request id).
std::string new_usync_sid();

}  // namespace wa
