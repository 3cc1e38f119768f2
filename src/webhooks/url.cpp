#include "webhooks/url.hpp"

#include <algorithm>
#include <cctype>

namespace webhooks {
namespace {

bool starts_with_nocase(std::string_view s, std::string_view prefix) {
  if (s.size() < prefix.size()) return false;
  for (size_t i = 0; i < prefix.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(s[i])) != prefix[i]) return false;
  }
  return true;
}

std::nullopt_t refuse(std::string* reason, const char* why) {
  if (reason) *reason = why;
  return std::nullopt;
}

// A valid port is 1..65535 in decimal; "" means the scheme's default.
bool parse_port(std::string_view text, int* port) {
  if (text.empty() || text.size() > 5) return false;
  int v = 0;
  for (char c : text) {
    if (c < '0' || c > '9') return false;
    v = v * 10 + (c - '0');
  }
  if (v < 1 || v > 65535) return false;
  *port = v;
  return true;
}

}  // namespace

std::string EndpointUrl::origin() const {
  return scheme + "://" + host + ":" + std::to_string(port);
}

std::optional<EndpointUrl> parse_endpoint_url(std::string_view url, std::string* reason) {
  EndpointUrl out;
  if (starts_with_nocase(url, "https://")) {
    out.scheme = "https";
    out.port = 443;
  } else if (starts_with_nocase(url, "http://")) {
    out.scheme = "http";
    out.port = 80;
  } else {
    return refuse(reason, "must be an http:// or https:// URL");
  }
  // A request line or header cannot carry these, and a URL pasted with a trailing newline or
  // space is a copy mistake better refused at start than posted to.
  const bool has_blank = std::any_of(url.begin(), url.end(), [](char c) {
    const auto u = static_cast<unsigned char>(c);
    return u <= 0x20 || u == 0x7f;
  });
  if (has_blank) return refuse(reason, "must not contain spaces or control characters");
  if (url.find('#') != std::string_view::npos) {
    return refuse(reason, "must not have a fragment (#...): it is never sent");
  }

  const std::string_view rest = url.substr(out.scheme.size() + 3);
  const size_t authority_end = rest.find_first_of("/?");
  const std::string_view authority = rest.substr(0, authority_end);
  if (authority.find('@') != std::string_view::npos) {
    return refuse(reason, "must not carry credentials (user@host): they would not be sent");
  }
  std::string_view host = authority;
  std::string_view port;
  if (!authority.empty() && authority.front() == '[') {
    const size_t close = authority.find(']');
    if (close == std::string_view::npos || close == 1) {
      return refuse(reason, "has a malformed IPv6 address");
    }
    host = authority.substr(0, close + 1);
    const std::string_view after = authority.substr(close + 1);
    if (!after.empty()) {
      if (after.front() != ':') return refuse(reason, "has a malformed IPv6 address");
      port = after.substr(1);
      if (port.empty()) return refuse(reason, "has an empty port");
    }
  } else if (const size_t colon = authority.find(':'); colon != std::string_view::npos) {
    host = authority.substr(0, colon);
    port = authority.substr(colon + 1);
    if (port.empty()) return refuse(reason, "has an empty port");
  }
  if (host.empty()) return refuse(reason, "has no host");
  if (!port.empty() && !parse_port(port, &out.port)) {
    return refuse(reason, "has a port outside 1..65535");
  }
  out.host = std::string(host);
  if (authority_end == std::string_view::npos) {
    out.target = "/";
  } else {
    out.target = std::string(rest.substr(authority_end));
    if (out.target.front() == '?') out.target.insert(0, "/");
  }
  return out;
}

}  // namespace webhooks
