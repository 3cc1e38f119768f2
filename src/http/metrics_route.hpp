// GET /metrics: the Prometheus text exposition (format 0.0.4) of the service (README "Metrics").
// Pure function of its inputs plus the process-wide counters; unit-tested without a server.
#pragma once
#include <string>
#include "manager/session_service.hpp"

namespace sidecar::http {

// The gauges computed at scrape time (sessions by status, uptime, build info) followed by the
// counters and histograms of metrics::service_registry().
std::string render_metrics(const HealthView& health, const std::string& wa_version);

}  // namespace sidecar::http
