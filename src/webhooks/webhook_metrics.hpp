// The webhook metrics (README "Webhooks", "Metrics"): events enqueued, delivered and given up by
// type, failed attempts by reason, the time from an event to its delivery, and the outbox depth.
// Label values come from fixed sets (the event types, the reasons below), never from a tenant,
// so the series count does not grow with tenants.
//
// Thread-safety: every method may be called from any thread.
#pragma once
#include <string>
#include <vector>

#include "metrics/registry.hpp"
#include "webhooks/event.hpp"
#include "webhooks/poster.hpp"

namespace webhooks {

class Metrics {
 public:
  // Registers the families on `registry` (once per registry: names are unique there), every
  // label value present from the start.
  explicit Metrics(metrics::Registry& registry);

  void count_enqueued(EventType type);
  // latency: from the event's creation to the endpoint's 2xx.
  void count_delivered(EventType type, double latency_seconds);
  void count_failed(EventType type);  // given up after webhook_retry_hours
  void count_attempt_failed(const std::string& reason);  // a reason below; others count as other
  void add_pending(double delta);  // events appended and not yet delivered or failed

  // status_3xx, status_4xx, status_5xx, status_other, timeout, connection, tls, invalid_url,
  // outbox (the store failed), other. A tenant without any URL makes no attempts.
  static const std::vector<std::string>& attempt_failure_reasons();
  // The reason of a post that was not delivered.
  static std::string attempt_failure_reason(const PostResult& result);

 private:
  metrics::Family<metrics::Counter>& enqueued_;
  metrics::Family<metrics::Counter>& delivered_;
  metrics::Family<metrics::Counter>& failed_;
  metrics::Family<metrics::Counter>& attempts_failed_;
  metrics::Histogram& latency_;
  metrics::Gauge& pending_;
};

// The service's instance, on metrics::service_registry(), which GET /metrics renders.
Metrics& service_metrics();

}  // namespace webhooks
