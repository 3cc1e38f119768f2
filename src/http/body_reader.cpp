#include "http/body_reader.hpp"

#include <limits>
#include <optional>

namespace sidecar::http {
namespace {

bool iequals(const std::string& a, const char* b) {
  size_t i = 0;
  for (; i < a.size() && b[i]; ++i) {
    char c = a[i];
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    if (c != b[i]) return false;
  }
  return i == a.size() && b[i] == '\0';
}

// RFC 9110 §8.6: 1*DIGIT. httplib itself uses strtoull, which accepts "12abc" and "-1".
std::optional<uint64_t> parse_content_length(const std::string& v) {
  if (v.empty()) return std::nullopt;
  uint64_t n = 0;
  for (const char c : v) {
    if (c < '0' || c > '9') return std::nullopt;
    const uint64_t digit = static_cast<uint64_t>(c - '0');
    if (n > (std::numeric_limits<uint64_t>::max() - digit) / 10) return std::nullopt;
    n = n * 10 + digit;
  }
  return n;
}

}  // namespace

bool announces_body(const httplib::Request& req) {
  if (req.has_header("Transfer-Encoding")) return true;
  if (!req.has_header("Content-Length")) return false;
  const auto n = parse_content_length(req.get_header_value("Content-Length"));
  return !n || *n > 0;
}

BodyRead read_body(const httplib::Request& req, httplib::Response& res,
                   const httplib::ContentReader& reader, size_t max_bytes, bool keep) {
  BodyRead out;
  const bool has_te = req.has_header("Transfer-Encoding");
  const bool has_cl = req.has_header("Content-Length");
  const bool chunked = has_te && iequals(req.get_header_value("Transfer-Encoding"), "chunked");

  // Framing httplib would misread: any coding but plain "chunked", both headers at once
  // (RFC 9112 §6.3: a smuggling vector), or a repeated/non-numeric Content-Length.
  std::optional<uint64_t> content_length;
  if (has_cl) content_length = parse_content_length(req.get_header_value("Content-Length"));
  if ((has_te && !chunked) || req.get_header_value_count("Transfer-Encoding") > 1 ||
      (has_te && has_cl) || req.get_header_value_count("Content-Length") > 1 ||
      (has_cl && !content_length)) {
    out.error_status = 400;
    out.close_connection = true;
    return out;
  }
  if (!has_te && !has_cl) return out;  // RFC 9112 §6.3: no body

  // Over the cap by announcement: httplib's own payload check (set to the same limit) skips
  // exactly Content-Length bytes, so the connection stays in sync; we store nothing.
  if (content_length && *content_length > max_bytes) out.too_large = true;

  const bool ok = reader([&](const char* data, size_t n) {
    if (!keep || out.too_large) return true;  // keep draining, store nothing
    if (out.data.size() + n > max_bytes) {
      out.too_large = true;
      std::string().swap(out.data);
      return true;
    }
    out.data.append(data, n);
    return true;
  });
  if (!ok && !(out.too_large && content_length)) {
    // Malformed chunking, a read timeout, or an unsupported Content-Encoding (httplib set 415).
    out.error_status = res.status == 415 ? 415 : 400;
    out.close_connection = true;
    out.data.clear();
  }
  return out;
}

}  // namespace sidecar::http
