// The webhook keys: a URL needs a valid Standard Webhooks secret (else the start is refused
// naming webhook_secret), URL and secret unset or empty mean no webhooks, the timing keys have
// ranges, and neither the secret nor the URL (which may carry a token) is ever echoed.
#include <catch2/catch.hpp>

#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "config_test_support.hpp"
#include "util/bytes.hpp"
#include "util/crypto.hpp"

using sidecar::Config;
using namespace config_test;

namespace {

const std::string kUrl = "https://hooks.example.com/wa?token=TOKEN123";
const std::string kHookSecret = "whsec_" + util::base64_encode(util::crypto::random_bytes(32));

void check_names_secret(const std::string& e, const std::string& reason) {
  CHECK_THAT(e, Catch::StartsWith("config: webhook_secret (env WEBHOOK_SECRET) ") &&
                    Catch::Contains(reason));
  CHECK_THAT(e, !Catch::Contains(kHookSecret.substr(6, 12)));
  CHECK_THAT(e, !Catch::Contains("TOKEN123"));
}

}  // namespace

TEST_CASE("webhook defaults: off, 10 s timeout, 24 h of retries, 72 h of retention",
          "[config][webhooks]") {
  const Config c = Config::load(std::nullopt, with_secret());
  CHECK(c.webhook_url.empty());
  CHECK(c.webhook_secret.empty());
  CHECK(c.webhook_timeout_ms == 10000);
  CHECK(c.webhook_retry_hours == 24);
  CHECK(c.event_retention_hours == 72);
}

TEST_CASE("webhook keys come from the environment and from the file", "[config][webhooks]") {
  const Config e = Config::load(
      std::nullopt, with_secret({{"WEBHOOK_URL", kUrl}, {"WEBHOOK_SECRET", kHookSecret},
                                 {"WEBHOOK_TIMEOUT_MS", "2500"}, {"WEBHOOK_RETRY_HOURS", "48"},
                                 {"EVENT_RETENTION_HOURS", "96"}}));
  CHECK(e.webhook_url == kUrl);
  CHECK(e.webhook_secret == kHookSecret);
  CHECK(e.webhook_timeout_ms == 2500);
  CHECK(e.webhook_retry_hours == 48);
  CHECK(e.event_retention_hours == 96);

  YamlFile f("internal_secret: " + kSecret + "\nwebhook_url: \"http://10.0.0.5:8080/in\"\n" +
             "webhook_secret: \"" + kHookSecret + "\"\nwebhook_timeout_ms: 300000\n" +
             "webhook_retry_hours: 1\nevent_retention_hours: 1\n");
  const Config y = Config::load(f.path, {});
  CHECK(y.webhook_url == "http://10.0.0.5:8080/in");
  CHECK(y.webhook_secret == kHookSecret);
  CHECK(y.webhook_timeout_ms == 300000);
  CHECK(y.webhook_retry_hours == 1);
  CHECK(y.event_retention_hours == 1);
}

TEST_CASE("a webhook URL without a secret is refused naming webhook_secret",
          "[config][webhooks]") {
  const std::string reason = "is required when webhook_url is set";
  check_names_secret(error_of(std::nullopt, with_secret({{"WEBHOOK_URL", kUrl}})), reason);
  // An empty secret is an unset one, so it is missing just the same.
  check_names_secret(
      error_of(std::nullopt, with_secret({{"WEBHOOK_URL", kUrl}, {"WEBHOOK_SECRET", ""}})),
      reason);
  YamlFile f("internal_secret: " + kSecret + "\nwebhook_url: \"" + kUrl +
             "\"\nwebhook_secret:\n");
  check_names_secret(error_of(f.path, {}), reason);
  // The file's secret emptied by the environment: the environment wins, as for every key.
  YamlFile g("internal_secret: " + kSecret + "\nwebhook_url: \"" + kUrl +
             "\"\nwebhook_secret: \"" + kHookSecret + "\"\n");
  REQUIRE(Config::load(g.path, {}).webhook_secret == kHookSecret);
  check_names_secret(error_of(g.path, {{"WEBHOOK_SECRET", ""}}), reason);
}

TEST_CASE("a malformed webhook secret is refused naming webhook_secret, never echoed",
          "[config][webhooks]") {
  const std::string b64 = kHookSecret.substr(6);
  struct Case {
    std::string secret;
    const char* reason;
  };
  const std::vector<Case> cases = {
      {b64, "must start with whsec_"},
      {"whsec_" + b64.substr(0, b64.size() - 1), "base64"},
      {"whsec_" + util::base64_encode(util::crypto::random_bytes(16)), "24 to 64 bytes, not 16"},
      {kHookSecret + " ", "base64"},
  };
  for (const Case& c : cases) {
    INFO(c.reason);
    // With and without a URL: a secret that is set must be usable either way.
    check_names_secret(
        error_of(std::nullopt, with_secret({{"WEBHOOK_URL", kUrl}, {"WEBHOOK_SECRET", c.secret}})),
        c.reason);
    check_names_secret(error_of(std::nullopt, with_secret({{"WEBHOOK_SECRET", c.secret}})),
                       c.reason);
    YamlFile f("internal_secret: " + kSecret + "\nwebhook_secret: \"" + c.secret + "\"\n");
    const std::string e = error_of(f.path, {});
    check_names_secret(e, c.reason);
    CHECK_THAT(e, Catch::Contains(f.path + " line 2"));
  }
}

