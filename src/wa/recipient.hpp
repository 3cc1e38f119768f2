// Recipient normalisation for POST /send (PROTOCOL.md §9 "Recipient normalisation").
#pragma once
#include <optional>
#include <string>
#include "wa/binary/jid.hpp"

namespace wa {

// A phone number in any common form ("+55 11 99999-9999", "5511999999999", "(555) 123-4567"
// with a leading country code, "0044 20 ...") -> DIGITS@s.whatsapp.net, 7-15 digits, no
// leading 0 after stripping an international "00" prefix; or a user JID
// "DIGITS@s.whatsapp.net" / "DIGITS@c.us" (legacy alias) without device. nullopt otherwise.
std::optional<Jid> normalize_recipient(const std::string& input);

}  // namespace wa
