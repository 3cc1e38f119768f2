#include "webhooks/webhook_metrics.hpp"

#include <algorithm>

#include "metrics/service_metrics.hpp"

namespace webhooks {
namespace {

// From an endpoint answering at once (tens of ms) to one that came back after retries for a
// day (webhook_retry_hours defaults to 24).
const std::vector<double> kLatencyBuckets = {0.05, 0.1, 0.25, 0.5,  1,    2.5,   5,    10,
                                             30,   60,  300,  900,  3600, 21600, 86400};

}  // namespace

Metrics::Metrics(metrics::Registry& registry)
    : enqueued_(registry.counter("wa_sidecar_webhook_events_enqueued_total",
                                 "Webhook events stored for delivery, by type.", {"type"})),
      delivered_(registry.counter("wa_sidecar_webhook_events_delivered_total",
                                  "Webhook events the endpoint answered with a 2xx, by type.",
                                  {"type"})),
      failed_(registry.counter(
          "wa_sidecar_webhook_events_failed_total",
          "Webhook events given up on after webhook_retry_hours without a 2xx, by type.",
          {"type"})),
      attempts_failed_(registry.counter("wa_sidecar_webhook_attempts_failed_total",
                                        "Webhook delivery attempts that failed, by reason.",
                                        {"reason"})),
      latency_(registry
                   .histogram("wa_sidecar_webhook_delivery_latency_seconds",
                              "Time from a webhook event's creation to its 2xx answer.",
                              kLatencyBuckets)
                   .with({})),
      pending_(registry
                   .gauge("wa_sidecar_webhook_outbox_pending",
                          "Webhook events stored and not yet delivered or given up on.")
                   .with({})) {
  for (EventType t : all_event_types()) {
    enqueued_.with({type_name(t)});
    delivered_.with({type_name(t)});
    failed_.with({type_name(t)});
  }
  for (const std::string& r : attempt_failure_reasons()) attempts_failed_.with({r});
}

void Metrics::count_enqueued(EventType type) { enqueued_.with({type_name(type)}).inc(); }

void Metrics::count_delivered(EventType type, double latency_seconds) {
  delivered_.with({type_name(type)}).inc();
  latency_.observe(latency_seconds);
}

void Metrics::count_failed(EventType type) { failed_.with({type_name(type)}).inc(); }

void Metrics::count_attempt_failed(const std::string& reason) {
  const auto& known = attempt_failure_reasons();
  const bool ok = std::find(known.begin(), known.end(), reason) != known.end();
  attempts_failed_.with({ok ? reason : "other"}).inc();
}

void Metrics::add_pending(double delta) { pending_.inc(delta); }

const std::vector<std::string>& Metrics::attempt_failure_reasons() {
  static const std::vector<std::string> kReasons = {
      "status_3xx", "status_4xx",  "status_5xx", "status_other", "timeout", "connection",
      "tls",        "invalid_url", "outbox",     "other"};
  return kReasons;
}

std::string Metrics::attempt_failure_reason(const PostResult& result) {
  if (result.error != PostError::none) return post_error_name(result.error);
  if (result.status >= 300 && result.status <= 399) return "status_3xx";
  if (result.status >= 400 && result.status <= 499) return "status_4xx";
  if (result.status >= 500 && result.status <= 599) return "status_5xx";
  return "status_other";
}

Metrics& service_metrics() {
  static Metrics m(metrics::service_registry());
  return m;
}

}  // namespace webhooks
