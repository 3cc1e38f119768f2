// The webhook-signature value against two independent references: the Standard Webhooks
// reference vector, and the openssl command line on random keys, ids, timestamps and bodies.
#include <catch2/catch.hpp>

#include <random>
#include <string>

#include "temp_file.hpp"
#include "util/bytes.hpp"
#include "util/crypto.hpp"
#include "webhooks/signature.hpp"

using webhooks::SigningKey;
using webhooks_test::run_command;
using webhooks_test::TempFile;

namespace {

SigningKey key_of(const std::string& secret) {
  std::string reason;
  auto key = SigningKey::parse(secret, &reason);
  INFO(reason);
  REQUIRE(key);
  return *key;
}

}  // namespace

TEST_CASE("signature: the Standard Webhooks reference vector", "[webhooks][signature]") {
  // From the specification's reference libraries: standard-webhooks/standard-webhooks,
  // libraries/go/webhook_test.go, TestWebhookSign (the JavaScript, Python and Rust libraries
  // test the same vector).
  const SigningKey key = key_of("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw");
  CHECK(webhooks::sign(key, "msg_p5jXN8AQM9LWM0D4loKWxJek", 1614265330,
                       "{\"test\": 2432232314}") ==
        "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=");
}

TEST_CASE("signature: matches openssl's HMAC-SHA256 on random inputs", "[webhooks][signature]") {
  std::mt19937_64 rng(Catch::rngSeed());
  for (int round = 0; round < 20; ++round) {
    const size_t key_len = webhooks::kMinSecretBytes + rng() % 41;  // 24..64
    const util::Bytes raw_key = util::crypto::random_bytes(key_len);
    const SigningKey key = key_of("whsec_" + util::base64_encode(raw_key));
    const std::string id = "01" + util::hex_encode(util::crypto::random_bytes(12));
    const int64_t ts = static_cast<int64_t>(rng() % 4000000000ULL);
    // Arbitrary bytes, UTF-8 and JSON punctuation, newlines, quotes and NUL included.
    std::string body(rng() % 3000, '\0');
    for (char& c : body) c = static_cast<char>(rng() & 0xff);
    if (round == 0) body = "";
    if (round == 1) body = "{\"text\":\"Olá! 👋 \\\"quoted\\\"\\n\",\"n\":1}\n";
    INFO("round " << round << ", key " << key_len << " bytes, body " << body.size() << " bytes");

    TempFile content(id + "." + std::to_string(ts) + "." + body);
    const std::string expected =
        run_command("openssl dgst -sha256 -mac HMAC -macopt hexkey:" + util::hex_encode(raw_key) +
                    " -binary < " + content.path + " | openssl base64 -A");
    REQUIRE(expected.size() == 44);
    CHECK(webhooks::sign(key, id, ts, body) == "v1," + expected);
  }
}

TEST_CASE("signature: an id that is empty or has a dot is refused", "[webhooks][signature]") {
  const SigningKey key = key_of("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw");
  CHECK_THROWS_AS(webhooks::sign(key, "", 1, "{}"), std::invalid_argument);
  CHECK_THROWS_AS(webhooks::sign(key, "a.b", 1, "{}"), std::invalid_argument);
  // The timestamp and the body are part of what is signed.
  const std::string base = webhooks::sign(key, "id1", 1700000000, "{}");
  CHECK(webhooks::sign(key, "id1", 1700000001, "{}") != base);
  CHECK(webhooks::sign(key, "id1", 1700000000, "{ }") != base);
  CHECK(webhooks::sign(key, "id2", 1700000000, "{}") != base);
}
