// Delivery with a fake poster and a manual clock: every post is the stored event, signed; a
// tenant's events go out in order, one at a time; tenants do not wait for each other.
#include <catch2/catch.hpp>

#include <string>
#include <thread>
#include <vector>

#include "delivery_support.hpp"
#include "webhooks/signature.hpp"

using namespace delivery_test;

TEST_CASE("delivery: each post is the event's body, signed, with its id and the attempt time",
          "[webhooks][delivery]") {
  Harness h;
  auto q = h.queues();
  std::vector<Event> events;
  for (int i = 0; i < 5; ++i) {
    events.push_back(q->enqueue(EventType::message_received, "acme", data_n(i)));
    h.clock.advance(7);
  }
  CHECK(h.metric("wa_sidecar_webhook_outbox_pending") == 5);
  h.clock.advance(2500);
  run_due(*q);

  const auto posts = h.poster.posts();
  REQUIRE(posts.size() == 5);
  const webhooks::SigningKey key = key_of(h.secret);
  for (size_t i = 0; i < posts.size(); ++i) {
    INFO("post " << i);
    const Post& p = posts[i];
    CHECK(p.request.url == kDefaultUrl);
    CHECK(p.request.content_type == "application/json");
    CHECK(p.request.body == webhooks::event_body(events[i]));
    CHECK(p.id() == events[i].id);
    const int64_t ts = h.clock.now_ms() / 1000;  // the attempt's time, not the event's
    CHECK(p.header("webhook-timestamp") == std::to_string(ts));
    CHECK(p.header("webhook-signature") == webhooks::sign(key, events[i].id, ts, p.request.body));
    CHECK(p.request.headers.size() == 3);
  }
  for (const auto& s : h.stored("acme")) CHECK(s.state == webhooks::DeliveryState::delivered);
  const std::string type = "{type=\"message.received\"}";
  CHECK(h.metric("wa_sidecar_webhook_events_enqueued_total" + type) == 5);
  CHECK(h.metric("wa_sidecar_webhook_events_delivered_total" + type) == 5);
  CHECK(h.metric("wa_sidecar_webhook_outbox_pending") == 0);
  CHECK(h.metric("wa_sidecar_webhook_delivery_latency_seconds_count") == 5);
  CHECK(h.metric("wa_sidecar_webhook_delivery_latency_seconds_bucket{le=\"2.5\"}") == 0);
  CHECK(h.metric("wa_sidecar_webhook_delivery_latency_seconds_bucket{le=\"5\"}") == 5);
}

TEST_CASE("delivery: a tenant's events go out in order, the next only after the head",
          "[webhooks][delivery]") {
  Harness h;
  auto q = h.queues();
  // acme's endpoint fails its first three answers; the events behind the head wait.
  int failures_left = 3;
  h.poster.answer_with([&](const Post&) {
    return failures_left-- > 0 ? answered(503) : answered(200);
  });
  std::vector<std::string> ids;
  for (int i = 0; i < 4; ++i) {
    ids.push_back(q->enqueue(EventType::message_received, "acme", data_n(i)).id);
  }
  for (int i = 0; i < 10 && h.poster.posts().size() < 7; ++i) run_next(*q, h.clock);
  std::vector<std::string> posted;
  for (const Post& p : h.poster.posts()) posted.push_back(p.id());
  CHECK(posted == std::vector<std::string>{ids[0], ids[0], ids[0], ids[0], ids[1], ids[2], ids[3]});
}

TEST_CASE("delivery: one tenant's dead endpoint does not delay another tenant",
          "[webhooks][delivery]") {
  Harness h;
  auto q = h.queues();
  h.poster.answer_with([](const Post& p) {
    return p.tenant() == "dead" ? failed(PostError::timeout) : answered(204);
  });
  q->enqueue(EventType::message_received, "dead", data_n(0));
  q->enqueue(EventType::message_received, "dead", data_n(1));
  run_due(*q);  // dead's first attempt fails; it backs off
  for (int i = 0; i < 20; ++i) {
    // live's events arrive while dead keeps failing; each goes out the moment it is enqueued.
    const Event e = q->enqueue(EventType::message_status, "live", data_n(i));
    run_due(*q);
    const auto live = h.poster.posts_of("live");
    REQUIRE(live.size() == static_cast<size_t>(i + 1));
    CHECK(live.back().id() == e.id);
    CHECK(live.back().at_ms == e.created_ms);
    h.clock.advance(1700);
    run_due(*q);
  }
  for (const auto& s : h.stored("live")) CHECK(s.state == webhooks::DeliveryState::delivered);
  for (const auto& s : h.stored("dead")) CHECK(s.state == webhooks::DeliveryState::pending);
  // dead was retried on its own schedule meanwhile, always its head.
  const auto dead = h.poster.posts_of("dead");
  CHECK(dead.size() > 3);
  for (const Post& p : dead) CHECK(p.id() == dead.front().id());
  CHECK(h.metric("wa_sidecar_webhook_attempts_failed_total{reason=\"timeout\"}") ==
        static_cast<double>(dead.size()));
  CHECK(h.metric("wa_sidecar_webhook_outbox_pending") == 2);
}

TEST_CASE("delivery: concurrent producers and workers keep every tenant's order",
          "[webhooks][delivery]") {
  Harness h;
  auto q = h.queues();
  constexpr int kPerTenant = 400;
  const std::vector<std::string> tenants = {"t0", "t1", "t2", "t3"};
  std::vector<std::vector<std::string>> enqueued(tenants.size());
  std::atomic<int> producing{static_cast<int>(tenants.size())};
  std::vector<std::thread> threads;
  for (size_t i = 0; i < tenants.size(); ++i) {
    threads.emplace_back([&, i] {
      for (int n = 0; n < kPerTenant; ++n) {
        enqueued[i].push_back(q->enqueue(EventType::message_received, tenants[i], data_n(n)).id);
      }
      --producing;
    });
  }
  for (int w = 0; w < 3; ++w) {
    threads.emplace_back([&] {
      for (;;) {
        const bool worked = q->run_one();
        if (!worked && producing == 0) break;
      }
    });
  }
  for (auto& t : threads) t.join();
  run_due(*q);
  for (size_t i = 0; i < tenants.size(); ++i) {
    std::vector<std::string> posted;
    for (const Post& p : h.poster.posts_of(tenants[i])) posted.push_back(p.id());
    INFO(tenants[i]);
    CHECK(posted == enqueued[i]);  // each exactly once, in creation order
  }
  CHECK(h.metric("wa_sidecar_webhook_outbox_pending") == 0);
}

TEST_CASE("delivery: bad events are refused before anything is stored", "[webhooks][delivery]") {
  Harness h;
  auto q = h.queues();
  CHECK_THROWS_AS(q->enqueue(EventType::session_status, "", {{"status", "connected"}}),
                  std::invalid_argument);
  CHECK_THROWS_AS(q->enqueue(EventType::session_status, "acme", nlohmann::json::array()),
                  std::invalid_argument);
  CHECK(h.outbox.pending_counts().empty());
  CHECK(run_due(*q) == 1);  // the start-up expiry only
  CHECK(h.poster.posts().empty());
  CHECK(h.metric("wa_sidecar_webhook_events_enqueued_total{type=\"session.status\"}") == 0);
}
