// End to end: what GET /status shows through pairing. After the phone scans, WhatsApp ends the
// connection with stream:error 515 and the service logs in again with the new credentials; the
// README's life cycle has that restart inside pairing (pairing -515-> login -> connected), so a
// gateway polling /status must never see the session as reconnecting or starting over.
#include <catch2/catch.hpp>

#include <atomic>
#include <future>
#include <mutex>
#include <set>
#include "service_rig.hpp"

using namespace e2e;

TEST_CASE("e2e pairing: /status goes from qr_ready through pairing to connected and nowhere else",
          "[e2e][pairing]") {
  ServiceRig rig;
  auto& sim = rig.sim();
  const std::string tenant = "watched";
  HttpResult created = rig.api().post("/session", tenant);
  REQUIRE(created.status == 201);
  REQUIRE(created.body["data"]["qr"].is_string());

  // Two pollers, each on its own connection, as fast as the service answers: the restart lasts
  // a few milliseconds on loopback.
  std::mutex mu;
  std::set<std::string> seen;
  std::atomic<bool> done{false};
  std::atomic<int> polls{0};
  auto poll = [&] {
    ServiceApi api(rig.service().port(), rig.config().secret);
    while (!done) {
      HttpResult r = api.get("/status", tenant);
      if (r.status != 200) continue;
      ++polls;
      const std::string status = r.body["data"]["status"];
      std::lock_guard<std::mutex> lk(mu);
      seen.insert(status);
      if (status == "connected") done = true;
    }
  };
  auto first = std::async(std::launch::async, poll);
  auto second = std::async(std::launch::async, poll);

  REQUIRE(sim.scan(created.body["data"]["qr"].get<std::string>()) == std::nullopt);
  REQUIRE(sim.wait_pairing_outcome(kWait).paired);
  const bool connected = wait_until([&] { return done.load(); });
  done = true;
  first.get();
  second.get();
  REQUIRE(connected);
  INFO(polls.load() << " polls");
  // The restart happened: one registration, then one login with the new credentials.
  CHECK(contains(sim.history(), "stream-error:515"));
  CHECK(sim.logins() == 1);
  for (const std::string& s : seen) {
    INFO("status " << s);
    CHECK((s == "qr_ready" || s == "pairing" || s == "connected"));
  }
  CHECK(seen.count("connected") == 1);
}
