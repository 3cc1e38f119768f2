// End to end (issue 4, "stay connected"): every stream error, login failure and keepalive loss of
// PROTOCOL.md §8 provoked by the simulator against the real wa-sidecar binary, and what GET
// /status shows meanwhile. The dropped-socket case lives in service_pairing_test.cpp.
#include <catch2/catch.hpp>

#include <algorithm>
#include <thread>
#include "service_rig.hpp"
#include "sim_observations.hpp"

using namespace e2e;

namespace {

size_t count_of(const std::vector<std::string>& v, const std::string& x) {
  return static_cast<size_t>(std::count(v.begin(), v.end(), x));
}

// Pairs the tenant and waits for the post-login iqs, so later counts see only what a test provoked.
void pair(ServiceRig& rig, const std::string& tenant) {
  const size_t active = count_of(rig.sim().history(), "active");
  rig.pair_tenant(tenant);
  REQUIRE(wait_until([&] { return count_of(rig.sim().history(), "active") > active; }));
}

json status_of(ServiceRig& rig, const std::string& tenant) {
  HttpResult r = rig.api().get("/status", tenant);
  REQUIRE(r.status == 200);
  return r.body["data"];
}

// Polls GET /status until pred holds for its data; returns that data (or the last one seen).
json wait_for(ServiceRig& rig, const std::string& tenant, const std::function<bool(const json&)>& pred,
              std::chrono::milliseconds timeout = kWait) {
  json last = nullptr;
  wait_until(
      [&] {
        HttpResult r = rig.api().get("/status", tenant);
        if (r.status != 200) return false;
        last = r.body["data"];
        return pred(last);
      },
      timeout);
  return last;
}

std::string error_code(const json& status) {
  return status.contains("lastError") && status["lastError"].is_object()
             ? status["lastError"].value("code", std::string())
             : std::string();
}

// Log events of the service (JSON lines on stderr) from a given one on.
size_t count_event(const std::string& logs, const std::string& event) {
  const std::string needle = "\"event\":\"" + event + "\"";
  size_t n = 0;
  for (size_t at = logs.find(needle); at != std::string::npos; at = logs.find(needle, at + 1)) ++n;
  return n;
}

}  // namespace

TEST_CASE("e2e: stream:error 515 makes the service log in again at once, without a QR",
          "[e2e][stream-error]") {
  ServiceRig rig;
  auto& sim = rig.sim();
  pair(rig, "acme");
  const int logins = sim.logins(), registrations = sim.registrations();
  // Pairing itself ends in one 515 restart (§6 step 8); count only the ones after it.
  const size_t restarts = count_event(rig.logs(), "stream_restart");
  const size_t scheduled = count_event(rig.logs(), "reconnect_scheduled");

  const int64_t sent_at = sim::steady_ms();
  REQUIRE(sim.send_stream_error("515") == 1);
  REQUIRE(wait_until([&] { return sim.logins() == logins + 1; }));
  json status = rig.api().wait_status("acme", {"connected"});
  CHECK(status["status"] == "connected");
  CHECK(status["qr"].is_null());
  CHECK(status["reconnectAttempts"] == 0);
  CHECK(sim.registrations() == registrations);
  // §8: "reconnect at once, same creds" — no backoff was scheduled for it.
  CHECK(count_event(rig.logs(), "stream_restart") == restarts + 1);
  CHECK(count_event(rig.logs(), "reconnect_scheduled") == scheduled);
  const auto seen = sim.login_times();
  REQUIRE(!seen.empty());
  CHECK(seen.back().at_ms - sent_at < 3000);  // handshake time only, even under sanitizers
  CHECK(sim.anomalies().empty());
}

TEST_CASE("e2e: <conflict type=\"replaced\"/> stops the session and it stays down",
          "[e2e][stream-error]") {
  ServiceRig rig;
  auto& sim = rig.sim();
  pair(rig, "acme");
  const int logins = sim.logins();

  // §8: another client took the credentials; reconnecting would fight it (§12).
  REQUIRE(sim.send_stream_error("", "replaced") == 1);
  json status = wait_for(rig, "acme", [](const json& s) { return s["status"] == "error"; });
  INFO(status.dump());
  CHECK(status["status"] == "error");
  CHECK(error_code(status) == "replaced");
  CHECK(status["connected"] == false);
  REQUIRE(wait_until([&] { return sim.connections() == 0; }));
  const size_t connections = sim.connection_times_ms().size();

  std::this_thread::sleep_for(std::chrono::seconds(4));  // several backoff windows
  CHECK(sim.connection_times_ms().size() == connections);
  CHECK(sim.connections() == 0);
  CHECK(sim.logins() == logins);
  status = status_of(rig, "acme");
  CHECK(status["status"] == "error");
  CHECK(error_code(status) == "replaced");
}

