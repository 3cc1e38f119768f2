#include "http/session_json.hpp"

#include "util/iso_time.hpp"

namespace sidecar::http {
namespace {

using nlohmann::json;

json or_null(const std::optional<std::string>& v) { return v ? json(*v) : json(nullptr); }

json time_or_null(const std::optional<int64_t>& ms) {
  return ms ? json(util::iso8601_utc_ms(*ms)) : json(nullptr);
}

// SessionView uses 0 for "never set" in its non-optional timestamps; 1970-01-01 is never a
// real event time for this service.
json time_or_null(int64_t ms) { return ms > 0 ? json(util::iso8601_utc_ms(ms)) : json(nullptr); }

}  // namespace

json session_created_json(const SessionView& v) {
  return json{{"tenantId", v.tenant_id},
              {"status", v.status},
              {"qr", or_null(v.qr)},
              {"qrImage", or_null(v.qr_image)},
              {"qrExpiresAt", time_or_null(v.qr_expires_at_ms)}};
}

json session_status_json(const SessionView& v) {
  json last_error = nullptr;
  if (v.last_error) {
    last_error = json{{"code", v.last_error->code},
                      {"message", v.last_error->message},
                      {"at", time_or_null(v.last_error->at_ms)}};
  }
  return json{{"tenantId", v.tenant_id},
              {"status", v.status},
              {"connected", v.connected},
              {"phoneNumber", or_null(v.phone_number)},
              {"jid", or_null(v.jid)},
              {"qr", or_null(v.qr)},
              {"qrImage", or_null(v.qr_image)},
              {"qrExpiresAt", time_or_null(v.qr_expires_at_ms)},
              {"qrSequence", v.qr_sequence},
              {"since", time_or_null(v.since_ms)},
              {"lastActivityAt", time_or_null(v.last_activity_ms)},
              {"lastError", std::move(last_error)},
              {"reconnectAttempts", v.reconnect_attempts}};
}

json health_json(const HealthView& h) {
  return json{{"status", "ok"},
              {"sessions", {{"total", h.total}, {"connected", h.connected}}},
              {"uptimeSeconds", h.uptime_seconds},
              {"version", h.version}};
}

}  // namespace sidecar::http
