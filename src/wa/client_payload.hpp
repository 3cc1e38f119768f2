// The ClientPayload sent inside the handshake's ClientFinish (PROTOCOL.md §4): a registration
// payload for an unpaired device, a login payload for a paired one.
#pragma once
#include <optional>
#include <string>
#include "util/bytes.hpp"
#include "util/curve25519.hpp"

namespace wa {

// WhatsApp Web client version, "2.3000.REV". Only REV changes over time; a stale one is refused
// with <failure reason="405"/>, so it is configuration, not a constant.
struct WaVersion {
  uint32_t primary = 2, secondary = 3000, tertiary = 1045649367;
  static std::optional<WaVersion> parse(const std::string& text);
  std::string str() const;
  util::Bytes build_hash() const;  // MD5 of str(), 16 raw bytes
};

// What the phone shows in "Linked devices".
struct DeviceProps {
  std::string os = "Linux";
  int platform_type = 1;  // DeviceProps.PlatformType CHROME
};

struct RegistrationKeys {
  uint32_t registration_id;
  util::curve::Key32 identity_pub;
  uint32_t signed_pre_key_id;
  util::curve::Key32 signed_pre_key_pub;
  util::Bytes signed_pre_key_signature;  // 64 bytes
};

util::Bytes registration_payload(const RegistrationKeys& keys, const WaVersion& version,
                                 const DeviceProps& props);
util::Bytes login_payload(uint64_t username, uint32_t device, const WaVersion& version);

}  // namespace wa
