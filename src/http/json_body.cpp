#include "http/json_body.hpp"

#include "http/http_message.hpp"

namespace sidecar::http {
namespace {

bool is_json_ws(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }  // RFC 8259 §2

std::string_view trim(std::string_view s) {
  while (!s.empty() && is_json_ws(s.front())) s.remove_prefix(1);
  while (!s.empty() && is_json_ws(s.back())) s.remove_suffix(1);
  return s;
}

}  // namespace

bool is_json_media_type(std::string_view content_type) {
  const size_t semi = content_type.find(';');
  const std::string_view type = trim(content_type.substr(0, semi));
  return iequals(type, "application/json");
}

JsonBody parse_json_body(std::optional<std::string_view> content_type, std::string_view body,
                         size_t max_bytes, bool truncated) {
  JsonBody out;
  if (content_type && !is_json_media_type(*content_type)) {
    out.error = BodyError::unsupported_media_type;
    return out;
  }
  if (truncated || body.size() > max_bytes) {
    out.error = BodyError::payload_too_large;
    return out;
  }
  if (trim(body).empty()) return out;  // {}
  // nlohmann's lexer takes a NUL byte for the end of input ("{}\0junk" would parse as {}).
  // JSON text never contains a raw NUL (RFC 8259 §7: control characters must be escaped).
  if (body.find('\0') != std::string_view::npos) {
    out.error = BodyError::invalid_json;
    return out;
  }

  bool too_deep = false;
  // The callback sees each value's depth (0 = top level); returning false drops the value, so
  // an over-deep body is never materialised, only flagged.
  const nlohmann::json::parser_callback_t limit_depth =
      [&too_deep](int depth, nlohmann::json::parse_event_t event, nlohmann::json&) {
        if ((event == nlohmann::json::parse_event_t::object_start ||
             event == nlohmann::json::parse_event_t::array_start) &&
            depth >= kMaxJsonDepth) {
          too_deep = true;
          return false;
        }
        return true;
      };
  nlohmann::json parsed =
      nlohmann::json::parse(body.begin(), body.end(), limit_depth, /*allow_exceptions=*/false);
  if (too_deep || parsed.is_discarded() || !parsed.is_object()) {
    out.error = BodyError::invalid_json;
    return out;
  }
  out.object = std::move(parsed);
  return out;
}

ApiError body_error(BodyError error) {
  switch (error) {
    case BodyError::unsupported_media_type:
      return {415, "unsupported_media_type", "The request body must be application/json."};
    case BodyError::payload_too_large:
      return {413, "payload_too_large", "The request body is too large."};
    case BodyError::invalid_json:
    case BodyError::none:
      break;
  }
  return {400, "invalid_json", "The request body must be a JSON object."};
}

}  // namespace sidecar::http
