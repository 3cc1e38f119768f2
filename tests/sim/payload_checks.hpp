// The server's reading of the ClientPayload that ends the Noise handshake (PROTOCOL.md §4):
// either a registration (devicePairingData, no username/device) or a login (username + device,
// no devicePairingData). Anything else is refused.
#pragma once
#include <cstdint>
#include <string>
#include <variant>
#include "util/curve25519.hpp"

namespace sim {

struct Registration {
  uint32_t registration_id = 0;
  util::curve::Key32 identity_pub{};
  uint32_t signed_pre_key_id = 0;
  util::curve::Key32 signed_pre_key_pub{};
  uint32_t app_revision = 0;  // userAgent.appVersion.tertiary
  util::Bytes signed_pre_key_signature;  // added (issue 3): served in bundles before any upload
};

struct Login {
  uint64_t username = 0;
  uint32_t device = 0;
  bool passive = false;
  uint32_t app_revision = 0;
};

// Refusal with the <failure reason=N/> the server answers.
struct PayloadRefusal {
  int reason = 400;
  std::string why;
};

using PayloadReading = std::variant<Registration, Login, PayloadRefusal>;

// Strict reading:
// - userAgent with appVersion must be present (the server rejects unknown clients);
// - registration: eRegid 4 bytes, eKeytype = 05, eIdent 32, eSkeyID 3, eSkeyVal 32, eSkeySig 64
//   and a valid Curve25519 signature by eIdent over 05 || eSkeyVal (§8), buildHash =
//   MD5("P.S.T") of the announced version (§4), deviceProps a DeviceProps;
// - login: username and device set, no devicePairingData.
PayloadReading read_client_payload(const util::Bytes& payload);

}  // namespace sim
