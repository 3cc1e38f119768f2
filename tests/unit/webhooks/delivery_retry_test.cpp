// Retries with a fake poster and a manual clock: a failed attempt (5xx, timeout, no URL) is
// retried with the same id on the jittered backoff schedule, capped at 5 min; an event still
// undelivered webhook_retry_hours after it was created is marked failed, counted and logged.
#include <catch2/catch.hpp>

#include <cstdint>
#include <limits>
#include <string>
#include <vector>

#include "../support/stderr_capture.hpp"
#include "delivery_support.hpp"
#include "webhooks/backoff.hpp"
#include "webhooks/signature.hpp"

using namespace delivery_test;
using webhooks::DeliveryState;

namespace {

// The pauses between consecutive posts.
std::vector<int64_t> gaps(const std::vector<Post>& posts) {
  std::vector<int64_t> out;
  for (size_t i = 1; i < posts.size(); ++i) out.push_back(posts[i].at_ms - posts[i - 1].at_ms);
  return out;
}

}  // namespace

TEST_CASE("retry: a 5xx or a timeout is retried with the same id, body and signature key",
          "[webhooks][retry]") {
  Harness h;
  auto q = h.queues();
  int calls = 0;
  h.poster.answer_with([&](const Post&) {
    ++calls;
    if (calls <= 3) return answered(500 + calls);  // 501, 502, 503
    if (calls <= 5) return failed(PostError::timeout);
    return answered(200);
  });
  const Event e = q->enqueue(EventType::message_status, "acme", {{"status", "read"}});
  run_until(*q, h.clock, [&] { return h.poster.posts().size() >= 6; });
  const auto posts = h.poster.posts();
  REQUIRE(posts.size() == 6);
  const webhooks::SigningKey key = key_of(h.secret);
  for (const Post& p : posts) {
    CHECK(p.id() == e.id);
    CHECK(p.request.body == posts.front().request.body);
    const int64_t ts = p.at_ms / 1000;
    CHECK(p.header("webhook-timestamp") == std::to_string(ts));
    CHECK(p.header("webhook-signature") == webhooks::sign(key, e.id, ts, p.request.body));
  }
  CHECK(h.stored("acme").at(0).state == DeliveryState::delivered);
  CHECK(h.metric("wa_sidecar_webhook_attempts_failed_total{reason=\"status_5xx\"}") == 3);
  CHECK(h.metric("wa_sidecar_webhook_attempts_failed_total{reason=\"timeout\"}") == 2);
  CHECK(h.metric("wa_sidecar_webhook_events_delivered_total{type=\"message.status\"}") == 1);
}

TEST_CASE("retry: pauses follow the backoff windows, jittered within [w/2, w], capped at 5 min",
          "[webhooks][retry]") {
  Harness h;
  auto q = h.queues();
  h.poster.answer_with([](const Post&) { return answered(503); });
  q->enqueue(EventType::message_received, "acme", data_n(0));
  run_until(*q, h.clock, [&] { return h.poster.posts().size() >= 16; });
  const auto g = gaps(h.poster.posts());
  for (size_t i = 0; i < g.size(); ++i) {
    const int64_t w = webhooks::backoff_window_ms(static_cast<int>(i) + 1);
    INFO("pause " << i + 1 << ": " << g[i] << " ms, window " << w);
    CHECK(g[i] >= w / 2);
    CHECK(g[i] <= w);
    CHECK(g[i] <= 5 * 60 * 1000);
  }
  CHECK(webhooks::backoff_window_ms(15) == 5 * 60 * 1000);  // the last pauses were capped
}

TEST_CASE("retry: the jitter is the drawn value; the smallest draw halves every window",
          "[webhooks][retry]") {
  for (const uint32_t draw : {uint32_t{0}, std::numeric_limits<uint32_t>::max()}) {
    Harness h;
    auto options = h.options();
    options.random = [draw] { return draw; };
    auto q = h.queues(std::move(options));
    h.poster.answer_with([](const Post&) { return answered(500); });
    q->enqueue(EventType::message_received, "acme", data_n(0));
    run_until(*q, h.clock, [&] { return h.poster.posts().size() >= 13; });
    const auto g = gaps(h.poster.posts());
    for (size_t i = 0; i < g.size(); ++i) {
      INFO("draw " << draw << ", pause " << i + 1);
      CHECK(g[i] == webhooks::backoff_delay_ms(static_cast<int>(i) + 1, draw));
    }
    if (draw == 0) {
      CHECK(g == std::vector<int64_t>{500, 1000, 2000, 4000, 8000, 16000, 32000, 64000, 128000,
                                      150000, 150000, 150000});
    }
  }
}

