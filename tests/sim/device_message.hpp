// A message one of the simulated devices writes to a companion of the account, in the inbound
// shape of PROTOCOL.md §10 as whatsmeow's parseMessageSource and Baileys' decodeMessageNode
// read it:
//  - a contact's device (its phone or a companion of it):
//      <message from=DEVICE id t type="text"|"media" notify=NAME sender_pn=PN | sender_lid=LID>
//        <enc v="2" type="pkmsg"|"msg" [mediatype="image"]>…</enc>[<device-identity>…]</message>
//    `from` is addressed as the caller chose: a LID-addressed message names the contact's PN in
//    sender_pn, a PN-addressed one its LID in sender_lid (whatsmeow reads sender_pn when `from`
//    is a LID, sender_lid otherwise; both without a device part, which the reader copies from
//    `from`). Plaintext Message{conversation}, or Message{imageMessage} with the text as caption
//    (type="media", mediatype="image": whatsmeow getTypeFromMessage / getMediaTypeFromMessage).
//    A pkmsg from a contact's companion carries its <device-identity> (§9: iff a pkmsg);
//  - the account's own phone copying to its companions a message it wrote to CHAT:
//      <message from=OWN (device 0, on CHAT's server) recipient=CHAT id t type="text"
//        [peer_recipient_pn | peer_recipient_lid]><enc …>…</enc></message>
//    with the plaintext Message{deviceSentMessage(31){destinationJID(1) = CHAT, message(2) =
//    Message{conversation}}}. whatsmeow: from.User is the own user, so IsFromMe, Chat =
//    recipient, RecipientAlt = peer_recipient_pn for a LID chat (else peer_recipient_lid);
//    Baileys: recipient present and from is me, so fromMe and remoteJid = recipient.
// Each device encrypts over its Signal session with the companion, keyed by the companion's LID
// address (§10 step 2). Without one it builds one from the companion's prekey bundle the server
// holds, consuming one of its uploaded one-time prekeys as a bundle fetch does (§9), so the
// message is a pkmsg; libsignal keeps sending pkmsg until the device has decrypted a message
// from the companion.
#pragma once
#include <optional>
#include <string>
#include <variant>
#include "directory.hpp"
#include "message_desk.hpp"
#include "sim_state.hpp"
#include "wa/binary/node.hpp"

namespace sim {

// Why the spec cannot be sent by anyone (not a contact's device, not the own phone, a chat that
// is not a user JID), or std::nullopt.
std::optional<std::string> device_message_problem(Directory& directory, const DeviceMessageSpec& spec);

// The <message> for `to_companion`, or why there is none. May consume one of the companion's
// one-time prekeys (the session rule above).
std::variant<wa::Node, std::string> device_message(Directory& directory, SimState& state,
                                                   const DeviceMessageSpec& spec,
                                                   const PairedDevice& to_companion,
                                                   const std::string& id, int64_t now);

// A message id in the real clients' shape: "3EB0" + 18 upper-case hex (§9).
std::string new_message_id();

}  // namespace sim
