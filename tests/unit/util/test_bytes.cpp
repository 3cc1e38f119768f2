// util/bytes: hex and base64 against RFC 4648 §10 vectors, round trips, malformed input.
#include <catch2/catch.hpp>

#include "util/bytes.hpp"

using util::Bytes;

TEST_CASE("hex encodes lower case and decodes either case", "[bytes]") {
  const Bytes b{0x00, 0x01, 0xab, 0xCD, 0xff};
  CHECK(util::hex_encode(b) == "0001abcdff");
  CHECK(util::hex_decode("0001ABcdFF") == b);
  CHECK(util::hex_decode("") == Bytes{});
}

TEST_CASE("hex rejects odd length and non-hex digits", "[bytes]") {
  CHECK_FALSE(util::hex_decode("abc").has_value());
  CHECK_FALSE(util::hex_decode("zz").has_value());
  CHECK_FALSE(util::hex_decode("0g").has_value());
  CHECK_FALSE(util::hex_decode(" 00").has_value());
}

TEST_CASE("base64 matches RFC 4648 test vectors", "[bytes]") {
  const std::pair<const char*, const char*> vectors[] = {
      {"", ""},         {"f", "Zg=="},         {"fo", "Zm8="},         {"foo", "Zm9v"},
      {"foob", "Zm9vYg=="}, {"fooba", "Zm9vYmE="}, {"foobar", "Zm9vYmFy"},
  };
  for (const auto& [plain, enc] : vectors) {
    INFO(plain);
    CHECK(util::base64_encode(util::to_bytes(plain)) == enc);
    CHECK(util::base64_decode(enc) == util::to_bytes(plain));
  }
}

TEST_CASE("base64 round-trips every byte value and all tail lengths", "[bytes]") {
  Bytes all;
  for (int i = 0; i < 256; ++i) all.push_back(static_cast<uint8_t>(i));
  for (size_t n = 0; n < all.size(); n += 37) {
    Bytes part(all.begin(), all.begin() + n);
    CHECK(util::base64_decode(util::base64_encode(part)) == part);
  }
  // '+' and '/' (62, 63) are the standard alphabet, not the URL-safe one.
  CHECK(util::base64_encode(Bytes{0xfb, 0xff}) == "+/8=");
}

TEST_CASE("base64 rejects malformed input", "[bytes]") {
  CHECK_FALSE(util::base64_decode("Zg").has_value());        // unpadded
  CHECK_FALSE(util::base64_decode("Zg=").has_value());       // wrong length
  CHECK_FALSE(util::base64_decode("Z===").has_value());      // too much padding
  CHECK_FALSE(util::base64_decode("Zg==Zg==").has_value());  // padding in the middle
  CHECK_FALSE(util::base64_decode("Zm9-").has_value());      // URL-safe alphabet
  CHECK_FALSE(util::base64_decode("Zm9_").has_value());
  CHECK_FALSE(util::base64_decode("Zh==").has_value());      // non-zero unused bits
  CHECK_FALSE(util::base64_decode("Zm 9").has_value());
  CHECK_FALSE(util::base64_decode("=Zg=").has_value());
}

TEST_CASE("concat joins in order", "[bytes]") {
  const Bytes a{1, 2}, b{}, c{3};
  CHECK(util::concat({&a, &b, &c}) == Bytes{1, 2, 3});
}
