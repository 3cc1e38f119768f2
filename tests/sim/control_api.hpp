// The simulator's control HTTP API, for tests and for a person trying the service:
//   POST /scan  {"qr": "...", "tamperHmac": false, "tamperAccountSignature": false, "wait": true}
//        -> 200 {"success":true,"data":{"delivered":true,"answered":..,"paired":..,"jid":..,
//                "error":{code,text,source}|null}}
//        -> 400 malformed body or QR, 404 no live connection issued the QR's ref
//   GET  /state -> {"success":true,"data":{registrations, logins, connections, phoneNumber,
//                   pairedDevices:[{phone, device, jid, lid}], lastPairingError}}
//        (added: contacts:[{phone, lid, devices:[ids]}], lidUser, faults:{messageError, withholdAck})
//   GET  /messages -> {"success":true,"data":{"messages":[{id, to, peerRecipientPn, device, encType,
//                     text, dsmDestination, hadDeviceIdentity, decryptError, sender}]}}
//        (a test tool: the plaintext the simulated devices decrypted is included)
//   POST /faults {"messageError": N (0 clears), "withholdAck": bool} — either field optional
//        -> 200 {"success":true,"data":{"messageError":N,"withholdAck":bool}}; 400 bad body
//   POST /contact-message {"from": "987654321098765:7@lid", "text": "..."}
//        -> 200 {"success":true,"data":{"id":ID}} once delivered to a logged-in companion;
//           400 bad body; 409 {"error":{"code":"not_delivered","message":why}}
//   Added (issue 4):
//   POST /faults also takes "logoutError": N (remove-companion-device answered with iq error N;
//        0 or null clears) and reports it
//   POST /unlink {"jid": "15551234567:2@s.whatsapp.net"} -> the phone unlinks that companion:
//        200 {"success":true,"data":{"jid":..,"unlinked":true}}; 400 bad body; 404 device_not_found
// Keys never leave the simulator through this API.
#pragma once

namespace httplib { class Server; }

namespace sim {

class Simulator;

void register_control_routes(httplib::Server& server, Simulator& sim);

}  // namespace sim
