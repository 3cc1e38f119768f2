#include <catch2/catch.hpp>
#include <stdlib.h>

#include <fstream>
#include <regex>

#include "config_test_support.hpp"

using sidecar::Config;
using namespace config_test;

TEST_CASE("defaults apply when only the secret is given", "[config]") {
  Config c = Config::load(std::nullopt, with_secret());
  CHECK(c.internal_secret == kSecret);
  CHECK(c.host == "0.0.0.0");
  CHECK(c.port == 3000);
  CHECK(c.sessions_dir == "./sessions");
  CHECK(c.wa_url == "wss://web.whatsapp.com/ws/chat");
  // WhatsApp's real Noise root (PROTOCOL.md §3), spelled out independently of the header.
  CHECK(c.noise_root_key == "142375574d0a587166aae71ebe516437c4a28b73e3695c6ce1f7f9545da8ee6b");
  CHECK(c.wa_version == "2.3000.1045649367");
  CHECK(c.device_os == "Linux");
  CHECK(c.qr_wait_ms == 10000);
  CHECK(c.qr_first_ref_ms == 60000);  // PROTOCOL.md §6 rotation: 60 s, then 20 s
  CHECK(c.qr_next_ref_ms == 20000);
  CHECK(c.max_body_bytes == 1048576);
  CHECK(c.log_level == "info");
  CHECK(c.http_threads == 16);
  CHECK(c.network_threads == 0);  // one per core
}

TEST_CASE("every key can be set from the file", "[config]") {
  YamlFile f(
      "internal_secret: \"" + kSecret + "\"\n"
      "host: 127.0.0.1\n"
      "port: 8080\n"
      "sessions_dir: /var/lib/wa\n"
      "wa_url: ws://127.0.0.1:9000/ws/chat\n"
      "noise_root_key: " + std::string(64, 'A') + "\n"
      "wa_version: 2.3000.1\n"
      "device_os: Ubuntu\n"
      "qr_wait_ms: 0\n"
      "qr_first_ref_ms: 1000\n"
      "qr_next_ref_ms: 600000\n"
      "max_body_bytes: 2048\n"
      "log_level: debug\n"
      "http_threads: 4\n");
  Config c = Config::load(f.path, {});
  CHECK(c.internal_secret == kSecret);
  CHECK(c.host == "127.0.0.1");
  CHECK(c.port == 8080);
  CHECK(c.sessions_dir == "/var/lib/wa");
  CHECK(c.wa_url == "ws://127.0.0.1:9000/ws/chat");
  CHECK(c.noise_root_key == std::string(64, 'A'));
  CHECK(c.wa_version == "2.3000.1");
  CHECK(c.device_os == "Ubuntu");
  CHECK(c.qr_wait_ms == 0);
  CHECK(c.qr_first_ref_ms == 1000);
  CHECK(c.qr_next_ref_ms == 600000);
  CHECK(c.max_body_bytes == 2048);
  CHECK(c.log_level == "debug");
  CHECK(c.http_threads == 4);
}

TEST_CASE("environment overrides the file", "[config]") {
  YamlFile f("internal_secret: file-secret-0123456789\nport: 8080\nhost: 10.0.0.1\nlog_level: warn\n");
  Env env{{"INTERNAL_SECRET", kSecret}, {"PORT", "0"},        {"SESSIONS_DIR", "/tmp/s"},
          {"WA_URL", "ws://sim/ws"},    {"WA_NOISE_ROOT_KEY", std::string(64, '0')},
          {"WA_VERSION", "2.3000.7"},   {"WA_DEVICE_OS", "Mac OS"}, {"QR_WAIT_MS", "120000"},
          {"MAX_BODY_BYTES", "1024"},   {"LOG_LEVEL", "error"},     {"HTTP_THREADS", "256"},
          {"QR_FIRST_REF_MS", "2000"},  {"QR_NEXT_REF_MS", "1500"},
          {"UNRELATED", "ignored"}};
  Config c = Config::load(f.path, env);
  CHECK(c.internal_secret == kSecret);
  CHECK(c.port == 0);
  CHECK(c.host == "10.0.0.1");  // not overridden: the file's value stays
  CHECK(c.sessions_dir == "/tmp/s");
  CHECK(c.wa_url == "ws://sim/ws");
  CHECK(c.noise_root_key == std::string(64, '0'));
  CHECK(c.wa_version == "2.3000.7");
  CHECK(c.device_os == "Mac OS");
  CHECK(c.qr_wait_ms == 120000);
  CHECK(c.max_body_bytes == 1024);
  CHECK(c.log_level == "error");
  CHECK(c.http_threads == 256);
  CHECK(c.qr_first_ref_ms == 2000);
  CHECK(c.qr_next_ref_ms == 1500);

}

