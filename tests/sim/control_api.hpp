// The simulator's control HTTP API, for tests and for a person trying the service. Every answer
// is {"success":true,"data":…} or {"success":false,"error":{"code","message"}}.
//
// Pairing and state
//   POST /scan  {"qr": "...", "tamperHmac": false, "tamperAccountSignature": false, "wait": true}
//        -> 200 {"delivered":true,"answered":..,"paired":..,"jid":..,"error":{code,text,source}|null}
//        -> 400 malformed body or QR, 404 no live connection issued the QR's ref
//   GET  /state -> {registrations, logins, connections, phoneNumber, pairedDevices:[{phone, device,
//                   jid, lid}], lastPairingError, lidUser, contacts:[{phone, lid, devices:[ids]}],
//                   faults:{…as POST /faults answers}}
//   POST /unlink {"jid": "15551234567:2@s.whatsapp.net"} -> the phone unlinks that companion:
//        200 {"jid":..,"unlinked":true}; 400 bad body; 404 device_not_found
//
// What the companions sent
//   GET  /messages -> {"messages":[{id, to, peerRecipientPn, device, encType, text, dsmDestination,
//                     hadDeviceIdentity, decryptError, sender, retryCount}]}
//        (a test tool: the plaintext the simulated devices decrypted is included)
//   GET  /receipts -> {"receipts":[{companion, id, to, type, retryCount, hadKeys, keysError}],
//                      "relayed":[{companion, id, ids, from, type, recipient, t, acked, ackProblem}]}
//        receipts: the <receipt>s the companions sent; relayed: the <receipt>s the server wrote to
//        a companion for a simulated device (type "" = delivered, "sender", "read", "played",
//        "retry") and whether the companion answered <ack class="receipt" id to=from> (acked), with
//        what that ack failed to copy (ackProblem, "" when it copied type and recipient)
//   GET  /ledger -> {"messages":[{id, sender, arrivals, acks, ackError}], "logins":[{jid, atMs}],
//                    "prekeyUploads":[{jid, count, firstId, lastId, answered}]}
//
// Simulated devices writing to the companions (device_message.hpp, receipt_relay.hpp)
//   POST /contact-message {"from": "987654321098765:7@lid" | "15557654321:7@s.whatsapp.net",
//                          "text": "...", "kind": "text"|"image", "pushName": "...", "corrupt": N}
//        kind, pushName and corrupt are optional (text; "Contact PHONE"; 0). A LID `from` sends a
//        LID-addressed message with sender_pn, a PN `from` a PN-addressed one with sender_lid;
//        "image" sends an imageMessage with the text as caption. Written to every logged-in
//        companion, queued for the offline ones (delivered at their next login)
//        -> 200 {"id":ID,"delivered":N,"queued":M}; 400 bad body, not a contact's device or an
//           unknown kind; 409 {"error":{"code":"not_delivered","message":why}} (no companion)
//   POST /phone-message {"to": "15557654321@s.whatsapp.net" | "987654321098765@lid", "text": "..."}
//        the account's phone wrote to that chat; its companions get the DeviceSentMessage copy
//        -> 200 {"id":ID,"delivered":N,"queued":M}; 400 bad body or `to` not a user JID; 409
//           not_delivered
//   POST /contact-receipt {"from": "<contact device, PN or LID form>", "type": "delivered"|"read"|
//                          "played", "ids": ["ID1", ...]}
//        one <receipt> for all the ids (the first in `id`, the rest as <list><item id/></list>) to
//        every logged-in companion of the account
//        -> 200 {"delivered":N}; 400 bad body, unknown type or not a contact's device; 409
//           not_delivered (no companion connected)
//   POST /forget-sessions {"device": "987654321098765:7@lid"} -> that simulated device loses its
//        Signal sessions: 200 {}; 400 bad body; 404 not_found
//
// Faults
//   POST /faults {"messageError": N|null, "withholdAck": bool, "logoutError": N|null,
//                 "answerPings": bool, "withholdPrekeyUploads": bool, "withholdUsync": bool,
//                 "deliveryReceipts": bool, "failLogins": {count, reason}|null, "stallLogins": N}
//        every field optional -> 200 {messageError, withholdAck, logoutError, answerPings,
//        withholdPrekeyUploads, withholdUsync, deliveryReceipts, pendingLoginFailures,
//        pendingLoginStalls}; 400 bad body. deliveryReceipts (default true): the devices that
//        decrypt a companion's message answer with their receipts
//   POST /stream-error {"code": "515", "conflict": "replaced", "jid": "..."} -> <stream:error> to
//        that companion (every logged-in one without jid), then close: 200 {"sent":N}; 400 bad body
//
// Keys never leave the simulator through this API.
#pragma once

namespace httplib { class Server; }

namespace sim {

class Simulator;

void register_control_routes(httplib::Server& server, Simulator& sim);

}  // namespace sim
