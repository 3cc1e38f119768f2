// libFuzzer target: the POST /send body, as the router takes it apart (README "Sending",
// src/http/send_route.hpp, src/wa/recipient.hpp): the JSON body check, then
// validate_send_body, then normalize_recipient on the "to" string, then the success envelope
// serialised back to the caller. The gateway's callers control every byte.
//
// Invariants: nothing throws; an accepted message is a non-empty string of at most 65,536
// bytes; an accepted recipient is DIGITS@s.whatsapp.net with 7-15 digits, no leading 0, no
// device; the response serialises.
//
// Input: the raw request body (Content-Type application/json).
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "http/json_body.hpp"
#include "http/json_envelope.hpp"
#include "http/send_route.hpp"
#include "wa/recipient.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view body(reinterpret_cast<const char*>(data), size);
  const auto parsed = sidecar::http::parse_json_body(std::string_view("application/json"), body, 1 << 20);
  if (parsed.error != sidecar::http::BodyError::none) return 0;

  const auto checked = sidecar::http::validate_send_body(parsed.object);
  if (const auto* err = std::get_if<sidecar::http::ApiError>(&checked)) {
    if (err->status != 400 || err->code.empty()) __builtin_trap();
    (void)sidecar::http::serialize(sidecar::http::error_envelope(err->code, err->message));
    return 0;
  }
  const auto& req = std::get<sidecar::http::SendRequest>(checked);
  if (req.message.empty() || req.message.size() > sidecar::http::kMaxMessageBytes) __builtin_trap();

  const auto jid = wa::normalize_recipient(req.to);
  if (!jid) return 0;
  if (jid->server != wa::kServerJid || jid->device != 0 || jid->agent != 0) __builtin_trap();
  const std::string& digits = jid->user;
  if (digits.size() < 7 || digits.size() > 15 || digits[0] == '0') __builtin_trap();
  if (digits.find_first_not_of("0123456789") != std::string::npos) __builtin_trap();
  // Normalising the normal form is the identity.
  const auto again = wa::normalize_recipient(jid->str());
  if (!again || *again != *jid) __builtin_trap();

  const auto text = sidecar::http::serialize(
      sidecar::http::success_envelope({{"to", jid->str()}, {"length", req.message.size()}}));
  if (text.empty()) __builtin_trap();
  return 0;
}
