// Webhook endpoint URLs: absolute http:// or https:// URLs, split the way an HTTP client needs
// them (origin and request target).
//
// Contract: pure functions, thread-safe. A URL that cannot be posted to is std::nullopt with a
// reason sentence; the reason never repeats the URL, whose path or query may carry a token.
#pragma once
#include <optional>
#include <string>
#include <string_view>

namespace webhooks {

struct EndpointUrl {
  std::string scheme;  // "http" or "https" (lower case)
  std::string host;    // a name, an IPv4 address, or an IPv6 address in brackets
  int port = 0;        // as written, else 80 or 443
  std::string target;  // path and query as written; "/" when the URL has neither

  // "scheme://host:port", what httplib::Client takes.
  std::string origin() const;
};

// Accepts "http[s]://host[:port][/path][?query]". Refused: other schemes, user info ("user@"),
// a fragment, an empty host, a port outside 1..65535, and spaces or control characters anywhere.
std::optional<EndpointUrl> parse_endpoint_url(std::string_view url, std::string* reason);

}  // namespace webhooks
