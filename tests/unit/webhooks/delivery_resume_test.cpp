// Delivery state that outlives a DeliveryQueues: a new instance over the same outbox re-posts
// pending events with their ids; per-tenant URLs; a failing outbox; expiry of finished events.
#include <catch2/catch.hpp>

#include <map>
#include <string>
#include <vector>

#include "delivery_support.hpp"

using namespace delivery_test;
using webhooks::DeliveryState;
using webhooks::OutboxError;

TEST_CASE("resume: a new instance over the same outbox re-posts pending events with their ids",
          "[webhooks][resume]") {
  Harness h;
  std::vector<std::string> acme, other;
  {
    auto q = h.queues();
    h.poster.answer_with([](const Post&) { return answered(500); });
    for (int i = 0; i < 3; ++i) {
      acme.push_back(q->enqueue(EventType::message_received, "acme", data_n(i)).id);
    }
    other.push_back(q->enqueue(EventType::session_status, "other", data_n(0)).id);
    run_due(*q);  // one failed attempt each
    CHECK(h.poster.posts().size() == 2);
    CHECK(h.metric("wa_sidecar_webhook_outbox_pending") == 4);
  }  // the process stops: nothing but the outbox remains
  CHECK(h.metric("wa_sidecar_webhook_outbox_pending") == 0);

  h.poster.answer_with(nullptr);  // the endpoint is back
  h.clock.advance(kHour);
  auto q = h.queues();
  CHECK(h.metric("wa_sidecar_webhook_outbox_pending") == 4);
  run_due(*q);
  std::vector<std::string> acme_posts, other_posts;
  for (const Post& p : h.poster.posts_of("acme")) acme_posts.push_back(p.id());
  for (const Post& p : h.poster.posts_of("other")) other_posts.push_back(p.id());
  // The first attempt of each (before the restart), then everything, in order.
  CHECK(acme_posts == std::vector<std::string>{acme[0], acme[0], acme[1], acme[2]});
  CHECK(other_posts == std::vector<std::string>{other[0], other[0]});
  CHECK(h.outbox.pending_counts().empty());
  CHECK(h.metric("wa_sidecar_webhook_outbox_pending") == 0);
  // The ids issued after the restart still sort after the earlier ones.
  CHECK(q->enqueue(EventType::message_received, "acme", data_n(9)).id > acme[2]);
}

TEST_CASE("resume: a relay repeated after a restart queues each source key once",
          "[webhooks][resume]") {
  Harness h;
  std::string first;
  {
    auto q = h.queues();
    h.poster.answer_with([](const Post&) { return answered(500); });
    const auto e = q->enqueue_once(EventType::message_received, "acme", data_n(0), "row-0");
    REQUIRE(e);
    first = e->id;
    CHECK_FALSE(q->enqueue_once(EventType::message_received, "acme", data_n(0), "row-0"));
    run_due(*q);
    CHECK(h.metric("wa_sidecar_webhook_outbox_pending") == 1);
    CHECK(h.metric("wa_sidecar_webhook_events_enqueued_total{type=\"message.received\"}") == 1);
  }  // a crash before the producer noted that row-0 was relayed

  h.poster.answer_with(nullptr);
  h.clock.advance(kHour);
  auto q = h.queues();
  CHECK_FALSE(q->enqueue_once(EventType::message_received, "acme", data_n(0), "row-0"));
  const auto second = q->enqueue_once(EventType::message_received, "acme", data_n(1), "row-1");
  REQUIRE(second);
  // Keys are per tenant: another tenant's row-0 is an event of its own.
  const auto other = q->enqueue_once(EventType::message_received, "other", data_n(0), "row-0");
  REQUIRE(other);
  run_due(*q);
  std::vector<std::string> posted;
  for (const Post& p : h.poster.posts_of("acme")) posted.push_back(p.id());
  CHECK(posted == std::vector<std::string>{first, first, second->id});
  CHECK(h.poster.posts_of("other").size() == 1);
  CHECK(h.stored("acme").size() == 2);
  CHECK(h.metric("wa_sidecar_webhook_outbox_pending") == 0);
  // Delivered, the key still holds: a late repeat is not posted again.
  CHECK_FALSE(q->enqueue_once(EventType::message_received, "acme", data_n(1), "row-1"));
  CHECK(run_due(*q) == 0);
  CHECK_THROWS_AS(q->enqueue_once(EventType::message_received, "acme", data_n(2), ""),
                  std::invalid_argument);
  CHECK(h.stored("acme").size() == 2);
}

