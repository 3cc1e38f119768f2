// The Deliverer's threads: posts happen off the producer's thread, a hanging endpoint holds
// only its own tenant, a new Deliverer over the same outbox re-posts with the same ids, and a
// real HTTP delivery to a local server carries a signature that verifies over the bytes received.
#include <catch2/catch.hpp>

#include <chrono>
#include <cstdlib>
#include <condition_variable>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "../client/eventually.hpp"
#include "delivery_support.hpp"
#include "local_server.hpp"
#include "webhooks/deliverer.hpp"
#include "webhooks/http_poster.hpp"
#include "webhooks/signature.hpp"

using namespace delivery_test;
using namespace std::chrono_literals;
using client_test::eventually;
using webhooks::Deliverer;
using webhooks::DeliveryState;

namespace {

// Harness parts with the real clock, for code that sleeps on it.
struct Live {
  std::string secret = random_secret();
  webhooks::SystemClock clock;
  webhooks::MemoryOutbox outbox;
  FakePoster poster{clock};
  metrics::Registry registry;
  webhooks::Metrics metrics{registry};

  webhooks::DeliveryOptions options() {
    return {std::string(kDefaultUrl), key_of(secret), 24 * kHour, 72 * kHour, {}};
  }
  bool all_delivered(const std::string& tenant, size_t n) {
    const auto s = outbox.list(tenant, "", 1000);
    if (s.size() != n) return false;
    for (const auto& e : s) {
      if (e.state != DeliveryState::delivered) return false;
    }
    return true;
  }
};

// Holds the posts of one tenant until released.
class Gate {
 public:
  void wait() {
    std::unique_lock<std::mutex> lk(mu_);
    ++waiting_;
    cv_.wait_for(lk, 20s, [&] { return open_; });
  }
  void open() {
    {
      std::lock_guard<std::mutex> lk(mu_);
      open_ = true;
    }
    cv_.notify_all();
  }
  int waiting() {
    std::lock_guard<std::mutex> lk(mu_);
    return waiting_;
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  bool open_ = false;
  int waiting_ = 0;
};

}  // namespace

TEST_CASE("deliverer: posts on its own threads, not the producer's", "[webhooks][deliverer]") {
  Live l;
  std::mutex mu;
  std::vector<std::thread::id> posting_threads;
  l.poster.answer_with([&](const Post&) {
    std::lock_guard<std::mutex> lk(mu);
    posting_threads.push_back(std::this_thread::get_id());
    return answered(200);
  });
  Deliverer d(l.options(), l.outbox, l.poster, l.clock, l.metrics, 2);
  for (int i = 0; i < 10; ++i) d.enqueue(EventType::message_received, "acme", data_n(i));
  REQUIRE(eventually([&] { return l.all_delivered("acme", 10); }));
  std::lock_guard<std::mutex> lk(mu);
  REQUIRE(posting_threads.size() == 10);
  for (const auto& id : posting_threads) CHECK(id != std::this_thread::get_id());
}

TEST_CASE("deliverer: enqueue_once posts a source key's event once", "[webhooks][deliverer]") {
  Live l;
  Deliverer d(l.options(), l.outbox, l.poster, l.clock, l.metrics, 2);
  const auto e = d.enqueue_once(EventType::message_received, "acme", data_n(0), "row-0");
  REQUIRE(e);
  CHECK_FALSE(d.enqueue_once(EventType::message_received, "acme", data_n(0), "row-0"));
  REQUIRE(eventually([&] { return l.all_delivered("acme", 1); }));
  CHECK_FALSE(d.enqueue_once(EventType::message_received, "acme", data_n(0), "row-0"));
  d.stop();
  REQUIRE(l.poster.posts().size() == 1);
  CHECK(l.poster.posts()[0].id() == e->id);
}

TEST_CASE("deliverer: enqueue_all_once posts a batch in order, each key once",
          "[webhooks][deliverer]") {
  Live l;
  Deliverer d(l.options(), l.outbox, l.poster, l.clock, l.metrics, 2);
  CHECK(d.enqueue_once(EventType::message_received, "acme", data_n(0), "row-0"));
  std::vector<webhooks::DeliveryQueues::Relayed> batch;
  for (int i = 0; i < 4; ++i) {
    batch.push_back({EventType::message_status, data_n(i), "row-" + std::to_string(i)});
  }
  const auto stored = d.enqueue_all_once("acme", std::move(batch));
  REQUIRE(stored.size() == 3);  // row-0 was relayed before
  CHECK(stored[0].data == data_n(1));
  CHECK(stored[2].data == data_n(3));
  REQUIRE(eventually([&] { return l.all_delivered("acme", 4); }));
  d.stop();
  const auto posts = l.poster.posts();
  REQUIRE(posts.size() == 4);
  for (size_t i = 1; i < posts.size(); ++i) CHECK(posts[i].id() == stored[i - 1].id);
  std::vector<webhooks::DeliveryQueues::Relayed> keyless;
  keyless.push_back({EventType::message_status, data_n(9), ""});
  CHECK_THROWS_AS(d.enqueue_all_once("acme", std::move(keyless)), std::invalid_argument);
}

TEST_CASE("deliverer: a hanging endpoint holds only its own tenant", "[webhooks][deliverer]") {
  Live l;
  Gate gate;
  l.poster.answer_with([&](const Post& p) {
    if (p.tenant() == "hung") gate.wait();
    return answered(200);
  });
  Deliverer d(l.options(), l.outbox, l.poster, l.clock, l.metrics, 2);
  d.enqueue(EventType::message_received, "hung", data_n(0));
  d.enqueue(EventType::message_received, "hung", data_n(1));
  REQUIRE(eventually([&] { return gate.waiting() == 1; }));  // hung's head is on the wire
  for (int i = 0; i < 20; ++i) d.enqueue(EventType::message_received, "live", data_n(i));
  CHECK(eventually([&] { return l.all_delivered("live", 20); }));
  CHECK(gate.waiting() == 1);  // still its first post: its second event waits behind it
  CHECK(l.outbox.pending_counts() == std::map<std::string, size_t>{{"hung", 2}});
  gate.open();
  CHECK(eventually([&] { return l.all_delivered("hung", 2); }));
}

TEST_CASE("deliverer: a new deliverer over the same outbox re-posts with the same ids",
          "[webhooks][deliverer]") {
  Live l;
  std::vector<std::string> ids;
  {
    l.poster.answer_with([](const Post&) { return answered(503); });
    Deliverer d(l.options(), l.outbox, l.poster, l.clock, l.metrics, 2);
    for (int i = 0; i < 3; ++i) {
      ids.push_back(d.enqueue(EventType::message_received, "acme", data_n(i)).id);
    }
    REQUIRE(eventually([&] { return !l.poster.posts().empty(); }));
  }  // stopped: the first event is backing off, all three pending
  const size_t before = l.poster.posts().size();
  CHECK(l.outbox.pending_counts() == std::map<std::string, size_t>{{"acme", 3}});
  l.poster.answer_with(nullptr);
  Deliverer d(l.options(), l.outbox, l.poster, l.clock, l.metrics, 2);
  REQUIRE(eventually([&] { return l.all_delivered("acme", 3); }));
  std::vector<std::string> after;
  const auto posts = l.poster.posts();
  for (size_t i = before; i < posts.size(); ++i) after.push_back(posts[i].id());
  CHECK(after == ids);
}

TEST_CASE("deliverer: stop() returns with events pending and enqueue still stores",
          "[webhooks][deliverer]") {
  Live l;
  l.poster.answer_with([](const Post&) { return answered(500); });
  Deliverer d(l.options(), l.outbox, l.poster, l.clock, l.metrics, 3);
  d.enqueue(EventType::session_status, "acme", {{"status", "connected"}});
  REQUIRE(eventually([&] { return !l.poster.posts().empty(); }));
  d.stop();
  d.stop();  // idempotent
  const Event late = d.enqueue(EventType::session_status, "acme", {{"status", "logged_out"}});
  CHECK(l.outbox.pending("acme", 10).size() == 2);
  CHECK(l.outbox.pending("acme", 10).back().id == late.id);
}

TEST_CASE("deliverer: a real HTTP delivery verifies over the bytes the server received",
          "[webhooks][deliverer][http]") {
  webhooks_test::LocalServer server(
      [](const httplib::Request&, httplib::Response& res) { res.status = 200; });
  Live l;
  webhooks::HttpPoster poster(5s, "wa-sidecar/test");
  auto options = l.options();
  options.default_url = server.url("http", "/default");
  Deliverer d(std::move(options), l.outbox, poster, l.clock, l.metrics, 2);
  d.set_tenant_url("own", server.url("http", "/own?k=v"));
  const Event a = d.enqueue(EventType::message_received, "acme",
                            {{"from", "15551234567@s.whatsapp.net"}, {"text", "Olá 👋"}});
  const Event b = d.enqueue(EventType::session_status, "own", {{"status", "connected"}});
  REQUIRE(eventually([&] { return server.received().size() == 2; }));

  const webhooks::SigningKey key = key_of(l.secret);
  for (const auto& got : server.received()) {
    const Event& e = got.path == "/default" ? a : b;
    INFO(got.path);
    CHECK((got.path == "/default" || got.path == "/own"));
    CHECK(got.header("Content-Type") == "application/json");
    CHECK(got.header("webhook-id") == e.id);
    CHECK(got.body == webhooks::event_body(e));
    const auto body = nlohmann::json::parse(got.body);
    CHECK(body["id"] == e.id);
    CHECK(body["tenantId"] == e.tenant_id);
    const std::string ts = got.header("webhook-timestamp");
    REQUIRE_FALSE(ts.empty());
    CHECK(std::abs(std::stoll(ts) - l.clock.now_ms() / 1000) < 60);
    CHECK(got.header("webhook-signature") == webhooks::sign(key, e.id, std::stoll(ts), got.body));
  }
  CHECK(eventually([&] { return l.all_delivered("acme", 1) && l.all_delivered("own", 1); }));
}
