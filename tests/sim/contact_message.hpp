// A text message one of a contact's simulated devices sends to a companion of the account
// (inbound shape of PROTOCOL.md §10, as whatsmeow's parseMessageSource reads a DM):
//   <message from="LIDUSER:DEV@lid" id t type="text" notify=NAME sender_pn="PHONE@s.whatsapp.net">
//     <enc v="2" type="msg">…</enc></message>
// Encrypted over the session the device built when it decrypted the companion's pkmsg. Replying
// is what lets the companion's next message to that device travel as "msg": libsignal keeps
// sending PreKeySignalMessages until it has decrypted a message from the peer.
#pragma once
#include <string>
#include <variant>
#include "directory.hpp"
#include "wa/binary/node.hpp"

namespace sim {

// The <message> for `to_companion`, or why there is none (not a contact device, no session).
std::variant<wa::Node, std::string> contact_message(Directory& directory, const wa::Jid& from_device,
                                                    const PairedDevice& to_companion,
                                                    const std::string& text, const std::string& id,
                                                    int64_t now);

// A message id in the real clients' shape: "3EB0" + 18 upper-case hex (§9).
std::string new_message_id();

}  // namespace sim
