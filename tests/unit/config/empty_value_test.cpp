// An explicitly empty value (an empty environment variable, `key: ""` or `key:` in the file) is
// refused naming the key and its variable, never read as "use the default" or "use the file".
#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "config_test_support.hpp"

using sidecar::Config;
using namespace config_test;

namespace {

struct Key {
  const char* key;
  const char* env;
};

// Every key that has a default, spelled out here rather than taken from the implementation's
// table, so a key that drops out of the rule fails the test.
const std::vector<Key> kDefaultedKeys = {
    {"host", "HOST"},
    {"port", "PORT"},
    {"sessions_dir", "SESSIONS_DIR"},
    {"wa_url", "WA_URL"},
    {"noise_root_key", "WA_NOISE_ROOT_KEY"},
    {"wa_version", "WA_VERSION"},
    {"device_os", "WA_DEVICE_OS"},
    {"qr_wait_ms", "QR_WAIT_MS"},
    {"qr_first_ref_ms", "QR_FIRST_REF_MS"},
    {"qr_next_ref_ms", "QR_NEXT_REF_MS"},
    {"send_ack_timeout_ms", "SEND_ACK_TIMEOUT_MS"},
    {"keepalive_interval_min_ms", "KEEPALIVE_INTERVAL_MIN_MS"},
    {"keepalive_interval_max_ms", "KEEPALIVE_INTERVAL_MAX_MS"},
    {"keepalive_timeout_ms", "KEEPALIVE_TIMEOUT_MS"},
    {"keepalive_dead_ms", "KEEPALIVE_DEAD_MS"},
    {"max_body_bytes", "MAX_BODY_BYTES"},
    {"log_level", "LOG_LEVEL"},
    {"http_threads", "HTTP_THREADS"},
    {"network_threads", "NETWORK_THREADS"},
    {"webhook_timeout_ms", "WEBHOOK_TIMEOUT_MS"},
    {"webhook_retry_hours", "WEBHOOK_RETRY_HOURS"},
    {"event_retention_hours", "EVENT_RETENTION_HOURS"},
};

// "config: wa_url (env WA_URL) is set but empty..."
std::string names(const Key& k) {
  return std::string("config: ") + k.key + " (env " + k.env + ") is set but empty";
}

}  // namespace

TEST_CASE("an empty environment variable of a defaulted key is refused", "[config][empty]") {
  for (const Key& k : kDefaultedKeys) {
    INFO(k.env << "=");
    const std::string e = error_of(std::nullopt, with_secret({{k.env, ""}}));
    CHECK_THAT(e, Catch::StartsWith(names(k)) &&
                      Catch::Contains(std::string("environment variable ") + k.env));
    CHECK_THAT(e, !Catch::Contains(kSecret));
  }
}

TEST_CASE("an empty variable is refused even when the file sets the key", "[config][empty]") {
  const std::string file_key(64, 'a');
  YamlFile f("internal_secret: " + kSecret + "\nnoise_root_key: " + file_key + "\n");
  REQUIRE(Config::load(f.path, {}).noise_root_key == file_key);
  const std::string e = error_of(f.path, {{"WA_NOISE_ROOT_KEY", ""}});
  CHECK_THAT(e, Catch::StartsWith(names({"noise_root_key", "WA_NOISE_ROOT_KEY"})) &&
                    Catch::Contains("environment variable WA_NOISE_ROOT_KEY"));
}

TEST_CASE("an empty value in the file is refused, quoted or with nothing after the colon",
          "[config][empty]") {
  for (const Key& k : kDefaultedKeys) {
    for (const std::string value : {" \"\"", " ''", "", " ~", " null"}) {
      const std::string line = std::string(k.key) + ":" + value;
      INFO(line);
      YamlFile f("internal_secret: " + kSecret + "\n" + line + "\n");
      const std::string e = error_of(f.path, {});
      CHECK_THAT(e, Catch::StartsWith(names(k)) && Catch::Contains(f.path + " line 2"));
      CHECK_THAT(e, !Catch::Contains(kSecret));
    }
  }
}

TEST_CASE("a variable set over an empty value in the file is taken", "[config][empty]") {
  // The shipped config.example.yaml has `internal_secret: ""` for the environment to fill.
  YamlFile f("internal_secret: \"\"\nwa_url:\n");
  Config c = Config::load(f.path, with_secret({{"WA_URL", "ws://127.0.0.1:9000/ws/chat"}}));
  CHECK(c.internal_secret == kSecret);
  CHECK(c.wa_url == "ws://127.0.0.1:9000/ws/chat");
}

TEST_CASE("an empty secret variable is refused even when the file has a secret",
          "[config][empty]") {
  const std::string file_secret = "file-secret-0123456789";
  YamlFile f("internal_secret: " + file_secret + "\n");
  REQUIRE(Config::load(f.path, {}).internal_secret == file_secret);
  const std::string e = error_of(f.path, {{"INTERNAL_SECRET", ""}});
  CHECK_THAT(e, Catch::StartsWith("config: internal_secret (env INTERNAL_SECRET)") &&
                    Catch::Contains("environment variable INTERNAL_SECRET"));
  CHECK_THAT(e, !Catch::Contains(file_secret));
}
