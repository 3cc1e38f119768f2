// Recipient normalisation for POST /send (PROTOCOL.md §9 "Recipient normalisation").
//
// Decisions, beyond §9's "strip non-digits, require a country code":
// - Only the characters people write in phone numbers are accepted: ASCII digits, spaces,
//   '-', '.', '/', parentheses (balanced, not nested) and one leading '+'. Letters, emoji or
//   other symbols make the input invalid instead of being stripped, so "call 555-1234" or a
//   mistyped JID is refused rather than turned into some other number.
// - There is no default country: the digits are taken as an international number. A "+" or an
//   "00" international prefix is dropped; a remaining leading 0 means a national number and is
//   refused. "(555) 123-4567" therefore reads as the international number 5551234567; the
//   server answers whether it exists.
// - "(0)" after the country code ("+44 (0)20 7946 0958") is the national trunk prefix
//   written for local callers and is dropped, as dialling the number internationally does.
// - JIDs: only user JIDs "DIGITS@s.whatsapp.net" and the legacy alias "DIGITS@c.us" (the issue
//   names user JIDs), without agent or device: whatsmeow refuses AD JIDs as recipients (§9).
//   Groups, LIDs, hosted and other servers are refused.
#include "wa/recipient.hpp"

#include <string_view>

namespace wa {
namespace {

constexpr size_t kMinDigits = 7;
constexpr size_t kMaxDigits = 15;  // E.164

bool is_digit(char c) { return c >= '0' && c <= '9'; }

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v'; }

std::string_view trim(std::string_view s) {
  while (!s.empty() && is_space(s.front())) s.remove_prefix(1);
  while (!s.empty() && is_space(s.back())) s.remove_suffix(1);
  return s;
}

// A complete international number: 7-15 digits, not starting with 0.
bool valid_number(std::string_view digits) {
  if (digits.size() < kMinDigits || digits.size() > kMaxDigits) return false;
  for (char c : digits)
    if (!is_digit(c)) return false;
  return digits.front() != '0';
}

std::optional<Jid> from_jid_text(std::string_view text) {
  const size_t at = text.find('@');
  const std::string_view user = text.substr(0, at);
  const std::string_view server = text.substr(at + 1);
  if (server != kServerJid && server != kLegacyUserServer) return std::nullopt;
  // Digits only: this also refuses "USER.AGENT:DEVICE" and "USER:DEVICE" forms.
  if (!valid_number(user)) return std::nullopt;
  return Jid::user_jid(std::string(user));  // c.us is an alias of s.whatsapp.net
}

std::optional<Jid> from_phone_text(std::string_view text) {
  bool plus = false;
  if (!text.empty() && text.front() == '+') {
    plus = true;
    text.remove_prefix(1);
  }
  std::string digits;
  bool in_paren = false;
  for (size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (is_digit(c)) {
      digits.push_back(c);
    } else if (c == '(') {
      if (in_paren) return std::nullopt;
      // "(0)" after the country code: the trunk prefix, not part of the international number.
      if (!digits.empty() && text.substr(i, 3) == "(0)") {
        i += 2;
        continue;
      }
      in_paren = true;
    } else if (c == ')') {
      if (!in_paren) return std::nullopt;
      in_paren = false;
    } else if (!(is_space(c) || c == '-' || c == '.' || c == '/')) {
      return std::nullopt;  // letters, a second '+', emoji, any other symbol
    }
  }
  if (in_paren) return std::nullopt;
  std::string_view number = digits;
  if (!plus && number.substr(0, 2) == "00") number.remove_prefix(2);  // international prefix
  if (!valid_number(number)) return std::nullopt;
  return Jid::user_jid(std::string(number));
}

}  // namespace

std::optional<Jid> normalize_recipient(const std::string& input) {
  const std::string_view text = trim(input);
  if (text.empty()) return std::nullopt;
  if (text.find('@') != std::string_view::npos) return from_jid_text(text);
  return from_phone_text(text);
}

}  // namespace wa
