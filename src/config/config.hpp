// Service configuration: a YAML file (--config PATH) with environment overrides.
// Every key and its variable is listed in README.md ("Configuration").
#pragma once
#include <map>
#include <optional>
#include <stdexcept>
#include <string>

namespace sidecar {

struct ConfigError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// WhatsApp's real Noise root ("WhatsAppLongTerm1"), PROTOCOL.md §3.
inline constexpr const char* kDefaultNoiseRootKey =
    "142375574d0a587166aae71ebe516437c4a28b73e3695c6ce1f7f9545da8ee6b";
inline constexpr const char* kDefaultWaUrl = "wss://web.whatsapp.com/ws/chat";
inline constexpr const char* kDefaultWaVersion = "2.3000.1045649367";

struct Config {
  std::string internal_secret;                 // INTERNAL_SECRET (required)
  std::string host = "0.0.0.0";                // HOST
  int port = 3000;                             // PORT
  std::string sessions_dir = "./sessions";     // SESSIONS_DIR
  std::string wa_url = kDefaultWaUrl;          // WA_URL (ws:// or wss://)
  std::string noise_root_key = kDefaultNoiseRootKey;  // WA_NOISE_ROOT_KEY (64 hex chars)
  std::string wa_version = kDefaultWaVersion;  // WA_VERSION ("2.3000.REV")
  std::string device_os = "Linux";             // WA_DEVICE_OS (shown on the phone)
  int qr_wait_ms = 10000;                      // QR_WAIT_MS: POST /session waits this long for a QR
  // QR rotation (PROTOCOL.md §6): first ref 60 s, each further ref 20 s. Settable for tests.
  int qr_first_ref_ms = 60000;                 // QR_FIRST_REF_MS (1000..600000)
  int qr_next_ref_ms = 20000;                  // QR_NEXT_REF_MS (1000..600000)
  // POST /send waits this long for the server's ack; past it the outcome is unknown (504).
  int send_ack_timeout_ms = 30000;             // SEND_ACK_TIMEOUT_MS (1000..300000)
  // Sends of one tenant accepted and not yet answered; past it POST /send answers 429.
  int max_pending_sends = 128;                 // MAX_PENDING_SENDS (1..100000)
  // Keepalive (PROTOCOL.md §8, whatsmeow): a ping every random min..max ms, `timeout` ms to
  // answer, reconnect after `dead` ms without an answered ping. Settable for tests.
  int keepalive_interval_min_ms = 20000;       // KEEPALIVE_INTERVAL_MIN_MS (100..600000)
  int keepalive_interval_max_ms = 30000;       // KEEPALIVE_INTERVAL_MAX_MS (100..600000, >= min)
  int keepalive_timeout_ms = 10000;            // KEEPALIVE_TIMEOUT_MS (100..300000)
  int keepalive_dead_ms = 180000;              // KEEPALIVE_DEAD_MS (100..3600000)
  size_t max_body_bytes = 1 << 20;             // MAX_BODY_BYTES
  std::string log_level = "info";              // LOG_LEVEL: debug|info|warn|error
  int http_threads = 16;                       // HTTP_THREADS
  // Threads carrying the WhatsApp connections, tenants spread over them (README "Threads");
  // 0: one per core.
  int network_threads = 0;                     // NETWORK_THREADS (0..64)
  // Connections (README "Connections"): open at once (more are answered 503), and the
  // deadlines of an idle keep-alive connection, of a request's header and of its body.
  int http_max_connections = 1024;             // HTTP_MAX_CONNECTIONS (1..1000000)
  int http_idle_timeout_ms = 90000;            // HTTP_IDLE_TIMEOUT_MS (100..3600000)
  int http_header_timeout_ms = 10000;          // HTTP_HEADER_TIMEOUT_MS (100..600000)
  int http_body_timeout_ms = 30000;            // HTTP_BODY_TIMEOUT_MS (100..3600000)
  // Webhooks (README "Webhooks"). The URL and the secret have no default: unset or empty, no
  // webhook is posted. A URL needs a secret; a secret alone serves per-tenant URLs.
  std::string webhook_url;                     // WEBHOOK_URL (http:// or https://)
  std::string webhook_secret;                  // WEBHOOK_SECRET (whsec_ + base64, 24..64 bytes)
  int webhook_timeout_ms = 10000;              // WEBHOOK_TIMEOUT_MS (100..300000)
  // An event still undelivered this long after it was created is marked failed.
  int webhook_retry_hours = 24;                // WEBHOOK_RETRY_HOURS (1..720)
  // Delivered and failed events are kept this long for replay (GET /events).
  int event_retention_hours = 72;              // EVENT_RETENTION_HOURS (1..8760, >= retry hours)

  // Loads the YAML file (if given), then applies environment overrides, then validates.
  // Throws ConfigError with a sentence naming the key on any invalid or missing value.
  static Config load(const std::optional<std::string>& yaml_path,
                     const std::map<std::string, std::string>& env);
  static std::map<std::string, std::string> process_env();
};

}  // namespace sidecar
