// The server's answer to <iq xmlns="usync" type="get"><usync sid mode context last index>
// <query>…</query><list><user …/>…</list></usync></iq> (PROTOCOL.md §9), shaped as whatsmeow's
// user.go reads it (usync → list → user; parseDeviceList; GetUserInfo's <lid val>; IsOnWhatsApp's
// <contact type> with jid / pn_jid):
//
// - <user jid=X/> (bare PN or LID) of a known user, per protocol in <query>:
//     devices → <devices><device-list><device id="0"/><device id="7" key-index="1"/>…</device-list>
//               <key-index-list ts=NOW>ADVSignedKeyIndexList</key-index-list></devices>
//               (device JIDs follow X's server: a LID query lists LID devices)
//     lid     → <lid val="LIDUSER@lid"/> when X is a phone number
//     status  → <status t=…>text</status>;  business, picture, … → nothing (not a business,
//               no picture)
// - <user jid=X/> the server does not know (the documented choice for an unknown number):
//     <user jid=X> with no <lid>, and <devices><error code="404" text="not-found"/></devices>
//     when devices were asked for.
// - <user><contact>+DIGITS[@c.us]</contact></user> (IsOnWhatsApp, §9): <user jid=… [pn_jid=PN]>
//   <contact type="in"|"out">the query text</contact>…</user>; with addressing_mode="lid" on the
//   query's <contact> a known user's jid is the LID and pn_jid the PN (whatsmeow), otherwise the
//   jid is the PN. An unknown number answers jid=PN and type="out".
#pragma once
#include <string>
#include <vector>
#include "directory.hpp"
#include "wa/binary/node.hpp"

namespace sim {

// Builds the <usync> child of the iq result. Departures from what the clients send go to
// `anomalies` (e.g. an AD JID in <user jid>).
wa::Node answer_usync(const wa::Node& usync, const Directory& directory,
                      const std::vector<PairedDevice>& paired, int64_t now,
                      std::vector<std::string>& anomalies);

}  // namespace sim
