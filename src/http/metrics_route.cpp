#include "http/metrics_route.hpp"

#include "metrics/service_metrics.hpp"

namespace sidecar::http {

std::string render_metrics(const HealthView& health, const std::string& wa_version) {
  // A registry per scrape: these values are read from the manager now, not accumulated.
  metrics::Registry scrape;
  auto& sessions = scrape.gauge("wa_sidecar_sessions", "Sessions held, by status (GET /status).",
                                {"status"});
  // Every status is always present (0 when no session has it), so a series never vanishes.
  for (const char* status : {kStatusInitializing, kStatusQrReady, kStatusPairing,
                             kStatusConnected, kStatusReconnecting, kStatusQrTimeout,
                             kStatusLoggedOut, kStatusError}) {
    sessions.with({status}).set(0);
  }
  for (const auto& [status, n] : health.by_status) {
    sessions.with({status}).set(static_cast<double>(n));
  }
  scrape.gauge("wa_sidecar_uptime_seconds", "Seconds since the service started.")
      .with({})
      .set(static_cast<double>(health.uptime_seconds));
  scrape.gauge("wa_sidecar_build_info",
               "Always 1; the labels carry the service version and the WhatsApp Web version it "
               "announces.",
               {"version", "wa_version"})
      .with({health.version, wa_version})
      .set(1);
  return scrape.render() + metrics::service_registry().render();
}

}  // namespace sidecar::http
