#include <algorithm>

#include "config/config_detail.hpp"

namespace sidecar::config_detail {

const std::vector<KeySpec>& key_specs() {
  static const std::vector<KeySpec> kSpecs = {
      {"internal_secret", "INTERNAL_SECRET", true},
      {"host", "HOST", false},
      {"port", "PORT", false},
      {"sessions_dir", "SESSIONS_DIR", false},
      {"wa_url", "WA_URL", false},
      {"noise_root_key", "WA_NOISE_ROOT_KEY", false},
      {"wa_version", "WA_VERSION", false},
      {"device_os", "WA_DEVICE_OS", false},
      {"qr_wait_ms", "QR_WAIT_MS", false},
      {"qr_first_ref_ms", "QR_FIRST_REF_MS", false},
      {"qr_next_ref_ms", "QR_NEXT_REF_MS", false},
      {"send_ack_timeout_ms", "SEND_ACK_TIMEOUT_MS", false},
      {"max_pending_sends", "MAX_PENDING_SENDS", false},
      {"keepalive_interval_min_ms", "KEEPALIVE_INTERVAL_MIN_MS", false},
      {"keepalive_interval_max_ms", "KEEPALIVE_INTERVAL_MAX_MS", false},
      {"keepalive_timeout_ms", "KEEPALIVE_TIMEOUT_MS", false},
      {"keepalive_dead_ms", "KEEPALIVE_DEAD_MS", false},
      {"max_body_bytes", "MAX_BODY_BYTES", false},
      {"log_level", "LOG_LEVEL", false},
      {"http_threads", "HTTP_THREADS", false},
      {"network_threads", "NETWORK_THREADS", false},
      {"http_max_connections", "HTTP_MAX_CONNECTIONS", false},
      {"http_idle_timeout_ms", "HTTP_IDLE_TIMEOUT_MS", false},
      {"http_header_timeout_ms", "HTTP_HEADER_TIMEOUT_MS", false},
      {"http_body_timeout_ms", "HTTP_BODY_TIMEOUT_MS", false},
      {"webhook_url", "WEBHOOK_URL", true},  // its path or query may carry a token
      {"webhook_secret", "WEBHOOK_SECRET", true},
      {"webhook_timeout_ms", "WEBHOOK_TIMEOUT_MS", false},
      {"webhook_retry_hours", "WEBHOOK_RETRY_HOURS", false},
      {"event_retention_hours", "EVENT_RETENTION_HOURS", false},
  };
  return kSpecs;
}

const KeySpec* find_key(const std::string& key) {
  const auto& specs = key_specs();
  auto it = std::find_if(specs.begin(), specs.end(),
                         [&](const KeySpec& s) { return key == s.key; });
  return it == specs.end() ? nullptr : &*it;
}

void invalid(const KeySpec& spec, const std::string& reason, const RawValue* raw) {
  std::string msg = std::string("config: ") + spec.key + " (env " + spec.env + ") " + reason;
  if (raw) {
    if (spec.secret) {
      msg += " (set by " + raw->origin + ")";
    } else {
      // Echo the value to make typos obvious, but bounded: it came from outside.
      std::string shown = raw->value.size() > 80 ? raw->value.substr(0, 80) + "..." : raw->value;
      msg += "; got \"" + shown + "\" from " + raw->origin;
    }
  }
  throw ConfigError(msg + ".");
}

}  // namespace sidecar::config_detail
