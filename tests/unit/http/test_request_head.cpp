// scan_head / parse_head / read_head on known bytes: where a head ends, what is refused, and
// the Request that comes out (header values exactly as sent).
#include <catch2/catch.hpp>

#include <string>

#include "http/request_head.hpp"

using sidecar::http::HeadScan;
using sidecar::http::ParsedHead;
using sidecar::http::RequestParser;

namespace {

HeadScan scan(const std::string& bytes, size_t scanned = 0) {
  return sidecar::http::scan_head(bytes, scanned, 64, 256);
}

// The parsed head, or refuse_status 400 when parse_head refuses it.
ParsedHead parse(const std::string& head) {
  RequestParser parser;
  if (!sidecar::http::parse_head(head, 256, parser)) {
    ParsedHead refused;
    refused.refuse_status = 400;
    return refused;
  }
  return sidecar::http::read_head(parser);
}

}  // namespace

TEST_CASE("scan_head finds the end of a head, skipping empty lines before it", "[http][head]") {
  CHECK(scan("GET / HTTP/1.1\r\nHost: x\r\n").kind == HeadScan::Kind::need_more);
  const HeadScan s = scan("\r\n\nGET / HTTP/1.1\r\nHost: x\r\n\r\nbody");
  REQUIRE(s.kind == HeadScan::Kind::complete);
  CHECK(s.skipped == 3);
  CHECK(s.length == std::string("GET / HTTP/1.1\r\nHost: x\r\n\r\n").size());
  // An end that straddles what was scanned before is still found.
  CHECK(scan("GET / HTTP/1.1\r\n\r\n", 15).kind == HeadScan::Kind::complete);
}

TEST_CASE("scan_head refuses a long request line (414) and a long head (431)", "[http][head]") {
  const HeadScan line = scan("GET /" + std::string(70, 'a'));  // no line end yet
  CHECK(line.kind == HeadScan::Kind::refused);
  CHECK(line.status == 414);
  const HeadScan head = scan("GET / HTTP/1.1\r\nX: " + std::string(300, 'v'));
  CHECK(head.kind == HeadScan::Kind::refused);
  CHECK(head.status == 431);
}

TEST_CASE("parse_head and read_head: values as sent, framing checked", "[http][head]") {
  const ParsedHead ok = parse(
      "POST /send?x=%41 HTTP/1.1\r\nX-Tenant-Id:  %74%31 \r\nContent-Length: 2\r\n\r\n");
  REQUIRE(ok.refuse_status == 0);
  CHECK(ok.request.method == "POST");
  CHECK(ok.request.target == "/send?x=%41");
  CHECK(ok.request.path == "/send");
  CHECK(ok.request.values("x-tenant-id") == std::vector<std::string>{"%74%31"});
  CHECK(ok.request.announced_body);
  CHECK(ok.keep_alive);

  const ParsedHead head10 = parse("HEAD /status HTTP/1.0\r\n\r\n");
  CHECK(head10.head_only);
  CHECK(head10.version == 10);
  CHECK_FALSE(head10.keep_alive);

  CHECK(parse("GET / HTTP/1.1\r\nX: a\r\n b\r\n\r\n").refuse_status == 400);       // obs-fold
  CHECK(parse("GET / HTTP/1.1\r\nNoColon\r\n\r\n").refuse_status == 400);
  CHECK(parse("GET / HTTP/1.1\r\n: v\r\n\r\n").refuse_status == 400);
  CHECK(parse(std::string("GET / HTTP/1.1\r\nX: a\0b\r\n\r\n", 26)).refuse_status == 400);
  CHECK(parse("POST / HTTP/1.1\r\nContent-Length: 2\r\nTransfer-Encoding: chunked\r\n\r\n")
            .refuse_status == 400);
  CHECK(parse("POST / HTTP/1.1\r\nTransfer-Encoding: gzip\r\n\r\n").refuse_status == 400);
  CHECK(parse("POST / HTTP/1.1\r\nContent-Encoding: gzip\r\nContent-Length: 2\r\n\r\n")
            .refuse_status == 415);
  CHECK(parse("NONSENSE\r\n\r\n").refuse_status == 400);
}