TEST_CASE("resume: a tenant URL overrides the default, for that tenant only",
          "[webhooks][resume]") {
  Harness h;
  auto q = h.queues();
  const std::string own = "http://10.1.2.3:8080/hooks?tenant=b";
  q->set_tenant_url("b", own);
  q->enqueue(EventType::message_received, "a", data_n(0));
  q->enqueue(EventType::message_received, "b", data_n(1));
  run_due(*q);
  CHECK(h.poster.posts_of("a").at(0).request.url == kDefaultUrl);
  CHECK(h.poster.posts_of("b").at(0).request.url == own);
  q->set_tenant_url("b", std::nullopt);
  q->enqueue(EventType::message_received, "b", data_n(2));
  run_due(*q);
  CHECK(h.poster.posts_of("b").at(1).request.url == kDefaultUrl);
  CHECK_THROWS_AS(q->set_tenant_url("b", std::string("ftp://x/y")), std::invalid_argument);
  CHECK_THROWS_AS(q->set_tenant_url("b", std::string("")), std::invalid_argument);
}

TEST_CASE("resume: tenant URLs are kept in the outbox for the next instance",
          "[webhooks][resume]") {
  Harness h;
  const std::string own = "https://own.example/hooks";
  {
    auto q = h.queues();
    q->set_tenant_url("own", own);
    q->set_tenant_url("gone", std::string("https://gone.example/"));
    q->set_tenant_url("gone", std::nullopt);
    h.poster.answer_with([](const Post&) { return answered(503); });
    q->enqueue(EventType::message_received, "own", data_n(0));
    run_due(*q);
  }
  CHECK(h.outbox.tenant_urls() == std::map<std::string, std::string>{{"own", own}});
  h.poster.answer_with(nullptr);
  auto q = h.queues();
  q->enqueue(EventType::message_received, "gone", data_n(1));
  run_due(*q);
  const auto posts = h.poster.posts();
  REQUIRE(posts.size() == 3);
  for (const Post& p : h.poster.posts_of("own")) CHECK(p.request.url == own);
  CHECK(h.poster.posts_of("gone").at(0).request.url == kDefaultUrl);
}

TEST_CASE("resume: a tenant URL the outbox could not store changes nothing",
          "[webhooks][resume]") {
  Harness h;
  auto q = h.queues();
  const std::string own = "https://own.example/hooks";
  q->set_tenant_url("acme", own);
  h.outbox.fail_next(1);
  CHECK_THROWS_AS(q->set_tenant_url("acme", std::string("https://new.example/")), OutboxError);
  h.outbox.fail_next(1);
  CHECK_THROWS_AS(q->set_tenant_url("acme", std::nullopt), OutboxError);
  CHECK(h.outbox.tenant_urls() == std::map<std::string, std::string>{{"acme", own}});
  q->enqueue(EventType::message_received, "acme", data_n(0));
  run_due(*q);
  CHECK(h.poster.posts_of("acme").at(0).request.url == own);
  CHECK_THROWS_AS(q->set_tenant_url("", own), std::invalid_argument);
}

TEST_CASE("resume: a stored tenant URL that no longer parses holds that tenant's events",
          "[webhooks][resume]") {
  Harness h;
  h.outbox.set_tenant_url("acme", std::string("ftp://acme.example/"));  // as if edited by hand
  auto q = h.queues();
  q->enqueue(EventType::message_received, "acme", data_n(0));
  run_due(*q);
  // Posted to the stored URL (which the real poster refuses), never to the default.
  REQUIRE(h.poster.posts_of("acme").size() == 1);
  CHECK(h.poster.posts_of("acme")[0].request.url == "ftp://acme.example/");
}

TEST_CASE("resume: without any URL an event waits, and goes out once the tenant has one",
          "[webhooks][resume]") {
  Harness h;
  auto q = h.queues(h.options(std::nullopt));  // no default URL: per-tenant URLs only
  const Event e = q->enqueue(EventType::session_status, "acme", {{"status", "qr_ready"}});
  run_due(*q);
  h.clock.advance(3 * kHour);
  run_due(*q);
  CHECK(h.poster.posts().empty());
  // Not an endpoint failure: nothing counted, nothing attempted again and again.
  for (const std::string& reason : webhooks::Metrics::attempt_failure_reasons()) {
    CHECK(h.metric("wa_sidecar_webhook_attempts_failed_total{reason=\"" + reason + "\"}") == 0);
  }
  CHECK(h.stored("acme").at(0).state == DeliveryState::pending);
  CHECK(q->next_due_ms() > h.clock.now_ms());
  q->set_tenant_url("acme", std::string("https://acme.example/wa"));  // due at once
  run_due(*q);
  REQUIRE(h.poster.posts().size() == 1);
  CHECK(h.poster.posts()[0].id() == e.id);
  CHECK(h.stored("acme").at(0).state == DeliveryState::delivered);
}

