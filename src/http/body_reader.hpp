// Reads (or drains) a request body through cpp-httplib's ContentReader with a hard size cap.
//
// Why not let httplib fill req.body: cpp-httplib 0.11.4 enforces its payload limit only on
// Content-Length, not on chunked or decompressed bodies, and reads a POST with neither header
// until EOF. Every body-carrying request is routed here so memory stays bounded and the next
// request on a keep-alive connection starts at a message boundary.
#pragma once
#include <string>
#include <httplib.h>

namespace sidecar::http {

struct BodyRead {
  std::string data;               // the body (empty unless `keep` and within the cap)
  bool too_large = false;         // more than max_bytes were announced or arrived
  int error_status = 0;           // 400: bad framing or read failure; 415: unknown Content-Encoding
  bool close_connection = false;  // unread bytes may remain: the connection must not be reused
};

// keep=false drains and discards (the request is being refused anyway).
BodyRead read_body(const httplib::Request& req, httplib::Response& res,
                   const httplib::ContentReader& reader, size_t max_bytes, bool keep);

// True when the request announces a body (Content-Length > 0 or any Transfer-Encoding).
// Used for methods httplib never reads a body for: such a response must close the connection.
bool announces_body(const httplib::Request& req);

}  // namespace sidecar::http
