// POST /send: body validation and the mapping of a SendOutcome to status + envelope
// (README "Sending"). Pure functions, unit-tested without a server.
#pragma once
#include <string>
#include <utility>
#include <variant>
#include <nlohmann/json.hpp>
#include "http/json_envelope.hpp"
#include "manager/session_service.hpp"

namespace sidecar::http {

inline constexpr size_t kMaxMessageBytes = 65536;

struct SendRequest {
  std::string to;
  std::string message;
};

// {"to": string, "message": non-empty string of at most 65,536 UTF-8 bytes}. A body that is
// not valid UTF-8 never gets here (the JSON parser refuses it). Unknown keys are ignored.
std::variant<SendRequest, ApiError> validate_send_body(const nlohmann::json& body);

// The HTTP status and the full envelope for an outcome.
std::pair<int, nlohmann::json> send_response(const SendOutcome& outcome);

}  // namespace sidecar::http
