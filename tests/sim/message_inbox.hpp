// The server's handling of a client's 1:1 text <message> (PROTOCOL.md §9 "Stanza"):
//   <message id to type="text" [peer_recipient_pn]><participants><to jid=DEVICE>
//   <enc v="2" type="pkmsg|msg">…</enc></to>…</participants>[<device-identity>…]</message>
// Each <to> goes to its device: simulated devices decrypt with their own libsignal store (the
// sender's Signal address is its LID address, as receivers key sessions by LID, §10 step 2),
// unpad strictly (n = last byte, 1..16, all n bytes equal n) and parse the Message (conversation,
// extendedTextMessage.text, or deviceSentMessage{destinationJID, message}). Paired companions are
// not simulated: their entry records that the simulator cannot decrypt it.
//
// Protocol rules checked (violations become anomalies, the message is still handled):
// message id in whatsmeow's format (3EB0 + 18 upper-case hex); type="text"; 1:1 sent to the
// contact's LID with peer_recipient_pn = its PN JID (whatsmeow HEAD); every device of the
// recipient and of the own account except the sending device listed exactly once, on the same
// server as `to`; one <enc v="2" type=pkmsg|msg> per <to>; <device-identity> present iff a
// pkmsg is, decoding as ADVSignedDeviceIdentity with accountSignatureKey = the account key and
// valid account and device signatures for the sending companion; a pkmsg announces the sender's
// registered identity and registration id; own devices get a DeviceSentMessage whose
// destinationJID is `to`, contact devices a plain Message.
//
// The answer is the server ack <ack class="message" id=ID from=TO t=NOW [error=N]/> (what
// whatsmeow's SendMessage reads: id, t, error, optional phash — not sent here). Faults: with a
// message error set the message is refused (ack with error, nothing delivered); with the ack
// withheld it is delivered but never acked. An unknown recipient is refused with error 479.
#pragma once
#include <optional>
#include "directory.hpp"
#include "message_plaintext.hpp"
#include "phone.hpp"
#include "sim_state.hpp"
#include "wa/binary/node.hpp"

namespace sim {

// Returns the ack to send, or std::nullopt when it is withheld.
std::optional<wa::Node> receive_message(const wa::Node& message, const PairedDevice& sender,
                                        const Phone& phone, Directory& directory,
                                        SimState& state, int64_t now);

}  // namespace sim
