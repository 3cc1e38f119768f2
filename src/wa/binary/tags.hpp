// Private: tag bytes of the binary node codec (PROTOCOL.md §5; whatsmeow binary/token/token.go).
#pragma once
#include <cstddef>
#include <cstdint>

namespace wa::tags {

inline constexpr uint8_t kListEmpty = 0;
inline constexpr uint8_t kDictionary0 = 236;  // 236..239: double-byte dictionaries 0..3
inline constexpr uint8_t kDictionary3 = 239;
inline constexpr uint8_t kInteropJid = 245;
inline constexpr uint8_t kFbJid = 246;
inline constexpr uint8_t kAdJid = 247;
inline constexpr uint8_t kList8 = 248;
inline constexpr uint8_t kList16 = 249;
inline constexpr uint8_t kJidPair = 250;
inline constexpr uint8_t kHex8 = 251;
inline constexpr uint8_t kBinary8 = 252;
inline constexpr uint8_t kBinary20 = 253;
inline constexpr uint8_t kBinary32 = 254;
inline constexpr uint8_t kNibble8 = 255;

inline constexpr size_t kPackedMax = 127;  // longest string written as NIBBLE_8 / HEX_8

// AD_JID domain bytes (whatsmeow types/jid.go); any other value is a raw agent on s.whatsapp.net.
inline constexpr uint8_t kDomainWhatsApp = 0;
inline constexpr uint8_t kDomainLid = 1;
inline constexpr uint8_t kDomainHosted = 128;
inline constexpr uint8_t kDomainHostedLid = 129;

}  // namespace wa::tags
