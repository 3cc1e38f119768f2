// libFuzzer target: the request-head reading of the HTTP server (src/http/request_head.hpp)
// on arbitrary bytes, as a client could send them. Nothing may crash or throw, and the scan's
// and the parsed request's invariants must hold.
//
// Input layout: byte 0 picks the limits (bits 0-1: request line 16/64/256/8192 bytes; bits
// 2-3: head 32/128/1024/16384 bytes), byte 1 how many of the following bytes count as already
// scanned (0..255, capped), then the buffered bytes.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "http/request_head.hpp"

namespace {

void require(bool ok) {
  if (!ok) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 2) return 0;
  using sidecar::http::HeadScan;
  constexpr size_t kLine[] = {16, 64, 256, 8192};
  constexpr size_t kHead[] = {32, 128, 1024, 16384};
  const size_t max_line = kLine[data[0] & 3];
  const size_t max_head = kHead[(data[0] >> 2) & 3];
  const std::string_view bytes(reinterpret_cast<const char*>(data + 2), size - 2);
  const size_t scanned = std::min<size_t>(data[1], bytes.size());

  const HeadScan scan = sidecar::http::scan_head(bytes, scanned, max_line, max_head);
  require(scan.skipped <= bytes.size());
  if (scan.kind == HeadScan::Kind::refused) {
    require(scan.status == 414 || scan.status == 431);
    return 0;
  }
  if (scan.kind == HeadScan::Kind::need_more) return 0;

  const std::string_view head = bytes.substr(scan.skipped, scan.length);
  require(scan.skipped + scan.length <= bytes.size());
  require(head.size() >= 4 && head.substr(head.size() - 4) == "\r\n\r\n");
  require(head.size() <= max_head);

  sidecar::http::RequestParser parser;
  if (!sidecar::http::parse_head(head, max_head, parser)) return 0;
  const sidecar::http::ParsedHead parsed = sidecar::http::read_head(parser);
  require(parsed.refuse_status == 0 || parsed.refuse_status == 400 ||
          parsed.refuse_status == 415);
  require(parsed.version == 10 || parsed.version == 11);
  const auto& r = parsed.request;
  require(!r.method.empty());
  require(r.target.compare(0, r.path.size(), r.path) == 0);
  for (const auto& h : r.headers) {
    require(!h.name.empty());
    // Values are as sent, never unfolded: no line break can survive into one.
    require(h.value.find('\r') == std::string::npos && h.value.find('\n') == std::string::npos);
  }
  return 0;
}
