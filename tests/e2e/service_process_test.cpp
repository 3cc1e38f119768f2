// End to end, the process contract of the real binary: a setting that can never work is refused
// at start with exit status 2 and a config_invalid line naming the key and its variable (README
// "Configuration"); SIGHUP, SIGUSR1 and SIGUSR2 leave a running service serving, and SIGTERM
// still stops it with exit status 0 (README "Shutdown").
#include <catch2/catch.hpp>

#include <signal.h>

#include <fstream>
#include <sstream>
#include "service_rig.hpp"

using namespace e2e;

namespace {

constexpr const char* kSecret = "e2e-process-secret-0123456789";

// A complete, valid environment; each refusal case spoils exactly one setting of it.
std::map<std::string, std::string> valid_env(const TempDir& dir) {
  return {{"INTERNAL_SECRET", kSecret},
          {"PORT", std::to_string(free_port())},
          {"HOST", "127.0.0.1"},
          {"SESSIONS_DIR", dir.path() + "/sessions"},
          {"LOG_LEVEL", "debug"}};  // WhatsApp's default URL is never dialled: no sessions
}

// The "error" field of the config_invalid log line ("" if there is none).
std::string config_error(const std::string& log) {
  std::istringstream lines(log);
  for (std::string line; std::getline(lines, line);) {
    const json j = json::parse(line, nullptr, false);
    if (!j.is_discarded() && j.value("event", "") == "config_invalid") {
      return j.value("error", "");
    }
  }
  return "";
}

struct Refusal {
  std::string what;                         // for the failure message
  std::map<std::string, std::string> env;   // replaces these variables of the valid environment
  std::optional<std::string> yaml;          // passed with --config when set
  std::string names;                        // the start of the error: "config: <key> (env <ENV>)"
};

// Starts the binary with the refusal's settings; checks the exit status, the key named, and
// that no secret text leaked into its output.
void check_refused(const TempDir& dir, const Refusal& r, int index) {
  INFO(r.what);
  auto env = valid_env(dir);
  for (const auto& [k, v] : r.env) env[k] = v;
  std::vector<std::string> args;
  if (r.yaml) {
    const std::string path = dir.path() + "/refusal-" + std::to_string(index) + ".yaml";
    std::ofstream(path) << *r.yaml;
    args = {"--config", path};
  }
  ChildProcess p(WA_SIDECAR_BIN, args, env, dir.path() + "/refusal-" + std::to_string(index));
  const std::optional<int> status = p.wait_exit(kWait);
  const std::string log = p.stderr_text() + p.stdout_text();
  INFO(log);
  REQUIRE(status.has_value());
  CHECK(*status == 2);
  CHECK_THAT(config_error(log), Catch::StartsWith(r.names));
  CHECK(log.find("\"event\":\"listening\"") == std::string::npos);
  CHECK(log.find("Zq7x") == std::string::npos);  // the marked secrets below are never echoed
}

}  // namespace

TEST_CASE("e2e process: the valid environment of the refusal cases starts and serves",
          "[e2e][process]") {
  // The refusals below are only meaningful if this environment, unspoilt, is accepted.
  TempDir dir;
  const auto env = valid_env(dir);
  ChildProcess p(WA_SIDECAR_BIN, {}, env, dir.path() + "/valid");
  ServiceApi api(static_cast<uint16_t>(std::stoi(env.at("PORT"))), kSecret);
  const bool healthy = wait_until([&] {
    return p.running() && api.get("/health", std::nullopt).status == 200;
  });
  INFO(p.stderr_text());
  CHECK(healthy);
  CHECK(p.terminate() == 0);
}

