// The phone's side of reading a pairing QR (PROTOCOL.md §6 step 3):
//   https://wa.me/settings/linked_devices#REF,b64(noise.pub),b64(identity.pub),b64(adv_secret),PLATFORM
// Parsed strictly: standard padded base64, 32-byte keys and secret, one platform character.
#pragma once
#include <optional>
#include <string>
#include "util/curve25519.hpp"

namespace sim {

inline constexpr const char kQrPrefix[] = "https://wa.me/settings/linked_devices#";

struct QrFields {
  std::string ref;
  util::curve::Key32 noise_pub{};
  util::curve::Key32 identity_pub{};
  util::Bytes adv_secret;  // 32 bytes
  char platform = 0;
};

// On failure returns std::nullopt and, if error is given, a sentence saying what is wrong.
std::optional<QrFields> parse_qr(const std::string& qr, std::string* error = nullptr);

}  // namespace sim
