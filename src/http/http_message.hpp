// The HTTP request and response as the router sees them: plain values, independent of the
// server library beneath (http_server.hpp). Header values are exactly what the client sent,
// less the optional whitespace around them (RFC 9110 §5.5): never percent-decoded.
#pragma once
#include <string>
#include <string_view>
#include <vector>

namespace sidecar::http {

struct Header {
  std::string name;   // as sent; compared case-insensitively
  std::string value;
};

struct Request {
  std::string method;
  std::string target;  // the request-target as sent, e.g. "/events?after=x"
  std::string path;    // target up to '?'
  std::vector<Header> headers;
  std::string body;    // empty when body_too_large
  // The body was longer than the route's limit; it was read and discarded (or, far over the
  // limit, left unread, and the connection closes after the response).
  bool body_too_large = false;
  bool announced_body = false;  // Content-Length > 0 or Transfer-Encoding was sent

  // Every value of a header, in order (case-insensitive name).
  std::vector<std::string> values(std::string_view name) const;
  bool has(std::string_view name) const;
};

struct Response {
  int status = 200;
  std::vector<Header> headers;
  std::string body;
  bool close = false;  // close the connection after this response

  void set(std::string_view name, std::string value);  // replaces every value of name
  const std::string* get(std::string_view name) const;
  void erase(std::string_view name);
};

bool iequals(std::string_view a, std::string_view b);

}  // namespace sidecar::http
