#include <catch2/catch.hpp>

#include <string>

#include "http/router.hpp"

using sidecar::valid_tenant_id;

TEST_CASE("valid_tenant_id accepts ^[A-Za-z0-9_-]{1,64}$", "[http][tenant]") {
  CHECK(valid_tenant_id("a"));
  CHECK(valid_tenant_id("Z"));
  CHECK(valid_tenant_id("0"));
  CHECK(valid_tenant_id("_"));
  CHECK(valid_tenant_id("-"));
  CHECK(valid_tenant_id("acme_Co-42"));
  CHECK(valid_tenant_id("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-"));  // 64
  CHECK(valid_tenant_id(std::string(64, 'x')));
}

TEST_CASE("valid_tenant_id rejects everything else", "[http][tenant]") {
  const std::string rejected[] = {
      "",
      std::string(65, 'x'),
      std::string(1000, 'a'),
      "a/b",
      "/",
      "..",
      ".",
      "a.b",
      "a b",
      " a",
      "a ",
      "a\tb",
      "a\nb",
      "a+b",
      "a%2F",
      "a:b",
      "a\\b",
      "caf\xc3\xa9",          // UTF-8 e-acute
      "\xe2\x80\x8b" "a",     // zero-width space
      std::string("ab\0cd", 5),
      std::string("\0", 1),
      "a\x7f",
      "a\xff",
      "~",
  };
  for (const std::string& id : rejected) {
    INFO("id of size " << id.size() << ": " << id);
    CHECK_FALSE(valid_tenant_id(id));
  }
}

TEST_CASE("valid_tenant_id checks every byte position", "[http][tenant]") {
  // A bad byte at the start, middle or end of an otherwise valid id is always caught.
  const std::string base(64, 'k');
  for (size_t pos : {size_t{0}, size_t{31}, size_t{63}}) {
    for (char bad : {'/', '.', ' ', '\0', '\x80'}) {
      std::string id = base;
      id[pos] = bad;
      INFO("pos " << pos << " byte " << static_cast<int>(static_cast<unsigned char>(bad)));
      CHECK_FALSE(valid_tenant_id(id));
    }
  }
}
