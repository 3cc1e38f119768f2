// Validation of JSON request bodies, separate from the HTTP server so it can be unit-tested and
// fuzzed (tests/fuzz/fuzz_http_json_body.cpp) on arbitrary bytes.
#pragma once
#include <cstddef>
#include <optional>
#include <string_view>
#include <nlohmann/json.hpp>
#include "http/json_envelope.hpp"

namespace sidecar::http {

// Nesting deeper than this is refused: no endpoint needs more than two levels, and a deep
// body would otherwise cost memory (and stack when freed) for nothing.
inline constexpr int kMaxJsonDepth = 32;

enum class BodyError { none, unsupported_media_type, payload_too_large, invalid_json };

struct JsonBody {
  BodyError error = BodyError::none;
  nlohmann::json object = nlohmann::json::object();  // the parsed object when error == none
};

// "application/json", case-insensitive, optionally followed by parameters
// ("; charset=utf-8"); surrounding whitespace allowed. Nothing else ("application/jsonx",
// "application/json-patch+json", "text/json") is accepted.
bool is_json_media_type(std::string_view content_type);

// Checks, in this order: Content-Type (absent is fine), size (over max_bytes, or `truncated`
// because the reader stopped early), then the body must be one JSON object. An empty or
// whitespace-only body means {} (POST /session has no fields yet). Never throws.
JsonBody parse_json_body(std::optional<std::string_view> content_type, std::string_view body,
                         size_t max_bytes, bool truncated = false);

// The API error for a failed body check (error != none).
ApiError body_error(BodyError error);

}  // namespace sidecar::http