TEST_CASE("missing, empty or short secret is rejected", "[config]") {
  std::string e = error_of(std::nullopt, {});
  CHECK_THAT(e, Catch::Contains("internal_secret") && Catch::Contains("INTERNAL_SECRET") &&
                    Catch::Contains("required"));
  YamlFile empty("internal_secret: \"\"\n");
  CHECK_THAT(error_of(empty.path, {}), Catch::Contains("required"));
  YamlFile blank("internal_secret:\n");
  CHECK_THAT(error_of(blank.path, {}), Catch::Contains("required"));
  std::string shortie = error_of(std::nullopt, {{"INTERNAL_SECRET", "only15chars-abc"}});
  CHECK_THAT(shortie, Catch::Contains("INTERNAL_SECRET") && Catch::Contains("16"));
  CHECK_THAT(shortie, !Catch::Contains("only15chars-abc"));
  CHECK(error_of(std::nullopt, {{"INTERNAL_SECRET", "exactly16chars!!"}}).empty());
}

TEST_CASE("each invalid value is rejected with a message naming key and variable", "[config]") {
  struct Case {
    const char* key;
    const char* env;
    std::string value;
  };
  const std::vector<Case> cases = {
      {"port", "PORT", "-1"},
      {"port", "PORT", "65536"},
      {"port", "PORT", "80a"},
      {"port", "PORT", "0x50"},
      {"port", "PORT", " 80"},
      {"port", "PORT", "99999999999999999999999"},
      {"host", "HOST", ""},
      {"sessions_dir", "SESSIONS_DIR", ""},
      {"wa_url", "WA_URL", "https://web.whatsapp.com/ws/chat"},
      {"wa_url", "WA_URL", "web.whatsapp.com"},
      {"wa_url", "WA_URL", "wss://"},
      {"noise_root_key", "WA_NOISE_ROOT_KEY", std::string(63, 'a')},
      {"noise_root_key", "WA_NOISE_ROOT_KEY", std::string(65, 'a')},
      {"noise_root_key", "WA_NOISE_ROOT_KEY", std::string(63, 'a') + "g"},
      {"wa_version", "WA_VERSION", "2.3000"},
      {"wa_version", "WA_VERSION", "2.3000.1.2"},
      {"wa_version", "WA_VERSION", "2.3000.x"},
      {"wa_version", "WA_VERSION", "2..1"},
      {"wa_version", "WA_VERSION", "2.3000.-1"},
      {"wa_version", "WA_VERSION", "2.3000.4294967296"},
      {"device_os", "WA_DEVICE_OS", ""},
      {"qr_wait_ms", "QR_WAIT_MS", "-1"},
      {"qr_wait_ms", "QR_WAIT_MS", "120001"},
      {"qr_first_ref_ms", "QR_FIRST_REF_MS", "999"},
      {"qr_first_ref_ms", "QR_FIRST_REF_MS", "600001"},
      {"qr_next_ref_ms", "QR_NEXT_REF_MS", "0"},
      {"qr_next_ref_ms", "QR_NEXT_REF_MS", "20s"},
      {"send_ack_timeout_ms", "SEND_ACK_TIMEOUT_MS", "999"},
      {"send_ack_timeout_ms", "SEND_ACK_TIMEOUT_MS", "300001"},
      {"max_body_bytes", "MAX_BODY_BYTES", "1023"},
      {"max_body_bytes", "MAX_BODY_BYTES", "-5"},
      {"max_body_bytes", "MAX_BODY_BYTES", "1k"},
      {"log_level", "LOG_LEVEL", "verbose"},
      {"log_level", "LOG_LEVEL", "INFO"},
      {"http_threads", "HTTP_THREADS", "0"},
      {"http_threads", "HTTP_THREADS", "257"},
      {"http_threads", "HTTP_THREADS", "1.5"},
      {"network_threads", "NETWORK_THREADS", "-1"},
      {"network_threads", "NETWORK_THREADS", "65"},
  };
  for (const auto& c : cases) {
    INFO(c.key << " = \"" << c.value << "\"");
    // Through the file (empty strings quoted so they are values, not nulls)...
    YamlFile f("internal_secret: " + kSecret + "\n" + c.key + ": \"" + c.value + "\"\n");
    std::string from_file = error_of(f.path, {});
    CHECK_THAT(from_file, Catch::StartsWith("config: ") && Catch::Contains(c.key) &&
                              Catch::Contains(c.env));
    CHECK_THAT(from_file, !Catch::Contains(kSecret));
    // ...and through the environment.
    std::string from_env = error_of(std::nullopt, with_secret({{c.env, c.value}}));
    CHECK_THAT(from_env, Catch::Contains(c.key) && Catch::Contains(c.env) &&
                             Catch::Contains("environment variable"));
    CHECK_THAT(from_env, !Catch::Contains(kSecret));
  }
}

