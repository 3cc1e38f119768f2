// The server's answer to a prekey bundle fetch (PROTOCOL.md §9):
// <iq xmlns="encrypt" type="get"><key><user jid="USER:DEV@server" reason="identity"/>…</key></iq>
// → <list><user jid=…>bundle</user>…</list>, one <user> per requested device, echoing its jid
// (whatsmeow's fetchPreKeys keys its result map by that jid).
// A simulated device (contact device, the account's phone) hands out its next one-time key; a
// paired companion its next uploaded key (lowest id first); without keys left the bundle has no
// <key>. A device the server does not know answers <user jid=…><error code="404"
// text="item-not-found"/></user>.
#pragma once
#include <string>
#include <vector>
#include "directory.hpp"
#include "sim_state.hpp"
#include "wa/binary/node.hpp"

namespace sim {

// `requester` is the companion asking (fetching its own bundle is flagged as an anomaly).
wa::Node answer_key_fetch(const wa::Node& key, Directory& directory, SimState& state,
                          const PairedDevice& requester, std::vector<std::string>& anomalies);

}  // namespace sim