TEST_CASE("retry: an event undelivered for webhook_retry_hours is marked failed, counted, logged",
          "[webhooks][retry]") {
  Harness h;
  auto q = h.queues();
  h.poster.answer_with([](const Post&) { return answered(503); });
  const Event first = q->enqueue(EventType::message_received, "acme", data_n(0));
  run_due(*q);
  h.clock.advance(kHour);  // the second event is an hour younger: its own deadline is later
  const Event second = q->enqueue(EventType::message_received, "acme", data_n(1));

  support_test::StderrCapture log;
  int64_t first_failed_at = 0, second_failed_at = 0;
  for (int i = 0; i < 2000 && second_failed_at == 0; ++i) {
    run_next(*q, h.clock);
    const auto stored = h.stored("acme");
    if (!first_failed_at && stored.at(0).state == DeliveryState::failed) {
      first_failed_at = h.clock.now_ms();
    }
    if (!second_failed_at && stored.at(1).state == DeliveryState::failed) {
      second_failed_at = h.clock.now_ms();
    }
  }
  const std::string text = log.text();
  const int64_t retry = 24 * kHour, cap = 5 * 60 * 1000;
  CHECK(first_failed_at - first.created_ms >= retry);
  CHECK(first_failed_at - first.created_ms <= retry + cap);
  CHECK(second_failed_at - second.created_ms >= retry);
  CHECK(second_failed_at - second.created_ms <= retry + cap);
  // The second event was not posted before the first was given up on.
  for (const Post& p : h.poster.posts()) {
    if (p.id() == second.id) CHECK(p.at_ms >= first_failed_at);
  }
  CHECK(h.metric("wa_sidecar_webhook_events_failed_total{type=\"message.received\"}") == 2);
  CHECK(h.metric("wa_sidecar_webhook_outbox_pending") == 0);
  CHECK(h.outbox.pending_counts().empty());
  // One error line per event given up, naming tenant and event; never the text or the secret.
  CHECK_THAT(text, Catch::Contains("\"event\":\"webhook_failed\",\"tenant\":\"acme\""));
  CHECK_THAT(text, Catch::Contains(first.id) && Catch::Contains(second.id));
  CHECK_THAT(text, !Catch::Contains("message 0") && !Catch::Contains(h.secret.substr(6)));
  CHECK_THAT(text, !Catch::Contains("gateway.example"));
  size_t failed_lines = 0;
  for (size_t at = 0; (at = text.find("\"webhook_failed\"", at)) != std::string::npos; ++at) {
    ++failed_lines;
  }
  CHECK(failed_lines == 2);
}

TEST_CASE("retry: an event delivered late is not given up", "[webhooks][retry]") {
  Harness h;
  auto q = h.queues();
  // Down for 23 h 59 min, then up: the event arrives with its original id.
  h.poster.answer_with([&h](const Post&) {
    return h.clock.now_ms() - kStart < 24 * kHour - 60000 ? answered(502) : answered(200);
  });
  const Event e = q->enqueue(EventType::session_status, "acme", {{"status", "connected"}});
  run_until(*q, h.clock,
            [&] { return h.stored("acme").at(0).state != DeliveryState::pending; });
  CHECK(h.stored("acme").at(0).state == DeliveryState::delivered);
  CHECK(h.poster.posts().back().id() == e.id);
  CHECK(h.metric("wa_sidecar_webhook_events_failed_total{type=\"session.status\"}") == 0);
  // The latency runs from the event's creation: about a day, past the 6 h bucket.
  CHECK(h.metric("wa_sidecar_webhook_delivery_latency_seconds_count") == 1);
  CHECK(h.metric("wa_sidecar_webhook_delivery_latency_seconds_bucket{le=\"21600\"}") == 0);
  CHECK(h.metric("wa_sidecar_webhook_delivery_latency_seconds_sum") >= 24 * 3600 - 60);
}
