// The simulator's control HTTP API, for tests and for a person trying the service:
//   POST /scan  {"qr": "...", "tamperHmac": false, "tamperAccountSignature": false, "wait": true}
//        -> 200 {"success":true,"data":{"delivered":true,"answered":..,"paired":..,"jid":..,
//                "error":{code,text,source}|null}}
//        -> 400 malformed body or QR, 404 no live connection issued the QR's ref
//   GET  /state -> {"success":true,"data":{registrations, logins, connections, phoneNumber,
//                   pairedDevices:[{phone, device, jid, lid}], lastPairingError}}
// Keys never leave the simulator through this API.
#pragma once

namespace httplib { class Server; }

namespace sim {

class Simulator;

void register_control_routes(httplib::Server& server, Simulator& sim);

}  // namespace sim
