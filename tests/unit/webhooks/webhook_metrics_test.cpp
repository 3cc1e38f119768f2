// The webhook metrics: every family and label value exposed from the start, counts landing on
// their labels, and no label value taken from outside the fixed sets.
#include <catch2/catch.hpp>

#include <string>

#include "metrics/service_metrics.hpp"
#include "prometheus_sample.hpp"
#include "webhooks/webhook_metrics.hpp"

using testing_support::prometheus_sample;
using webhooks::EventType;
using webhooks::Metrics;
using webhooks::PostError;
using webhooks::PostResult;

TEST_CASE("webhook metrics: every family and label value is exposed from the start",
          "[webhooks][metrics]") {
  metrics::Registry r;
  Metrics m(r);
  const std::string text = r.render();
  for (const char* type : {"session.status", "message.received", "message.status"}) {
    for (const char* family : {"wa_sidecar_webhook_events_enqueued_total",
                               "wa_sidecar_webhook_events_delivered_total",
                               "wa_sidecar_webhook_events_failed_total"}) {
      const std::string series = std::string(family) + "{type=\"" + type + "\"}";
      INFO(series);
      CHECK(prometheus_sample(text, series) == 0);
    }
  }
  for (const std::string& reason : Metrics::attempt_failure_reasons()) {
    INFO(reason);
    CHECK(prometheus_sample(text, "wa_sidecar_webhook_attempts_failed_total{reason=\"" + reason +
                                      "\"}") == 0);
  }
  CHECK(prometheus_sample(text, "wa_sidecar_webhook_outbox_pending") == 0);
  const std::string latency = "wa_sidecar_webhook_delivery_latency_seconds";
  CHECK(prometheus_sample(text, latency + "_count") == 0);
  CHECK(prometheus_sample(text, latency + "_bucket{le=\"86400\"}") == 0);
}

TEST_CASE("webhook metrics: counts land on their labels", "[webhooks][metrics]") {
  metrics::Registry r;
  Metrics m(r);
  m.count_enqueued(EventType::message_received);
  m.count_enqueued(EventType::message_received);
  m.count_delivered(EventType::message_received, 0.2);
  m.count_failed(EventType::session_status);
  m.count_attempt_failed("timeout");
  m.count_attempt_failed("a tenant's \"free text\"");
  m.add_pending(3);
  m.add_pending(-1);
  const std::string text = r.render();
  auto value = [&](const std::string& series) { return prometheus_sample(text, series); };
  const std::string prefix = "wa_sidecar_webhook_";
  CHECK(value(prefix + "events_enqueued_total{type=\"message.received\"}") == 2);
  CHECK(value(prefix + "events_delivered_total{type=\"message.received\"}") == 1);
  CHECK(value(prefix + "events_failed_total{type=\"session.status\"}") == 1);
  CHECK(value(prefix + "events_failed_total{type=\"message.received\"}") == 0);
  CHECK(value(prefix + "attempts_failed_total{reason=\"timeout\"}") == 1);
  CHECK(value(prefix + "attempts_failed_total{reason=\"other\"}") == 1);
  CHECK(text.find("free text") == std::string::npos);
  CHECK(value(prefix + "outbox_pending") == 2);
  CHECK(value(prefix + "delivery_latency_seconds_bucket{le=\"0.1\"}") == 0);
  CHECK(value(prefix + "delivery_latency_seconds_bucket{le=\"0.25\"}") == 1);
}

TEST_CASE("webhook metrics: the reason of a failed post", "[webhooks][metrics]") {
  auto reason = [](PostError e, int status) {
    PostResult r;
    r.error = e;
    r.status = status;
    return Metrics::attempt_failure_reason(r);
  };
  CHECK(reason(PostError::none, 301) == "status_3xx");
  CHECK(reason(PostError::none, 404) == "status_4xx");
  CHECK(reason(PostError::none, 503) == "status_5xx");
  CHECK(reason(PostError::none, 101) == "status_other");
  CHECK(reason(PostError::timeout, 0) == "timeout");
  CHECK(reason(PostError::connection, 0) == "connection");
  CHECK(reason(PostError::tls, 0) == "tls");
  CHECK(reason(PostError::invalid_url, 0) == "invalid_url");
  CHECK(reason(PostError::other, 0) == "other");
}

TEST_CASE("webhook metrics: the service's families are on the service registry",
          "[webhooks][metrics]") {
  webhooks::service_metrics();
  const std::string text = metrics::service_registry().render();
  CHECK(text.find("# TYPE wa_sidecar_webhook_events_delivered_total counter") !=
        std::string::npos);
  CHECK(text.find("# TYPE wa_sidecar_webhook_outbox_pending gauge") != std::string::npos);
}
