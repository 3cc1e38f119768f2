// End to end: graceful shutdown (README "Shutdown"). SIGTERM stops accepting at once, lets a send
// that is in flight finish with its answer (here the ack never comes, so the bounded 504
// ack_timeout, "outcome unknown"), closes the WhatsApp socket, and exits 0; the store is
// complete, so the next start logs in without a QR.
#include <catch2/catch.hpp>

#include <signal.h>

#include <future>
#include "service_rig.hpp"

using namespace e2e;

namespace {

constexpr const char* kTenant = "shutdown";
constexpr int kAckTimeoutMs = 3000;

}  // namespace

TEST_CASE("e2e shutdown: a send in flight at SIGTERM is answered, then the process exits 0",
          "[e2e][shutdown]") {
  ServiceRig rig(sim::SimOptions{}, {{"SEND_ACK_TIMEOUT_MS", std::to_string(kAckTimeoutMs)}});
  rig.pair_tenant(kTenant);
  auto& sim = rig.sim();
  const int registrations = sim.registrations();
  const size_t delivered_before = sim.received_messages().size();
  REQUIRE(sim.connections() == 1);

  // The server takes the message but never acks it: the send stays in flight.
  sim.set_withhold_ack(true);
  const auto started = std::chrono::steady_clock::now();
  auto in_flight = std::async(std::launch::async, [&] {
    ServiceApi api(rig.service().port(), rig.config().secret);
    const json body{{"to", sim.contacts().front().phone}, {"message", "in flight"}};
    return api.post("/send", kTenant, body.dump());
  });
  REQUIRE(sim.wait_for_messages(delivered_before + 1, kWait));

  REQUIRE(::kill(rig.service().process().pid(), SIGTERM) == 0);
  // New connections are refused while the send is still waiting for its ack.
  ServiceApi late(rig.service().port(), rig.config().secret);
  CHECK(wait_until([&] { return late.get("/health", std::nullopt).status == 0; }, 2s));
  CHECK(in_flight.wait_for(0ms) == std::future_status::timeout);

  const HttpResult r = in_flight.get();
  const auto answered = std::chrono::steady_clock::now() - started;
  INFO(r.raw);
  CHECK(r.status == 504);
  CHECK(r.body["error"]["code"] == "ack_timeout");
  CHECK(r.body["error"]["details"]["messageId"].is_string());
  CHECK(answered < std::chrono::milliseconds(kAckTimeoutMs + 2000));

  // The bound: the ack timeout, then closing sockets (at most 3 s) and the HTTP workers.
  const std::optional<int> status = rig.service().process().wait_exit(10s);
  REQUIRE(status.has_value());
  CHECK(*status == 0);
  const std::string logs = rig.logs();
  CHECK(logs.find("\"event\":\"shutting_down\"") != std::string::npos);
  CHECK(logs.find("\"event\":\"stopped\"") != std::string::npos);
  CHECK(wait_until([&] { return sim.connections() == 0; }, 5s));

  // Everything the session needs was on disk: the next start logs in without a new QR.
  sim.set_withhold_ack(false);
  rig.start_service();
  CHECK(rig.api().wait_status(kTenant, {"connected"})["status"] == "connected");
  CHECK(sim.registrations() == registrations);
}

TEST_CASE("e2e shutdown: SIGINT with nothing in flight exits 0 promptly", "[e2e][shutdown]") {
  ServiceRig rig;
  rig.pair_tenant(kTenant);
  const auto started = std::chrono::steady_clock::now();
  REQUIRE(::kill(rig.service().process().pid(), SIGINT) == 0);
  const std::optional<int> status = rig.service().process().wait_exit(10s);
  REQUIRE(status.has_value());
  CHECK(*status == 0);
  // Closing one WhatsApp socket and idle HTTP workers; far below the 3 s socket-close bound
  // plus the 5 s keep-alive of an idle HTTP connection.
  CHECK(std::chrono::steady_clock::now() - started < 8s);
  CHECK(rig.logs().find("\"signal\":\"SIGINT\"") != std::string::npos);
  CHECK(wait_until([&] { return rig.sim().connections() == 0; }, 5s));
}
