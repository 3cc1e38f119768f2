// The service's counters and histogram (see service_metrics.hpp and README "Metrics").
#include "metrics/service_metrics.hpp"

#include <algorithm>

namespace metrics {
namespace {

// POST /send latency: a local simulator answers in ~1 ms, WhatsApp in tens to hundreds of ms;
// the top bucket stays below the default 30 s ack timeout (slower sends land in +Inf).
const std::vector<double> kLatencyBuckets = {0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1,
                                             0.25,  0.5,    1,     2.5,  5,     10};

const std::string& known_or_other(const std::string& v, const std::vector<std::string>& known) {
  static const std::string kOther = "other";
  auto it = std::find(known.begin(), known.end(), v);
  return it == known.end() ? kOther : *it;
}

struct ServiceMetrics {
  Registry registry;
  Counter& sent = registry
      .counter("wa_sidecar_messages_sent_total",
               "Messages sent through POST /send and acknowledged by WhatsApp.")
      .with({});
  Family<Counter>& failed = registry.counter(
      "wa_sidecar_messages_failed_total",
      "POST /send requests that did not end in an acknowledged message, by error code.",
      {"reason"});
  Histogram& latency = registry
      .histogram("wa_sidecar_send_latency_seconds",
                 "Time from a validated POST /send to WhatsApp's ack, for acknowledged sends.",
                 kLatencyBuckets)
      .with({});
  Family<Counter>& reconnects = registry.counter(
      "wa_sidecar_reconnects_total", "Reconnects of WhatsApp connections, by cause.", {"cause"});
  Counter& ack_timeouts = registry
      .counter("wa_sidecar_ack_timeouts_total",
               "Messages WhatsApp did not acknowledge within send_ack_timeout_ms.")
      .with({});
  Counter& prekeys = registry
      .counter("wa_sidecar_prekeys_uploaded_total",
               "One-time prekeys uploaded to and accepted by WhatsApp.")
      .with({});

  Counter& event_store_failures = registry
      .counter("wa_sidecar_event_store_failures_total",
               "Incoming messages or receipts whose event could not be stored; left unanswered "
               "for WhatsApp to deliver again.")
      .with({});

  Counter& store_sync_failures = registry
      .counter("wa_sidecar_store_sync_failures_total",
               "Syncs of a tenant's store that the disk refused; the session stops with "
               "store_failed.")
      .with({});

  ServiceMetrics() {
    // Every known label value exists from the start, so rate() sees the first increment.
    for (const std::string& r : send_failure_reasons()) failed.with({r});
    for (const std::string& c : reconnect_causes()) reconnects.with({c});
  }
};

ServiceMetrics& service() {
  static ServiceMetrics m;
  return m;
}

}  // namespace

Registry& service_registry() { return service().registry; }

const std::vector<std::string>& send_failure_reasons() {
  // The error codes of POST /send (README "Sending") once the request is validated.
  static const std::vector<std::string> kReasons = {
      "invalid_message", "invalid_recipient", "session_not_found", "not_connected",
      "not_on_whatsapp", "send_failed",       "ack_timeout",       "too_many_pending",
      "internal_error",  "other"};
  return kReasons;
}

const std::vector<std::string>& reconnect_causes() {
  static const std::vector<std::string> kCauses = {
      "dropped",       "ping_timeout",   "stream_error",   "stream_end", "restart_515",
      "login_failure", "connect_failed", "pairing_failed", "other"};
  return kCauses;
}

void count_send(const std::string& error_code) {
  if (error_code.empty()) {
    service().sent.inc();
  } else {
    service().failed.with({known_or_other(error_code, send_failure_reasons())}).inc();
  }
}

void observe_send_latency(double seconds) { service().latency.observe(seconds); }

void count_reconnect(const std::string& cause) {
  service().reconnects.with({known_or_other(cause, reconnect_causes())}).inc();
}

std::string reconnect_cause(bool restart, const std::string& close_code, bool established) {
  if (restart) return "restart_515";
  if (close_code.empty()) return established ? "dropped" : "connect_failed";
  if (close_code == "keepalive_failed") return "ping_timeout";
  if (close_code == "server_unavailable") return "login_failure";
  if (close_code == "connection_failed" || close_code == "handshake_failed" ||
      close_code == "server_certificate_invalid") {
    return "connect_failed";
  }
  if (close_code == "stream_error" || close_code == "stream_end" || close_code == "pairing_failed") {
    return close_code;
  }
  return "other";
}

void count_ack_timeout() { service().ack_timeouts.inc(); }

void count_event_store_failure() { service().event_store_failures.inc(); }

void count_store_sync_failure() { service().store_sync_failures.inc(); }

void count_prekeys_uploaded(uint64_t keys) { service().prekeys.inc(static_cast<double>(keys)); }

}  // namespace metrics