TEST_CASE("e2e: stream:error 500 and 503 show reconnecting with attempts, then connected",
          "[e2e][stream-error]") {
  ServiceRig rig;
  auto& sim = rig.sim();
  pair(rig, "acme");
  for (const char* code : {"500", "503"}) {
    INFO("stream:error code " << code);
    const int logins = sim.logins(), registrations = sim.registrations();
    REQUIRE(sim.send_stream_error(code) == 1);
    // §8: reconnect with backoff; the backoff window is visible in GET /status.
    json during = wait_for(rig, "acme", [](const json& s) {
      return s["status"] == "reconnecting" && s["reconnectAttempts"].is_number() &&
             s["reconnectAttempts"].get<int>() >= 1;
    });
    INFO(during.dump());
    CHECK(during["status"] == "reconnecting");
    CHECK(during["reconnectAttempts"] == 1);
    CHECK(during["connected"] == false);
    CHECK(error_code(during) == "stream_error");
    CHECK(during["lastError"]["message"].get<std::string>().find(code) != std::string::npos);

    json after = rig.api().wait_status("acme", {"connected"});
    CHECK(after["status"] == "connected");
    CHECK(after["reconnectAttempts"] == 0);
    CHECK(after["qr"].is_null());
    CHECK(sim.logins() == logins + 1);
    CHECK(sim.registrations() == registrations);
  }
  CHECK(sim.anomalies().empty());
}

TEST_CASE("e2e: login failures 500/503 back off, growing, then connect", "[e2e][failure]") {
  ServiceRig rig;
  auto& sim = rig.sim();
  pair(rig, "acme");
  for (int reason : {503, 500}) {
    INFO("failure reason " << reason);
    const int logins = sim.logins(), registrations = sim.registrations();
    const size_t before = sim.connection_times_ms().size();
    sim.fail_next_logins(2, reason);
    sim.disconnect_all();

    // The drop is attempt 1, each refused login one more: attempts 2 and 3 are visible.
    json during = wait_for(rig, "acme", [](const json& s) {
      return s["reconnectAttempts"].is_number() && s["reconnectAttempts"].get<int>() >= 2;
    });
    INFO(during.dump());
    CHECK(during["status"] == "reconnecting");
    CHECK(error_code(during) == "server_unavailable");
    CHECK(during["lastError"]["message"].get<std::string>().find(std::to_string(reason)) !=
          std::string::npos);

    json after = rig.api().wait_status("acme", {"connected"}, std::chrono::seconds(20));
    CHECK(after["status"] == "connected");
    CHECK(after["qr"].is_null());
    CHECK(sim.pending_login_failures() == 0);
    CHECK(sim.logins() == logins + 1);
    CHECK(sim.registrations() == registrations);
    CHECK(contains(sim.history(), "failure:" + std::to_string(reason)));

    // Three connections: refused, refused, accepted. Attempt k waits within [w/2, w] of a
    // window w = 1 s * 2^(k-1), so the pauses before the 2nd and 3rd grow (≥ 1 s, ≥ 2 s).
    const auto times = sim.connection_times_ms();
    REQUIRE(times.size() == before + 3);
    CHECK(times[before + 1] - times[before] >= 900);
    CHECK(times[before + 2] - times[before + 1] >= 1900);
  }
  CHECK(sim.anomalies().empty());
}

TEST_CASE("e2e: login failure 405 is an error that names the version setting", "[e2e][failure]") {
  ServiceRig rig;
  auto& sim = rig.sim();
  pair(rig, "acme");
  const int logins = sim.logins();
  sim.fail_next_logins(1, 405);
  sim.disconnect_all();

  json status = wait_for(rig, "acme", [](const json& s) { return s["status"] == "error"; });
  INFO(status.dump());
  CHECK(status["status"] == "error");
  CHECK(error_code(status) == "client_outdated");
  const std::string message = status["lastError"]["message"];
  CHECK(message.find("wa_version") != std::string::npos);
  CHECK(message.find("WA_VERSION") != std::string::npos);
  // §8: ClientOutdated, no reconnect.
  const size_t connections = sim.connection_times_ms().size();
  std::this_thread::sleep_for(std::chrono::seconds(3));
  CHECK(sim.connection_times_ms().size() == connections);
  CHECK(sim.logins() == logins);
  // The credentials are kept: with the setting fixed (here: the fault gone) a restart logs in.
  CHECK(rig.stop_service() == 0);
  rig.start_service();
  CHECK(rig.api().wait_status("acme", {"connected"})["status"] == "connected");
}

