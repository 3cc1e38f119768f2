// libFuzzer target: the request-body checks of the HTTP router (src/http/json_body.hpp) on
// arbitrary bytes, plus the tenant-id check and envelope serialization that see the same
// attacker-controlled input. Nothing may crash or throw, and the checks' invariants must hold.
//
// Input layout: byte 0 = flags (bit 0: a Content-Type header is present; bits 1-3: the size
// cap, 0..7 -> 0, 1, 2, 8, 64, 256, 4096, unlimited), then the Content-Type up to the first
// '\n' (when present), then the body.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <limits>
#include <optional>
#include <string>
#include <string_view>

#include "http/json_body.hpp"
#include "http/json_envelope.hpp"
#include "http/router.hpp"

namespace {

void require(bool ok) {
  if (!ok) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  using sidecar::http::BodyError;
  const uint8_t flags = data[0];
  std::string_view rest(reinterpret_cast<const char*>(data + 1), size - 1);

  static constexpr size_t kCaps[] = {0, 1, 2, 8, 64, 256, 4096,
                                     std::numeric_limits<size_t>::max()};
  const size_t max_bytes = kCaps[(flags >> 1) & 7];

  std::optional<std::string_view> content_type;
  if (flags & 1) {
    const size_t nl = rest.find('\n');
    content_type = rest.substr(0, nl);
    rest = nl == std::string_view::npos ? std::string_view() : rest.substr(nl + 1);
  }

  const auto result = sidecar::http::parse_json_body(content_type, rest, max_bytes);
  if (result.error == BodyError::none) {
    require(result.object.is_object());
    require(rest.size() <= max_bytes);
    require(!content_type || sidecar::http::is_json_media_type(*content_type));
  }
  if (content_type && !sidecar::http::is_json_media_type(*content_type)) {
    require(result.error == BodyError::unsupported_media_type);
  } else if (rest.size() > max_bytes) {
    require(result.error == BodyError::payload_too_large);
  }
  // A truncated read is always too large (or refused earlier for its type).
  const auto truncated = sidecar::http::parse_json_body(content_type, rest, max_bytes, true);
  require(truncated.error == BodyError::payload_too_large ||
          truncated.error == BodyError::unsupported_media_type);

  if (result.error != BodyError::none) {
    const auto e = sidecar::http::body_error(result.error);
    require(e.status == 400 || e.status == 413 || e.status == 415);
  }

  // Tenant ids and serialization of arbitrary (possibly invalid UTF-8) strings.
  const std::string bytes(rest);
  const bool valid = sidecar::valid_tenant_id(bytes);
  require(!valid || (!bytes.empty() && bytes.size() <= 64 &&
                     bytes.find_first_not_of("ABCDEFGHIJKLMNOPQRSTUVWXYZ"
                                             "abcdefghijklmnopqrstuvwxyz0123456789_-") ==
                         std::string::npos));
  const std::string text = sidecar::http::serialize(sidecar::http::error_envelope(bytes, bytes));
  require(!text.empty());
  return 0;
}
