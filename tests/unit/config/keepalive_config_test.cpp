// The keepalive keys (issue 4): defaults are whatsmeow's timings (PROTOCOL.md §8), env and file
// set them, out-of-range values and max < min are refused naming the key.
#include <catch2/catch.hpp>
#include <stdlib.h>
#include <unistd.h>

#include <fstream>
#include <iterator>

#include "config/config.hpp"

using sidecar::Config;
using sidecar::ConfigError;
using Env = std::map<std::string, std::string>;

namespace {

Env secret(Env env = {}) {
  env["INTERNAL_SECRET"] = "keepalive-test-secret-0123";
  return env;
}

std::string error_of(const Env& env) {
  try {
    Config::load(std::nullopt, env);
  } catch (const ConfigError& e) {
    return e.what();
  }
  return "";
}

}  // namespace

TEST_CASE("keepalive defaults are whatsmeow's: 20-30 s, 10 s to answer, dead after 3 min",
          "[config][keepalive]") {
  Config c = Config::load(std::nullopt, secret());
  CHECK(c.keepalive_interval_min_ms == 20000);
  CHECK(c.keepalive_interval_max_ms == 30000);
  CHECK(c.keepalive_timeout_ms == 10000);
  CHECK(c.keepalive_dead_ms == 180000);
}

TEST_CASE("keepalive keys come from the environment and from the file", "[config][keepalive]") {
  Config c = Config::load(std::nullopt, secret({{"KEEPALIVE_INTERVAL_MIN_MS", "200"},
                                                {"KEEPALIVE_INTERVAL_MAX_MS", "300"},
                                                {"KEEPALIVE_TIMEOUT_MS", "150"},
                                                {"KEEPALIVE_DEAD_MS", "900"}}));
  CHECK(c.keepalive_interval_min_ms == 200);
  CHECK(c.keepalive_interval_max_ms == 300);
  CHECK(c.keepalive_timeout_ms == 150);
  CHECK(c.keepalive_dead_ms == 900);

  char tmpl[] = "/tmp/wa-keepalive-test-XXXXXX";
  int fd = mkstemp(tmpl);
  REQUIRE(fd >= 0);
  close(fd);
  std::ofstream(tmpl) << "keepalive_interval_min_ms: 1000\nkeepalive_interval_max_ms: 1000\n"
                         "keepalive_timeout_ms: 500\nkeepalive_dead_ms: 5000\n";
  Config f = Config::load(std::string(tmpl), secret({{"KEEPALIVE_DEAD_MS", "7000"}}));
  unlink(tmpl);
  CHECK(f.keepalive_interval_min_ms == 1000);
  CHECK(f.keepalive_interval_max_ms == 1000);
  CHECK(f.keepalive_timeout_ms == 500);
  CHECK(f.keepalive_dead_ms == 7000);  // the environment beats the file
}

TEST_CASE("bad keepalive values are refused naming the key", "[config][keepalive]") {
  struct Bad { const char* env; const char* value; const char* key; };
  for (const Bad& b : {Bad{"KEEPALIVE_INTERVAL_MIN_MS", "99", "keepalive_interval_min_ms"},
                       Bad{"KEEPALIVE_INTERVAL_MIN_MS", "20s", "keepalive_interval_min_ms"},
                       Bad{"KEEPALIVE_INTERVAL_MAX_MS", "600001", "keepalive_interval_max_ms"},
                       Bad{"KEEPALIVE_TIMEOUT_MS", "0", "keepalive_timeout_ms"},
                       Bad{"KEEPALIVE_DEAD_MS", "-1", "keepalive_dead_ms"},
                       Bad{"KEEPALIVE_DEAD_MS", "3600001", "keepalive_dead_ms"}}) {
    INFO(b.env << "=" << b.value);
    const std::string e = error_of(secret({{b.env, b.value}}));
    CHECK_THAT(e, Catch::Contains(b.key) && Catch::Contains(b.env));
  }
  // The shortest pause may not exceed the longest (the default max is 30000).
  const std::string e = error_of(secret({{"KEEPALIVE_INTERVAL_MIN_MS", "40000"}}));
  CHECK_THAT(e, Catch::Contains("keepalive_interval_max_ms") &&
                    Catch::Contains("keepalive_interval_min_ms"));
}

TEST_CASE("config.example.yaml documents the keepalive keys with their defaults",
          "[config][keepalive]") {
  const std::string example = std::string(WA_TEST_DATA_DIR) + "/../../config.example.yaml";
  Config c = Config::load(example, secret());
  Config d = Config::load(std::nullopt, secret());
  CHECK(c.keepalive_interval_min_ms == d.keepalive_interval_min_ms);
  CHECK(c.keepalive_interval_max_ms == d.keepalive_interval_max_ms);
  CHECK(c.keepalive_timeout_ms == d.keepalive_timeout_ms);
  CHECK(c.keepalive_dead_ms == d.keepalive_dead_ms);
  std::ifstream in(example);
  const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  for (const char* s : {"\nkeepalive_interval_min_ms:", "\nkeepalive_interval_max_ms:",
                        "\nkeepalive_timeout_ms:", "\nkeepalive_dead_ms:",
                        "Env: KEEPALIVE_INTERVAL_MIN_MS", "Env: KEEPALIVE_INTERVAL_MAX_MS",
                        "Env: KEEPALIVE_TIMEOUT_MS", "Env: KEEPALIVE_DEAD_MS"}) {
    INFO(s);
    CHECK(text.find(s) != std::string::npos);
  }
}

TEST_CASE("a dead-link budget shorter than one ping cycle is refused", "[config][keepalive]") {
  // Defaults: pings at most 30 s apart, 10 s to answer: 40 s is the least that makes sense.
  const std::string e = error_of(secret({{"KEEPALIVE_DEAD_MS", "39999"}}));
  CHECK_THAT(e, Catch::Contains("keepalive_dead_ms") && Catch::Contains("40000"));
  CHECK(error_of(secret({{"KEEPALIVE_DEAD_MS", "40000"}})).empty());
}