TEST_CASE("e2e: login failure 403 logs the session out and never reconnects", "[e2e][failure]") {
  ServiceRig rig;
  auto& sim = rig.sim();
  pair(rig, "acme");
  const int registrations = sim.registrations();
  sim.fail_next_logins(1, 403);
  sim.disconnect_all();
  // §8 failure table: 403 (main device gone / locked) -> LoggedOut, store deleted.
  json status = wait_for(rig, "acme", [](const json& s) { return s["status"] == "logged_out"; });
  INFO(status.dump());
  CHECK(status["status"] == "logged_out");
  CHECK(status["jid"].is_null());
  const size_t connections = sim.connection_times_ms().size();
  std::this_thread::sleep_for(std::chrono::seconds(3));
  CHECK(sim.connection_times_ms().size() == connections);
  CHECK(sim.registrations() == registrations);
}

TEST_CASE("e2e: unanswered keepalive pings end in a reconnect", "[e2e][keepalive]") {
  // §8 keepalive, shortened: a ping every 200-300 ms, 200 ms to answer, dead after 1.2 s.
  ServiceRig rig({}, {{"KEEPALIVE_INTERVAL_MIN_MS", "200"},
                      {"KEEPALIVE_INTERVAL_MAX_MS", "300"},
                      {"KEEPALIVE_TIMEOUT_MS", "200"},
                      {"KEEPALIVE_DEAD_MS", "1200"}});
  auto& sim = rig.sim();
  pair(rig, "acme");
  // Pings are being answered: connected stays connected across several intervals.
  std::this_thread::sleep_for(std::chrono::milliseconds(800));
  CHECK(status_of(rig, "acme")["status"] == "connected");
  const int logins = sim.logins(), registrations = sim.registrations();
  const size_t connections = sim.connection_times_ms().size();

  sim.set_answer_pings(false);
  // The socket stays open, yet the link is stale: the status says so before the client gives up.
  json stale = wait_for(rig, "acme", [](const json& s) { return s["status"] == "reconnecting"; });
  CHECK(stale["status"] == "reconnecting");
  // Then the client drops the silent connection itself and logs in on a new one.
  REQUIRE(wait_until([&] { return sim.logins() > logins; }));
  CHECK(sim.connection_times_ms().size() > connections);
  CHECK(contains(sim.history(), "ping-unanswered"));
  CHECK(error_code(status_of(rig, "acme")) == "keepalive_failed");

  sim.set_answer_pings(true);
  json back = rig.api().wait_status("acme", {"connected"});
  CHECK(back["status"] == "connected");
  // Answered again: it stays on one connection (once the pings sent while they were ignored
  // have timed out; one of those may still end the connection it was sent on).
  std::this_thread::sleep_for(std::chrono::milliseconds(1500));
  REQUIRE(rig.api().wait_status("acme", {"connected"})["status"] == "connected");
  const int settled = sim.logins();
  std::this_thread::sleep_for(std::chrono::milliseconds(2500));
  CHECK(sim.logins() == settled);
  CHECK(status_of(rig, "acme")["status"] == "connected");
  CHECK(sim.registrations() == registrations);
}

TEST_CASE("e2e: many tenants dropped at once reconnect spread out", "[e2e][reconnect]") {
  constexpr int kTenants = 20;
  ServiceRig rig;
  auto& sim = rig.sim();
  for (int i = 0; i < kTenants; ++i) rig.pair_tenant("tenant-" + std::to_string(i));
  REQUIRE(wait_until([&] { return count_of(sim.history(), "active") >= kTenants; }));
  const int logins = sim.logins();
  const size_t before = sim.connection_times_ms().size();

  const int64_t dropped_at = sim::steady_ms();
  sim.disconnect_all();
  REQUIRE(wait_until([&] { return sim.logins() == logins + kTenants; }, std::chrono::seconds(30)));
  for (int i = 0; i < kTenants; ++i)
    CHECK(rig.api().wait_status("tenant-" + std::to_string(i), {"connected"})["status"] == "connected");

  auto times = sim.connection_times_ms();
  REQUIRE(times.size() == before + kTenants);
  times.erase(times.begin(), times.begin() + static_cast<long>(before));
  std::sort(times.begin(), times.end());
  std::string shown;
  for (int64_t t : times) shown += std::to_string(t - dropped_at) + " ";
  INFO("reconnects, ms after the drop: " << shown);
  // Even the first reconnect after the drop waits a jittered share of the first backoff window
  // (1 s): nobody hammers the server the instant it dropped everyone...
  CHECK(times.front() - dropped_at >= 300);
  // ...and the 20 reconnects do not arrive in lockstep: they spread over hundreds of ms, and no
  // 20 ms slice holds more than a handful of them.
  CHECK(times.back() - times.front() >= 200);
  size_t densest = 0;
  for (size_t i = 0; i < times.size(); ++i) {
    size_t j = i;
    while (j < times.size() && times[j] - times[i] < 20) ++j;
    densest = std::max(densest, j - i);
  }
  CHECK(densest <= 8);
}
