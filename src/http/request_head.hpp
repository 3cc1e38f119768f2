// Reading a request head from buffered bytes: where it ends, whether its syntax is one we
// accept, and the Request it describes. Pure functions over Beast's parser, separate from the
// connection loop (http_server.cpp) so they are unit-tested and fuzzed on arbitrary bytes
// (tests/fuzz/fuzz_http_request_head.cpp).
#pragma once
#include <cstddef>
#include <string_view>

#include <boost/beast/http/parser.hpp>

#include "http/capped_body.hpp"
#include "http/http_message.hpp"

namespace sidecar::http {

using RequestParser = boost::beast::http::request_parser<CappedBody>;

struct HeadScan {
  enum class Kind { need_more, refused, complete };
  Kind kind = Kind::need_more;
  int status = 0;      // refused: 414 (request line too long) or 431 (head too long)
  size_t skipped = 0;  // empty lines before the request line (RFC 9112 §2.2 ignores them)
  size_t length = 0;   // complete: the head's bytes after `skipped`, its final empty line included
};

// `data` is everything buffered so far; `scanned` how many of its bytes (after `skipped`) an
// earlier call already searched for the head's end.
HeadScan scan_head(std::string_view data, size_t scanned, size_t max_request_line_bytes,
                   size_t max_header_bytes);

// Feeds a complete head (from scan_head) to `parser`, which must be fresh. False when the
// head is malformed: Beast's checks of RFC 9112 plus ours (obs-fold, a line without a name).
bool parse_head(std::string_view head, size_t max_header_bytes, RequestParser& parser);

struct ParsedHead {
  Request request;         // body empty; announced_body set
  int refuse_status = 0;   // non-zero: answer this (400 framing, 415 content coding) and close
  unsigned version = 11;   // 10 or 11
  bool keep_alive = true;
  bool head_only = false;  // a HEAD request: the response carries no body
};

// The request a parsed head describes, with its framing checked (RFC 9112 §6).
ParsedHead read_head(const RequestParser& parser);

}  // namespace sidecar::http