TEST_CASE("resume: without any URL an event ends its retry window unposted, quietly",
          "[webhooks][resume]") {
  Harness h;
  auto q = h.queues(h.options(std::nullopt));
  q->enqueue(EventType::message_received, "acme", data_n(0));
  q->enqueue(EventType::message_received, "acme", data_n(1));
  run_until(*q, h.clock, [&] {
    const auto events = h.stored("acme");
    return events.at(0).state != DeliveryState::pending &&
           events.at(1).state != DeliveryState::pending;
  });
  CHECK(h.clock.now_ms() >= 24 * kHour);
  CHECK(h.stored("acme").at(1).state == DeliveryState::failed);  // still there for GET /events
  CHECK(h.poster.posts().empty());
  CHECK(h.metric("wa_sidecar_webhook_events_failed_total{type=\"message.received\"}") == 0);
  CHECK(h.metric("wa_sidecar_webhook_outbox_pending") == 0);
}

TEST_CASE("resume: a failing outbox loses nothing", "[webhooks][resume]") {
  Harness h;
  auto q = h.queues();
  run_due(*q);  // the start-up expiry

  // append fails: the producer hears, nothing is queued or counted.
  h.outbox.fail_next(1);
  CHECK_THROWS_AS(q->enqueue(EventType::message_received, "acme", data_n(0)), OutboxError);
  CHECK(run_due(*q) == 0);
  CHECK(h.metric("wa_sidecar_webhook_events_enqueued_total{type=\"message.received\"}") == 0);
  CHECK(h.metric("wa_sidecar_webhook_outbox_pending") == 0);

  // Reading the window fails: retried after a backoff.
  const Event e = q->enqueue(EventType::message_received, "acme", data_n(1));
  h.outbox.fail_next(1);
  run_due(*q);
  CHECK(h.poster.posts().empty());
  CHECK(h.metric("wa_sidecar_webhook_attempts_failed_total{reason=\"outbox\"}") == 1);
  run_next(*q, h.clock);
  REQUIRE(h.poster.posts().size() == 1);

  // Recording the delivery fails once: posted again, same id, then recorded.
  const Event f = q->enqueue(EventType::message_received, "acme", data_n(2));
  h.poster.answer_with([&h](const Post&) {
    h.outbox.fail_next(1);  // the mark_delivered that follows this 2xx
    return answered(200);
  });
  run_due(*q);
  h.poster.answer_with(nullptr);
  CHECK(h.stored("acme").at(1).state == DeliveryState::pending);
  run_next(*q, h.clock);
  std::vector<std::string> ids;
  for (const Post& p : h.poster.posts()) ids.push_back(p.id());
  CHECK(ids == std::vector<std::string>{e.id, f.id, f.id});
  CHECK(h.stored("acme").at(1).state == DeliveryState::delivered);
  CHECK(h.metric("wa_sidecar_webhook_attempts_failed_total{reason=\"outbox\"}") == 2);
  CHECK(h.metric("wa_sidecar_webhook_events_delivered_total{type=\"message.received\"}") == 2);
  CHECK(h.metric("wa_sidecar_webhook_outbox_pending") == 0);
}

TEST_CASE("resume: finished events expire after the retention, pending ones stay",
          "[webhooks][resume]") {
  Harness h;
  auto q = h.queues();
  h.poster.answer_with([](const Post& p) {
    return p.tenant() == "down" ? answered(503) : answered(200);
  });
  q->enqueue(EventType::message_received, "up", data_n(0));
  q->enqueue(EventType::message_received, "down", data_n(1));
  run_due(*q);
  REQUIRE(h.stored("up").at(0).state == DeliveryState::delivered);
  // An hour later the next expiry runs: the delivered event is young, it stays.
  h.clock.advance(kHour);
  run_due(*q);
  CHECK(h.stored("up").size() == 1);
  CHECK(h.stored("down").at(0).state == DeliveryState::pending);  // still being retried
  // down is given up on after 24 h; 72 h after creation both finished events are gone.
  run_until(*q, h.clock, [&] { return h.clock.now_ms() >= kStart + 73 * kHour; });
  CHECK(h.stored("up").empty());
  CHECK(h.stored("down").empty());
  CHECK(h.metric("wa_sidecar_webhook_events_failed_total{type=\"message.received\"}") == 1);
}