TEST_CASE("boundary values are accepted", "[config]") {
  Config c = Config::load(std::nullopt, with_secret({{"PORT", "65535"},
                                                     {"QR_WAIT_MS", "0"},
                                                     {"HTTP_THREADS", "1"},
                                                     {"WA_URL", "wss://x"},
                                                     {"WA_VERSION", "0.0.4294967295"}}));
  CHECK(c.port == 65535);
  CHECK(c.qr_wait_ms == 0);
  CHECK(c.http_threads == 1);
  CHECK(c.wa_url == "wss://x");
  CHECK(c.wa_version == "0.0.4294967295");
}

TEST_CASE("unknown, duplicate and structured keys in the file are errors", "[config]") {
  YamlFile typo("internal_secret: " + kSecret + "\nprot: 3000\n");
  std::string e = error_of(typo.path, {});
  CHECK_THAT(e, Catch::Contains("unknown key") && Catch::Contains("prot") &&
                    Catch::Contains("line 2"));
  CHECK_THAT(e, !Catch::Contains(kSecret));

  YamlFile dup("internal_secret: " + kSecret + "\nport: 1\nport: 2\n");
  CHECK_THAT(error_of(dup.path, {}), Catch::Contains("port") && Catch::Contains("twice"));

  YamlFile nested("internal_secret: " + kSecret + "\nport:\n  value: 3\n");
  CHECK_THAT(error_of(nested.path, {}), Catch::Contains("port") && Catch::Contains("PORT"));

  YamlFile list("- internal_secret\n- port\n");
  CHECK_THAT(error_of(list.path, {}), Catch::Contains("mapping"));

  YamlFile broken("internal_secret: [" + kSecret + "\n");
  std::string b = error_of(broken.path, {});
  CHECK_THAT(b, Catch::Contains("not valid YAML"));
  CHECK_THAT(b, !Catch::Contains(kSecret));

  CHECK_THAT(error_of(std::string("/nonexistent/wa.yaml"), with_secret()),
             Catch::Contains("cannot read") && Catch::Contains("/nonexistent/wa.yaml"));
}

TEST_CASE("an empty file keeps the defaults", "[config]") {
  YamlFile empty("");
  CHECK(Config::load(empty.path, with_secret()).port == 3000);
  YamlFile comment("# only a comment\n");
  CHECK(Config::load(comment.path, with_secret()).port == 3000);
}

