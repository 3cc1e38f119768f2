// Webhook endpoint URLs: what is accepted, how it is split for the HTTP client, and what is
// refused (without the URL in the reason).
#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "webhooks/url.hpp"

using webhooks::parse_endpoint_url;

TEST_CASE("endpoint url: http and https URLs are split into origin and target",
          "[webhooks][url]") {
  struct Case {
    const char* url;
    const char* origin;
    const char* target;
  };
  const std::vector<Case> cases = {
      {"https://hooks.example.com/wa?token=abc", "https://hooks.example.com:443", "/wa?token=abc"},
      {"http://10.0.0.5:8080/in/whatsapp", "http://10.0.0.5:8080", "/in/whatsapp"},
      {"HTTPS://Example.com", "https://Example.com:443", "/"},
      {"http://gw?x=1", "http://gw:80", "/?x=1"},
      {"http://[::1]:9000/h", "http://[::1]:9000", "/h"},
      {"https://[2001:db8::7]/", "https://[2001:db8::7]:443", "/"},
  };
  for (const Case& c : cases) {
    INFO(c.url);
    std::string reason;
    auto u = parse_endpoint_url(c.url, &reason);
    INFO(reason);
    REQUIRE(u);
    CHECK(u->origin() == c.origin);
    CHECK(u->target == c.target);
  }
}

TEST_CASE("endpoint url: unusable URLs are refused naming the problem", "[webhooks][url]") {
  struct Case {
    const char* url;
    const char* reason;
  };
  const std::vector<Case> cases = {
      {"", "http:// or https://"},
      {"ftp://example.com/x", "http:// or https://"},
      {"ws://example.com/x", "http:// or https://"},
      {"example.com/hook", "http:// or https://"},
      {"https://", "no host"},
      {"https:///path", "no host"},
      {"https://:443/path", "no host"},
      {"https://example.com:/x", "empty port"},
      {"https://example.com:0/x", "1..65535"},
      {"https://example.com:65536/x", "1..65535"},
      {"https://example.com:8o80/x", "1..65535"},
      {"https://user:pw@example.com/x", "credentials"},
      {"https://example.com/x#frag", "fragment"},
      {"https://example.com/a b", "spaces or control"},
      {"https://example.com/x\n", "spaces or control"},
      {"https://[::1/x", "IPv6"},
      {"https://[::1]x/x", "IPv6"},
  };
  for (const Case& c : cases) {
    INFO(c.url);
    std::string reason;
    CHECK_FALSE(parse_endpoint_url(c.url, &reason));
    CHECK_THAT(reason, Catch::Contains(c.reason));
    CHECK_THAT(reason, !Catch::Contains("example.com"));
  }
}