TEST_CASE("e2e process: each setting that can never work is refused at start with exit 2",
          "[e2e][process]") {
  TempDir dir;
  {
    std::ofstream(dir.path() + "/file") << "a regular file\n";
  }
  const std::string secret_names = "config: internal_secret (env INTERNAL_SECRET) must not ";
  const std::vector<Refusal> refusals = {
      {"secret with a trailing space", {{"INTERNAL_SECRET", "Zq7x-process-secret-01 "}}, {},
       secret_names},
      {"secret with a leading tab", {{"INTERNAL_SECRET", "\tZq7x-process-secret-01"}}, {},
       secret_names},
      {"secret with a newline inside", {{"INTERNAL_SECRET", "Zq7x-process\nsecret-01"}}, {},
       secret_names},
      {"empty WA_NOISE_ROOT_KEY", {{"WA_NOISE_ROOT_KEY", ""}}, {},
       "config: noise_root_key (env WA_NOISE_ROOT_KEY) is set but empty"},
      {"empty WA_URL", {{"WA_URL", ""}}, {}, "config: wa_url (env WA_URL) is set but empty"},
      {"empty WA_VERSION", {{"WA_VERSION", ""}}, {},
       "config: wa_version (env WA_VERSION) is set but empty"},
      {"empty SESSIONS_DIR", {{"SESSIONS_DIR", ""}}, {},
       "config: sessions_dir (env SESSIONS_DIR) is set but empty"},
      {"empty LOG_LEVEL", {{"LOG_LEVEL", ""}}, {},
       "config: log_level (env LOG_LEVEL) is set but empty"},
      {"empty HOST", {{"HOST", ""}}, {}, "config: host (env HOST) is set but empty"},
      {"empty PORT", {{"PORT", ""}}, {}, "config: port (env PORT) is set but empty"},
      {"empty INTERNAL_SECRET over the file's secret",
       {{"INTERNAL_SECRET", ""}},
       "internal_secret: Zq7x-file-secret-0123\n",
       "config: internal_secret (env INTERNAL_SECRET) is required"},
      {"noise_root_key with no value in the file", {}, "noise_root_key:\n",
       "config: noise_root_key (env WA_NOISE_ROOT_KEY) is set but empty"},
      {"wa_url quoted empty in the file", {}, "wa_url: \"\"\n",
       "config: wa_url (env WA_URL) is set but empty"},
      {"SESSIONS_DIR below a regular file", {{"SESSIONS_DIR", dir.path() + "/file/sessions"}}, {},
       "config: sessions_dir (env SESSIONS_DIR) cannot be used"},
      {"SESSIONS_DIR that is a regular file", {{"SESSIONS_DIR", dir.path() + "/file"}}, {},
       "config: sessions_dir (env SESSIONS_DIR) cannot be used"},
      {"WEBHOOK_URL without a secret", {{"WEBHOOK_URL", "https://gw.example/hooks"}}, {},
       "config: webhook_secret (env WEBHOOK_SECRET) is required when webhook_url is set"},
      {"WEBHOOK_URL that is not http(s)",
       {{"WEBHOOK_URL", "ftp://gw.example/hooks"},
        {"WEBHOOK_SECRET", "whsec_Zq7xMfKQ9r8GKYqrTwjUPD8ILPZIo2La"}},
       {},
       "config: webhook_url (env WEBHOOK_URL)"},
      {"WEBHOOK_SECRET without the whsec_ prefix",
       {{"WEBHOOK_URL", "https://gw.example/hooks"},
        {"WEBHOOK_SECRET", "Zq7xMfKQ9r8GKYqrTwjUPD8ILPZIo2La"}},
       {},
       "config: webhook_secret (env WEBHOOK_SECRET)"},
      {"WEBHOOK_SECRET of too few bytes",
       {{"WEBHOOK_URL", "https://gw.example/hooks"}, {"WEBHOOK_SECRET", "whsec_Zq7xc2hvcnQ="}},
       {},
       "config: webhook_secret (env WEBHOOK_SECRET)"},
      // procfs takes no new files, not even from root (the tests may run as root, which
      // permission bits do not stop).
      {"SESSIONS_DIR nobody can write", {{"SESSIONS_DIR", "/proc"}}, {},
       "config: sessions_dir (env SESSIONS_DIR) cannot be used"},
  };
  for (size_t i = 0; i < refusals.size(); ++i) check_refused(dir, refusals[i], static_cast<int>(i));
}

TEST_CASE("e2e process: SIGUSR1, SIGHUP and SIGUSR2 leave the service serving; SIGTERM exits 0",
          "[e2e][process][signals]") {
  ServiceRig rig;
  rig.pair_tenant("signals");
  const pid_t pid = rig.service().process().pid();
  const std::vector<std::pair<int, std::string>> signals = {
      {SIGUSR1, "SIGUSR1"}, {SIGHUP, "SIGHUP"}, {SIGUSR2, "SIGUSR2"}};
  for (const auto& [sig, name] : signals) {
    INFO(name);
    REQUIRE(::kill(pid, sig) == 0);
    // Until its log line appears the signal may still be pending, and a check of /health
    // could pass before a fatal signal lands.
    const std::string line = "\"event\":\"signal_ignored\",\"signal\":\"" + name + "\"";
    CHECK(wait_until([&] { return rig.logs().find(line) != std::string::npos; }, 5s));
    REQUIRE(rig.service().process().running());
    HttpResult health = rig.api().get("/health", std::nullopt);
    CHECK(health.status == 200);
    CHECK(health.body["data"]["sessions"]["connected"] == 1);
  }
  // The session lived through it on its first connection.
  CHECK(rig.api().wait_status("signals", {"connected"})["status"] == "connected");
  CHECK(rig.sim().connections() == 1);

  REQUIRE(::kill(pid, SIGTERM) == 0);
  const std::optional<int> status = rig.service().process().wait_exit(10s);
  REQUIRE(status.has_value());
  CHECK(*status == 0);
  CHECK(rig.logs().find("\"signal\":\"SIGTERM\"") != std::string::npos);
}