TEST_CASE("a webhook URL that is not http or https is refused without echoing it",
          "[config][webhooks]") {
  for (const std::string url : {"ftp://hooks.example.com/TOKEN123", "hooks.example.com/TOKEN123",
                                "https://user:TOKEN123@hooks.example.com/",
                                "https://hooks.example.com:99999/TOKEN123"}) {
    INFO(url);
    const std::string e = error_of(
        std::nullopt, with_secret({{"WEBHOOK_URL", url}, {"WEBHOOK_SECRET", kHookSecret}}));
    CHECK_THAT(e, Catch::StartsWith("config: webhook_url (env WEBHOOK_URL) "));
    CHECK_THAT(e, Catch::Contains("environment variable WEBHOOK_URL"));
    CHECK_THAT(e, !Catch::Contains("TOKEN123"));
  }
}

TEST_CASE("an empty webhook URL or secret means no webhooks", "[config][webhooks]") {
  const Config c = Config::load(
      std::nullopt, with_secret({{"WEBHOOK_URL", ""}, {"WEBHOOK_SECRET", ""}}));
  CHECK(c.webhook_url.empty());
  CHECK(c.webhook_secret.empty());
  // The file's URL emptied by the environment: no webhooks, whatever the file says.
  YamlFile f("internal_secret: " + kSecret + "\nwebhook_url: \"" + kUrl + "\"\nwebhook_secret: \"" +
             kHookSecret + "\"\n");
  CHECK(Config::load(f.path, {{"WEBHOOK_URL", ""}}).webhook_url.empty());
  // A secret alone is accepted: per-tenant URLs are signed with it.
  CHECK(Config::load(std::nullopt, with_secret({{"WEBHOOK_SECRET", kHookSecret}}))
            .webhook_secret == kHookSecret);
}

TEST_CASE("webhook timing keys out of range are refused naming the key", "[config][webhooks]") {
  struct Case {
    const char* env;
    const char* value;
    const char* names;
  };
  const std::vector<Case> cases = {
      {"WEBHOOK_TIMEOUT_MS", "99", "config: webhook_timeout_ms (env WEBHOOK_TIMEOUT_MS)"},
      {"WEBHOOK_TIMEOUT_MS", "300001", "config: webhook_timeout_ms (env WEBHOOK_TIMEOUT_MS)"},
      {"WEBHOOK_TIMEOUT_MS", "10s", "config: webhook_timeout_ms (env WEBHOOK_TIMEOUT_MS)"},
      {"WEBHOOK_RETRY_HOURS", "0", "config: webhook_retry_hours (env WEBHOOK_RETRY_HOURS)"},
      {"WEBHOOK_RETRY_HOURS", "721", "config: webhook_retry_hours (env WEBHOOK_RETRY_HOURS)"},
      {"EVENT_RETENTION_HOURS", "0", "config: event_retention_hours (env EVENT_RETENTION_HOURS)"},
      {"EVENT_RETENTION_HOURS", "8761",
       "config: event_retention_hours (env EVENT_RETENTION_HOURS)"},
  };
  for (const Case& c : cases) {
    INFO(c.env << "=" << c.value);
    CHECK_THAT(error_of(std::nullopt, with_secret({{c.env, c.value}})),
               Catch::StartsWith(c.names) && Catch::Contains(c.value));
  }
}

TEST_CASE("a retention shorter than the retries is refused", "[config][webhooks]") {
  // A failed event must still be there to replay once its retries are over.
  const std::string e = error_of(std::nullopt, with_secret({{"WEBHOOK_RETRY_HOURS", "48"},
                                                            {"EVENT_RETENTION_HOURS", "47"}}));
  CHECK_THAT(e, Catch::StartsWith("config: event_retention_hours (env EVENT_RETENTION_HOURS)") &&
                    Catch::Contains("webhook_retry_hours (48)"));
  CHECK(error_of(std::nullopt, with_secret({{"WEBHOOK_RETRY_HOURS", "48"},
                                            {"EVENT_RETENTION_HOURS", "48"}}))
            .empty());
  // The default retention (72 h) against a longer retry window.
  CHECK_THAT(error_of(std::nullopt, with_secret({{"WEBHOOK_RETRY_HOURS", "100"}})),
             Catch::Contains("event_retention_hours"));
}

TEST_CASE("config.example.yaml documents the webhook keys with their defaults",
          "[config][webhooks]") {
  const std::string example = std::string(WA_TEST_DATA_DIR) + "/../../config.example.yaml";
  const Config c = Config::load(example, with_secret());
  const Config d = Config::load(std::nullopt, with_secret());
  CHECK(c.webhook_url == d.webhook_url);
  CHECK(c.webhook_secret == d.webhook_secret);
  CHECK(c.webhook_timeout_ms == d.webhook_timeout_ms);
  CHECK(c.webhook_retry_hours == d.webhook_retry_hours);
  CHECK(c.event_retention_hours == d.event_retention_hours);
  std::ifstream in(example);
  const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  for (const char* s : {"\nwebhook_url:", "\nwebhook_secret:", "\nwebhook_timeout_ms:",
                        "\nwebhook_retry_hours:", "\nevent_retention_hours:", "Env: WEBHOOK_URL",
                        "Env: WEBHOOK_SECRET", "Env: WEBHOOK_TIMEOUT_MS",
                        "Env: WEBHOOK_RETRY_HOURS", "Env: EVENT_RETENTION_HOURS"}) {
    INFO(s);
    CHECK(text.find(s) != std::string::npos);
  }
}
