// End to end: POST /send when the tenant's WhatsApp connection closes under it (DELETE /session,
// the server dropping the socket, a stream error). A message already on the wire is answered at
// once as outcome unknown (504 ack_timeout with its messageId), not after send_ack_timeout_ms;
// messages that never left are answered at once as not sent (409 not_connected).
#include <catch2/catch.hpp>

#include <future>
#include <thread>
#include "service_rig.hpp"

using namespace e2e;

namespace {

constexpr const char* kTenant = "courier";
// Far above the bound asserted below: an answer within it cannot come from the ack timer.
constexpr int kAckTimeoutMs = 20000;
constexpr auto kPromptly = 1s;

struct Answer {
  HttpResult result;
  std::chrono::steady_clock::time_point at;
};

// POST /send on its own HTTP connection, in the background.
std::future<Answer> send_async(ServiceRig& rig, const std::string& text) {
  const std::string body =
      json{{"to", rig.sim().contacts().front().phone}, {"message", text}}.dump();
  return std::async(std::launch::async, [&rig, body] {
    ServiceApi api(rig.service().port(), rig.config().secret);
    HttpResult r = api.post("/send", kTenant, body);
    return Answer{std::move(r), std::chrono::steady_clock::now()};
  });
}

std::string error_code(const HttpResult& r) {
  if (r.body.is_discarded() || !r.body.contains("error")) return "";
  return r.body["error"].value("code", std::string());
}

// Pairs the tenant and waits for the post-login iqs, so the sends below are the only traffic.
void pair(ServiceRig& rig) {
  rig.pair_tenant(kTenant);
  REQUIRE(wait_until([&] { return contains(rig.sim().history(), "active"); }));
}

}  // namespace

TEST_CASE("e2e send: a message waiting for its ack is answered at once when the connection closes",
          "[e2e][send][races]") {
  ServiceRig rig(sim::SimOptions{}, {{"SEND_ACK_TIMEOUT_MS", std::to_string(kAckTimeoutMs)}});
  auto& sim = rig.sim();
  pair(rig);

  // The server takes the message but never acks it.
  sim.set_withhold_ack(true);
  const size_t ledger_before = sim.message_ledger().size();
  std::future<Answer> in_flight = send_async(rig, "in flight");
  REQUIRE(wait_until([&] { return sim.message_ledger().size() == ledger_before + 1; }));
  const std::string id = sim.message_ledger().back().id;

  auto closed_at = std::chrono::steady_clock::now();
  bool session_survives = true;
  SECTION("DELETE /session") {
    HttpResult deleted = rig.api().del("/session", kTenant);
    INFO(deleted.raw);
    CHECK(deleted.status == 200);
    CHECK(std::chrono::steady_clock::now() - closed_at < 1500ms);
    session_survives = false;
  }
  SECTION("the server drops the socket") { sim.disconnect_all(); }
  SECTION("a stream error closes the stream") { REQUIRE(sim.send_stream_error("503") == 1); }

  REQUIRE(in_flight.wait_for(kPromptly + 1s) == std::future_status::ready);
  Answer a = in_flight.get();
  INFO(a.result.raw);
  CHECK(a.at - closed_at < kPromptly);
  CHECK(a.result.status == 504);
  CHECK(error_code(a.result) == "ack_timeout");
  CHECK(a.result.body["error"]["details"]["messageId"] == id);
  if (session_survives) {
    // The connection comes back; the caller decides about the unknown message itself.
    CHECK(rig.api().wait_status(kTenant, {"connected"})["status"] == "connected");
  }
  CHECK(sim.anomalies().empty());
}

TEST_CASE("e2e send: messages that never left are answered at once as not sent",
          "[e2e][send][races]") {
  ServiceRig rig(sim::SimOptions{}, {{"SEND_ACK_TIMEOUT_MS", std::to_string(kAckTimeoutMs)}});
  auto& sim = rig.sim();
  pair(rig);

  // The first send to the contact looks its LID up first; that lookup goes unanswered, so the
  // send stays in preparation and a second one queues behind it.
  sim.set_withhold_usync(true);
  const size_t ledger_before = sim.message_ledger().size();
  std::future<Answer> preparing = send_async(rig, "being prepared");
  REQUIRE(wait_until([&] { return contains(sim.history(), "usync-unanswered"); }));
  std::future<Answer> queued = send_async(rig, "queued");
  // Nothing outside the service shows the queue; give the second request time to reach it.
  std::this_thread::sleep_for(300ms);
  REQUIRE(queued.wait_for(0ms) == std::future_status::timeout);

  const auto closed_at = std::chrono::steady_clock::now();
  sim.disconnect_all();
  for (std::future<Answer>* f : {&preparing, &queued}) {
    REQUIRE(f->wait_for(kPromptly + 1s) == std::future_status::ready);
    Answer a = f->get();
    INFO(a.result.raw);
    CHECK(a.at - closed_at < kPromptly);
    // 409 not_connected: certainly not sent, safe to send again.
    CHECK(a.result.status == 409);
    CHECK(error_code(a.result) == "not_connected");
    CHECK(!a.result.body["error"]["details"].contains("messageId"));
  }
  CHECK(sim.message_ledger().size() == ledger_before);

  // The connection comes back and sending works again.
  sim.set_withhold_usync(false);
  REQUIRE(rig.api().wait_status(kTenant, {"connected"})["status"] == "connected");
  std::future<Answer> after = send_async(rig, "after the drop");
  Answer a = after.get();
  INFO(a.result.raw);
  CHECK(a.result.status == 200);
  CHECK(sim.anomalies().empty());
}
