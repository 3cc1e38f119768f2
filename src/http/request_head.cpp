#include "http/request_head.hpp"

#include <boost/asio/buffer.hpp>

namespace sidecar::http {
namespace {

// RFC 9112 §5: header lines are "name: value" with CRLF endings. Beast checks names, values
// and line endings; what it would accept and we refuse is a line starting with whitespace
// (obs-fold, §5.2, which a proxy in front of us may unfold differently) or one whose name is
// empty.
bool header_lines_acceptable(std::string_view head) {
  size_t pos = head.find("\r\n");
  if (pos == std::string_view::npos) return false;
  pos += 2;
  while (pos < head.size()) {
    const size_t end = head.find("\r\n", pos);
    if (end == std::string_view::npos) return false;
    if (end == pos) return true;  // the empty line that ends the head
    const char first = head[pos];
    if (first == ' ' || first == '\t' || first == ':') return false;
    if (head.substr(pos, end - pos).find(':') == std::string_view::npos) return false;
    pos = end + 2;
  }
  return false;
}

}  // namespace

HeadScan scan_head(std::string_view data, size_t scanned, size_t max_request_line_bytes,
                   size_t max_header_bytes) {
  HeadScan out;
  while (out.skipped < data.size()) {
    if (data.substr(out.skipped, 2) == "\r\n") {
      out.skipped += 2;
    } else if (data[out.skipped] == '\n') {
      out.skipped += 1;
    } else {
      break;
    }
  }
  data.remove_prefix(out.skipped);
  const size_t line_end = data.find("\r\n");
  if ((line_end == std::string_view::npos ? data.size() : line_end) > max_request_line_bytes) {
    out.kind = HeadScan::Kind::refused;
    out.status = 414;
    return out;
  }
  const size_t end = data.find("\r\n\r\n", scanned > 3 ? scanned - 3 : 0);
  const size_t length = end == std::string_view::npos ? data.size() : end + 4;
  if (length > max_header_bytes) {
    out.kind = HeadScan::Kind::refused;
    out.status = 431;
    return out;
  }
  if (end != std::string_view::npos) {
    out.kind = HeadScan::Kind::complete;
    out.length = length;
  }
  return out;
}

bool parse_head(std::string_view head, size_t max_header_bytes, RequestParser& parser) {
  if (!header_lines_acceptable(head)) return false;
  parser.eager(false);
  parser.header_limit(static_cast<std::uint32_t>(max_header_bytes));
  parser.body_limit(boost::none);  // set per route once the head is known
  boost::beast::error_code ec;
  const size_t used = parser.put(boost::asio::buffer(head.data(), head.size()), ec);
  return !ec && parser.is_header_done() && used == head.size();
}

ParsedHead read_head(const RequestParser& parser) {
  const auto& msg = parser.get();
  ParsedHead out;
  Request& r = out.request;
  r.method = std::string(msg.method_string());
  r.target = std::string(msg.target());
  r.path = r.target.substr(0, r.target.find('?'));
  for (const auto& field : msg) {
    r.headers.push_back({std::string(field.name_string()), std::string(field.value())});
  }
  out.version = msg.version();
  out.keep_alive = msg.keep_alive();
  out.head_only = msg.method() == boost::beast::http::verb::head;

  // Both Content-Length and Transfer-Encoding is a request-smuggling vector (§6.3); "chunked"
  // is the only transfer coding we read; one Content-Length.
  const auto lengths = r.values("Content-Length");
  const auto codings = r.values("Transfer-Encoding");
  if ((!lengths.empty() && !codings.empty()) || lengths.size() > 1 || codings.size() > 1 ||
      (codings.size() == 1 && !iequals(codings.front(), "chunked"))) {
    out.refuse_status = 400;
    return out;
  }
  // Bodies are JSON as sent; a compressed one is refused rather than inflated unbounded.
  for (const std::string& coding : r.values("Content-Encoding")) {
    if (!iequals(coding, "identity")) {
      out.refuse_status = 415;
      return out;
    }
  }
  const auto length = parser.content_length();
  r.announced_body = length ? *length > 0 : parser.chunked();
  return out;
}

}  // namespace sidecar::http
