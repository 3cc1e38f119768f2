// The response envelope every endpoint returns (the gateway parses only this shape):
//   {"success":true,"data":{...}}
//   {"success":false,"error":{"code":"snake_case_code","message":"human sentence"}}
#pragma once
#include <string>
#include <nlohmann/json.hpp>

namespace sidecar::http {

inline constexpr const char* kJsonContentType = "application/json; charset=utf-8";

struct ApiError {
  int status = 500;
  std::string code;     // snake_case, stable: the gateway switches on it
  std::string message;  // human sentence; never internals (paths, exception text)
};

nlohmann::json success_envelope(nlohmann::json data);
nlohmann::json error_envelope(const std::string& code, const std::string& message);

// Serializes without throwing: strings that reach us from the session layer are not guaranteed
// to be UTF-8, and nlohmann's dump() throws on invalid UTF-8 unless told to replace it.
std::string serialize(const nlohmann::json& envelope);

// The envelope for an error status the HTTP server produced itself (malformed request line,
// URI too long, timeouts, connection limit, ...) or that no route claimed.
ApiError error_for_status(int status);

}  // namespace sidecar::http
