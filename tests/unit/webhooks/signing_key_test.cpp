// Parsing the whsec_ secret: prefix, strict base64, 24 to 64 decoded bytes; refusals say why
// without repeating the secret.
#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "util/bytes.hpp"
#include "util/crypto.hpp"
#include "webhooks/signing_key.hpp"

using webhooks::SigningKey;

namespace {

std::string secret_of(size_t n) {
  return "whsec_" + util::base64_encode(util::crypto::random_bytes(n));
}

}  // namespace

TEST_CASE("signing key: the key is the decoded base64 after whsec_", "[webhooks][secret]") {
  for (size_t n : {size_t{24}, size_t{32}, size_t{33}, size_t{64}}) {
    const util::Bytes raw = util::crypto::random_bytes(n);
    std::string reason;
    auto key = SigningKey::parse("whsec_" + util::base64_encode(raw), &reason);
    INFO(n << " bytes: " << reason);
    REQUIRE(key);
    CHECK(key->bytes() == raw);
  }
}

TEST_CASE("signing key: malformed secrets are refused with a reason", "[webhooks][secret]") {
  struct Case {
    std::string secret;
    const char* reason;
  };
  const std::string b64_32 = util::base64_encode(util::crypto::random_bytes(32));
  const std::vector<Case> cases = {
      {"", "must start with whsec_"},
      {b64_32, "must start with whsec_"},                   // bare base64, no prefix
      {"WHSEC_" + b64_32, "must start with whsec_"},        // the prefix is case-sensitive
      {"whsk_" + b64_32, "must start with whsec_"},         // an asymmetric key's prefix
      {"whsec_", "must encode 24 to 64 bytes, not 0"},
      {secret_of(23), "must encode 24 to 64 bytes, not 23"},
      {secret_of(65), "must encode 24 to 64 bytes, not 65"},
      {"whsec_" + b64_32.substr(0, 43), "padded standard base64"},  // padding dropped
      {"whsec_" + b64_32 + "\n", "padded standard base64"},
      {"whsec_ " + b64_32.substr(1), "padded standard base64"},
      {"whsec_" + std::string(40, '-') + "AAAA", "padded standard base64"},  // base64url
  };
  for (const Case& c : cases) {
    INFO("secret of " << c.secret.size() << " chars, expecting: " << c.reason);
    std::string reason;
    CHECK_FALSE(SigningKey::parse(c.secret, &reason));
    CHECK_THAT(reason, Catch::Contains(c.reason));
    if (c.secret.size() > 10) CHECK_THAT(reason, !Catch::Contains(c.secret.substr(6, 10)));
  }
}

TEST_CASE("signing key: copies hold the same bytes", "[webhooks][secret]") {
  auto key = SigningKey::parse(secret_of(32), nullptr);
  REQUIRE(key);
  const SigningKey copy = *key;
  CHECK(copy.bytes() == key->bytes());
  CHECK(copy.bytes().size() == 32);
}
