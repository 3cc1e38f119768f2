// End to end: what the service reports when pairing or the handshake goes wrong, and how it
// refuses to start without its secret.
#include <catch2/catch.hpp>

#include "service_rig.hpp"
#include "util/bytes.hpp"
#include "util/curve25519.hpp"

using namespace e2e;

namespace {

// GET /status until lastError.code == code; returns the last data seen.
json wait_last_error(ServiceApi& api, const std::string& tenant, const std::string& code) {
  json last = nullptr;
  wait_until([&] {
    HttpResult r = api.get("/status", tenant);
    if (r.status != 200) return false;
    last = r.body["data"];
    return last["lastError"].is_object() && last["lastError"]["code"] == code;
  });
  return last;
}

}  // namespace

TEST_CASE("e2e: a tampered pair-success is refused and reported", "[e2e]") {
  ServiceRig rig;
  struct Case { const char* tenant; sim::ScanOptions opts; const char* text; };
  for (const Case& c : {Case{"tamper-hmac", {true, false}, "hmac-mismatch"},
                        Case{"tamper-sig", {false, true}, "signature-mismatch"}}) {
    INFO(c.text);
    HttpResult created = rig.api().post("/session", c.tenant);
    REQUIRE(created.status == 201);
    REQUIRE(rig.sim().scan(created.body["data"]["qr"].get<std::string>(), c.opts) == std::nullopt);

    // §6: the companion answers <iq type="error"><error code="401" text=.../></iq>.
    sim::PairingOutcome out = rig.sim().wait_pairing_outcome(kWait);
    CHECK(out.answered);
    CHECK(!out.paired);
    REQUIRE(rig.sim().last_pairing_error());
    CHECK(rig.sim().last_pairing_error()->from_client);
    CHECK(rig.sim().last_pairing_error()->code == "401");
    CHECK(rig.sim().last_pairing_error()->text == c.text);

    json status = wait_last_error(rig.api(), c.tenant, "pairing_failed");
    INFO(status.dump());
    CHECK(status["status"] == "error");
    REQUIRE(status["lastError"].is_object());
    CHECK(status["lastError"]["code"] == "pairing_failed");
    CHECK(status["lastError"]["message"].get<std::string>().find(c.text) != std::string::npos);
    CHECK(status["connected"] == false);
  }
  CHECK(rig.sim().paired_devices().empty());
  CHECK(rig.sim().logins() == 0);
}

TEST_CASE("e2e: a server certificate chain that does not verify is reported", "[e2e]") {
  const std::map<std::string, std::string> fast_qr{{"QR_WAIT_MS", "1000"}};
  SECTION("the leaf does not certify the server's static key") {
    sim::SimOptions o;
    o.cert_faults.leaf_key_mismatch = true;
    ServiceRig rig(o, fast_qr);
    HttpResult created = rig.api().post("/session", "acme");
    CHECK(created.status == 201);
    json status = wait_last_error(rig.api(), "acme", "server_certificate_invalid");
    INFO(status.dump());
    REQUIRE(status["lastError"].is_object());
    CHECK(status["lastError"]["code"] == "server_certificate_invalid");
    CHECK((status["status"] == "error" || status["status"] == "reconnecting"));
    CHECK(status["qr"].is_null());
    CHECK(rig.sim().registrations() == 0);
  }
  SECTION("the service trusts another root key") {
    ServiceRig rig({}, fast_qr);
    rig.stop_service();
    rig.config().noise_root_key =
        util::hex_encode(util::curve::KeyPair::generate().pub_bytes());
    rig.start_service();
    HttpResult created = rig.api().post("/session", "acme");
    CHECK(created.status == 201);
    json status = wait_last_error(rig.api(), "acme", "server_certificate_invalid");
    INFO(status.dump());
    REQUIRE(status["lastError"].is_object());
    CHECK(status["lastError"]["code"] == "server_certificate_invalid");
    CHECK((status["status"] == "error" || status["status"] == "reconnecting"));
    CHECK(rig.sim().registrations() == 0);
  }
}

TEST_CASE("e2e: the service refuses to start without a usable INTERNAL_SECRET", "[e2e]") {
  TempDir dir;
  const std::map<std::string, std::string> base{{"PORT", std::to_string(free_port())},
                                                {"HOST", "127.0.0.1"},
                                                {"SESSIONS_DIR", dir.path() + "/sessions"}};
  {
    ChildProcess p(WA_SIDECAR_BIN, {}, base, dir.path() + "/no-secret");
    auto status = p.wait_exit(kWait);
    REQUIRE(status);
    CHECK(*status != 0);
    CHECK(p.stderr_text().find("INTERNAL_SECRET") != std::string::npos);
  }
  {
    auto env = base;
    env["INTERNAL_SECRET"] = "tooShort-1a2b";  // 13 characters
    ChildProcess p(WA_SIDECAR_BIN, {}, env, dir.path() + "/short-secret");
    auto status = p.wait_exit(kWait);
    REQUIRE(status);
    CHECK(*status != 0);
    const std::string err = p.stderr_text();
    CHECK(err.find("INTERNAL_SECRET") != std::string::npos);
    CHECK(err.find("tooShort-1a2b") == std::string::npos);  // never echo the secret
  }
}

TEST_CASE("e2e: the README flow — wa-simulator executable and its scan command", "[e2e]") {
  TempDir dir;
  const uint16_t ws_port = free_port(), control_port = free_port();
  ChildProcess simulator(WA_SIMULATOR_BIN,
                         {"--port", std::to_string(ws_port), "--control-port",
                          std::to_string(control_port)},
                         {}, dir.path() + "/simulator");
  json line;
  REQUIRE(wait_until([&] {
    std::string out = simulator.stdout_text();
    auto nl = out.find('\n');
    if (nl == std::string::npos) return false;
    line = json::parse(out.substr(0, nl), nullptr, false);
    return !line.is_discarded();
  }));
  SidecarConfig cfg;
  cfg.sessions_dir = dir.path() + "/sessions";
  cfg.wa_url = line["wsUrl"];
  cfg.noise_root_key = line["noiseRootKey"];
  Sidecar service(cfg, dir.path() + "/sidecar");
  REQUIRE(service.api().post("/session", "demo").status == 201);

  ChildProcess scan(WA_SIMULATOR_BIN,
                    {"scan", "--tenant", "demo", "--sidecar",
                     "http://127.0.0.1:" + std::to_string(service.port()), "--control",
                     line["controlUrl"].get<std::string>()},
                    {{"INTERNAL_SECRET", cfg.secret}}, dir.path() + "/scan");
  auto code = scan.wait_exit(30s);
  INFO(scan.stdout_text() + scan.stderr_text());
  REQUIRE(code);
  CHECK(*code == 0);
  CHECK(scan.stdout_text().find("paired") == 0);
  json status = service.api().wait_status("demo", {"connected"});
  CHECK(status["status"] == "connected");
}