TEST_CASE("the secret never appears in an error message", "[config]") {
  // The secret is valid; every other key is broken in turn, from file and env.
  const Env bad_values = {{"PORT", "x"},           {"WA_URL", "http://a"},
                          {"WA_NOISE_ROOT_KEY", "z"}, {"WA_VERSION", "1"},
                          {"QR_WAIT_MS", "x"},     {"MAX_BODY_BYTES", "1"},
                          {"LOG_LEVEL", "x"},      {"HTTP_THREADS", "x"},
                          {"QR_FIRST_REF_MS", "x"}, {"QR_NEXT_REF_MS", "x"}};
  for (const auto& kv : bad_values) {
    std::string e = error_of(std::nullopt, with_secret({{kv.first, kv.second}}));
    INFO(kv.first);
    CHECK_FALSE(e.empty());
    CHECK(e.find(kSecret) == std::string::npos);
  }
  // A secret placed where a list is expected, and a too-short secret from the file.
  YamlFile f("internal_secret: [" + kSecret + "]\n");
  std::string e = error_of(f.path, {});
  CHECK_FALSE(e.empty());
  CHECK(e.find(kSecret) == std::string::npos);
  YamlFile s("internal_secret: \"tiny-secret\"\n");
  e = error_of(s.path, {});
  CHECK_THAT(e, Catch::Contains("16"));
  CHECK(e.find("tiny-secret") == std::string::npos);
}

TEST_CASE("config.example.yaml documents every key with its default", "[config]") {
  const std::string example = std::string(WA_TEST_DATA_DIR) + "/../../config.example.yaml";
  // As shipped it has no secret, so it must not start without one...
  CHECK_THAT(error_of(example, {}), Catch::Contains("INTERNAL_SECRET"));
  // ...and with one it yields exactly the built-in defaults.
  Config c = Config::load(example, with_secret());
  Config d = Config::load(std::nullopt, with_secret());
  CHECK(c.host == d.host);
  CHECK(c.port == d.port);
  CHECK(c.sessions_dir == d.sessions_dir);
  CHECK(c.wa_url == d.wa_url);
  CHECK(c.noise_root_key == d.noise_root_key);
  CHECK(c.wa_version == d.wa_version);
  CHECK(c.device_os == d.device_os);
  CHECK(c.qr_wait_ms == d.qr_wait_ms);
  CHECK(c.qr_first_ref_ms == d.qr_first_ref_ms);
  CHECK(c.qr_next_ref_ms == d.qr_next_ref_ms);
  CHECK(c.send_ack_timeout_ms == d.send_ack_timeout_ms);
  CHECK(c.max_body_bytes == d.max_body_bytes);
  CHECK(c.log_level == d.log_level);
  CHECK(c.http_threads == d.http_threads);
  std::ifstream in(example);
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  for (const char* key : {"internal_secret", "host", "port", "sessions_dir", "wa_url",
                          "noise_root_key", "wa_version", "device_os", "qr_wait_ms",
                          "qr_first_ref_ms", "qr_next_ref_ms", "send_ack_timeout_ms", "max_body_bytes", "log_level", "http_threads"}) {
    INFO(key);
    CHECK(std::regex_search(text, std::regex(std::string("\n") + key + ":")));
  }
  for (const char* env : {"INTERNAL_SECRET", "HOST", "PORT", "SESSIONS_DIR", "WA_URL",
                          "WA_NOISE_ROOT_KEY", "WA_VERSION", "WA_DEVICE_OS", "QR_WAIT_MS",
                          "QR_FIRST_REF_MS", "QR_NEXT_REF_MS", "SEND_ACK_TIMEOUT_MS", "MAX_BODY_BYTES", "LOG_LEVEL", "HTTP_THREADS"}) {
    INFO(env);
    CHECK(text.find(std::string("Env: ") + env) != std::string::npos);
  }
}

TEST_CASE("process_env reads only our variables", "[config]") {
  setenv("HTTP_THREADS", "7", 1);
  setenv("WA_SIDECAR_UNRELATED_TEST_VAR", "x", 1);
  auto env = Config::process_env();
  unsetenv("HTTP_THREADS");
  unsetenv("WA_SIDECAR_UNRELATED_TEST_VAR");
  CHECK(env["HTTP_THREADS"] == "7");
  CHECK(env.count("WA_SIDECAR_UNRELATED_TEST_VAR") == 0);
}
