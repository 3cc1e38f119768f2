// The service's metric set: names, fixed label values, and the reconnect-cause mapping.
#include <catch2/catch.hpp>

#include <algorithm>
#include <string>

#include "metrics/service_metrics.hpp"
#include "prometheus_sample.hpp"

using testing_support::prometheus_sample;


TEST_CASE("service metrics: every family and known label value is exposed from the start",
          "[metrics]") {
  const std::string text = metrics::service_registry().render();
  for (const char* family : {"wa_sidecar_messages_sent_total", "wa_sidecar_messages_failed_total",
                             "wa_sidecar_send_latency_seconds", "wa_sidecar_reconnects_total",
                             "wa_sidecar_ack_timeouts_total", "wa_sidecar_prekeys_uploaded_total"}) {
    INFO(family);
    CHECK(text.find(std::string("# TYPE ") + family + " ") != std::string::npos);
  }
  CHECK(prometheus_sample(text, "wa_sidecar_messages_failed_total{reason=\"ack_timeout\"}") >= 0);
  CHECK(prometheus_sample(text, "wa_sidecar_reconnects_total{cause=\"ping_timeout\"}") >= 0);
  CHECK(prometheus_sample(text, "wa_sidecar_send_latency_seconds_bucket{le=\"0.001\"}") >= 0);
  CHECK(prometheus_sample(text, "wa_sidecar_send_latency_seconds_bucket{le=\"10\"}") >= 0);
}

TEST_CASE("service metrics: counts land on their label; unknown values become other",
          "[metrics]") {
  auto value = [](const std::string& series) {
    return prometheus_sample(metrics::service_registry().render(), series);
  };
  const std::string failed = "wa_sidecar_messages_failed_total{reason=\"not_connected\"}";
  const std::string other = "wa_sidecar_messages_failed_total{reason=\"other\"}";
  const std::string sent = "wa_sidecar_messages_sent_total";
  const double failed0 = value(failed), other0 = value(other), sent0 = value(sent);
  metrics::count_send("not_connected");
  metrics::count_send("some tenant's \"free text\"");  // never becomes a label value
  metrics::count_send("");
  CHECK(value(failed) == failed0 + 1);
  CHECK(value(other) == other0 + 1);
  CHECK(value(sent) == sent0 + 1);
  CHECK(metrics::service_registry().render().find("free text") == std::string::npos);

  const std::string prekeys = "wa_sidecar_prekeys_uploaded_total";
  const double prekeys0 = value(prekeys);
  metrics::count_prekeys_uploaded(812);
  CHECK(value(prekeys) == prekeys0 + 812);

  const std::string count = "wa_sidecar_send_latency_seconds_count";
  const std::string le5ms = "wa_sidecar_send_latency_seconds_bucket{le=\"0.005\"}";
  const double count0 = value(count), le5ms0 = value(le5ms);
  metrics::observe_send_latency(0.004);
  metrics::observe_send_latency(0.2);
  CHECK(value(count) == count0 + 2);
  CHECK(value(le5ms) == le5ms0 + 1);
}

TEST_CASE("service metrics: reconnect causes from what closed the connection", "[metrics]") {
  using metrics::reconnect_cause;
  CHECK(reconnect_cause(true, "", true) == "restart_515");
  CHECK(reconnect_cause(false, "", true) == "dropped");
  CHECK(reconnect_cause(false, "", false) == "connect_failed");
  CHECK(reconnect_cause(false, "keepalive_failed", true) == "ping_timeout");
  CHECK(reconnect_cause(false, "stream_error", true) == "stream_error");
  CHECK(reconnect_cause(false, "stream_end", true) == "stream_end");
  CHECK(reconnect_cause(false, "server_unavailable", true) == "login_failure");
  CHECK(reconnect_cause(false, "handshake_failed", false) == "connect_failed");
  CHECK(reconnect_cause(false, "server_certificate_invalid", false) == "connect_failed");
  CHECK(reconnect_cause(false, "connection_failed", true) == "connect_failed");
  CHECK(reconnect_cause(false, "pairing_failed", true) == "pairing_failed");
  CHECK(reconnect_cause(false, "something_new", true) == "other");
  for (const char* cause : {"dropped", "ping_timeout", "restart_515", "login_failure"}) {
    CHECK(std::find(metrics::reconnect_causes().begin(), metrics::reconnect_causes().end(),
                    cause) != metrics::reconnect_causes().end());
  }
}
