#include "http/json_envelope.hpp"

namespace sidecar::http {

nlohmann::json success_envelope(nlohmann::json data) {
  return nlohmann::json{{"success", true}, {"data", std::move(data)}};
}

nlohmann::json error_envelope(const std::string& code, const std::string& message) {
  return nlohmann::json{{"success", false},
                        {"error", {{"code", code}, {"message", message}}}};
}

std::string serialize(const nlohmann::json& envelope) {
  return envelope.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

ApiError error_for_status(int status) {
  switch (status) {
    case 400: return {400, "bad_request", "The request is malformed."};
    case 401: return {401, "unauthorized", "Missing or invalid internal secret."};
    case 404: return {404, "not_found", "No such endpoint."};
    case 405: return {405, "method_not_allowed", "This endpoint does not accept that method."};
    case 408: return {408, "request_timeout", "The request did not arrive in time."};
    case 413: return {413, "payload_too_large", "The request body is too large."};
    case 414: return {414, "uri_too_long", "The request URI is too long."};
    case 415: return {415, "unsupported_media_type", "The request body must be application/json."};
    case 416: return {416, "range_not_satisfiable", "The requested range is not satisfiable."};
    case 417: return {417, "expectation_failed", "The expectation cannot be met."};
    case 431: return {431, "headers_too_large", "The request headers are too large."};
    case 500: return {500, "internal_error", "An internal error occurred."};
    case 503: return {503, "service_unavailable", "The service is unavailable; try again shortly."};
    default:
      if (status >= 500) return {status, "internal_error", "An internal error occurred."};
      return {status, "http_error", "The request failed."};
  }
}

}  // namespace sidecar::http
