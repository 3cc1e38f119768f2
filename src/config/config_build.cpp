// Conversion and validation of every key (the rules README.md "Configuration" documents).
#include <algorithm>
#include <charconv>
#include <cstdint>
#include <limits>

#include "config/config_detail.hpp"
#include "util/log.hpp"
#include "webhooks/signing_key.hpp"
#include "webhooks/url.hpp"

namespace sidecar::config_detail {
namespace {

constexpr size_t kMinSecretLength = 16;

// Strict decimal: optional '-', digits only, no spaces, no '+', no hex, must fit long long.
bool parse_int(const std::string& s, long long* out) {
  if (s.empty()) return false;
  const char* first = s.data();
  const char* last = s.data() + s.size();
  if (*first != '-' && (*first < '0' || *first > '9')) return false;
  auto r = std::from_chars(first, last, *out);
  return r.ec == std::errc() && r.ptr == last;
}

bool is_digits(const std::string& s) {
  if (s.empty()) return false;
  for (char c : s) {
    if (c < '0' || c > '9') return false;
  }
  return true;
}

bool is_hex(const std::string& s) {
  for (char c : s) {
    bool ok = (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
    if (!ok) return false;
  }
  return true;
}

// "MAJOR.MINOR.REV", each part an unsigned decimal fitting u32: ClientPayload.UserAgent.AppVersion
// carries them as uint32 fields (PROTOCOL.md §4; whatsmeow WAVersionContainer is [3]uint32).
bool is_version(const std::string& s) {
  size_t start = 0;
  int parts = 0;
  for (;;) {
    size_t dot = s.find('.', start);
    std::string part = s.substr(start, dot == std::string::npos ? std::string::npos : dot - start);
    if (!is_digits(part) || part.size() > 10) return false;
    if (std::stoull(part) > std::numeric_limits<uint32_t>::max()) return false;
    ++parts;
    if (dot == std::string::npos) break;
    start = dot + 1;
  }
  return parts == 3;
}

// HTTP's optional whitespace around a header value (RFC 9110 §5.5).
bool is_blank(char c) { return c == ' ' || c == '\t'; }

// ASCII control characters, DEL included. HTTP allows a tab inside a header value, but gateways
// and clients treat it unevenly and a secret never needs one.
bool is_control(char c) {
  const auto u = static_cast<unsigned char>(c);
  return u < 0x20 || u == 0x7f;
}

bool starts_with(const std::string& s, const std::string& prefix) {
  return s.compare(0, prefix.size(), prefix) == 0;
}

// Keys without a default, for which empty means unset: a compose file passing
// WEBHOOK_URL=${WEBHOOK_URL} through to a deployment without webhooks sets it empty, and "no
// webhooks" is exactly what unset means, so nothing is hidden by reading it that way.
bool empty_means_unset(const std::string& key) {
  return key == "webhook_url" || key == "webhook_secret";
}

class Builder {
 public:
  explicit Builder(const RawValues& raw) : raw_(raw) {}

  const RawValue* get(const char* key) const {
    auto it = raw_.find(key);
    return it == raw_.end() ? nullptr : &it->second;
  }

  void text(const char* key, std::string* field) const {
    if (const RawValue* r = get(key)) *field = r->value;
  }

  void integer(const char* key, long long min, long long max, const std::string& range,
               long long* out) const {
    const RawValue* r = get(key);
    if (!r) return;
    long long v = 0;
    if (!parse_int(r->value, &v) || v < min || v > max) {
      invalid(*find_key(key), "must be an integer " + range, r);
    }
    *out = v;
  }

 private:
  const RawValues& raw_;
};

}  // namespace

Config build(const RawValues& raw) {
  Config c;
  Builder b(raw);

  // internal_secret: the shared secret the gateway presents on every request. Never echoed.
  {
    const KeySpec& spec = *find_key("internal_secret");
    const RawValue* r = b.get("internal_secret");
    if (r) c.internal_secret = r->value;
    if (c.internal_secret.empty()) {
      invalid(spec, "is required: set the shared secret the API gateway sends", r);
    }
    // The secret is compared with an HTTP header value. HTTP strips spaces and tabs around a
    // header value and forbids other control characters in it, so no request could match.
    const std::string& s = c.internal_secret;
    if (is_blank(s.front()) || is_blank(s.back())) {
      invalid(spec, "must not begin or end with a space or tab: HTTP strips them from header "
                    "values, so no request could present it",
              r);
    }
    if (std::any_of(s.begin(), s.end(), is_control)) {
      invalid(spec, "must not contain control characters (tab, newline, ...): an HTTP header "
                    "value cannot carry them reliably",
              r);
    }
    if (c.internal_secret.size() < kMinSecretLength) {
      invalid(spec, "is too short: it must be at least " + std::to_string(kMinSecretLength) +
                        " characters long",
              r);
    }
  }

  // One rule for every key and source: an explicitly empty value is refused, never read as
  // "use the default". It is nearly always a variable or template that did not expand, and the
  // default can be wrong in a way nothing reports later: an empty WA_NOISE_ROOT_KEY would trust
  // WhatsApp's root instead of the intended server's. (The secret has no default; an empty one
  // was refused above as missing.)
  for (const KeySpec& spec : key_specs()) {
    const RawValue* r = b.get(spec.key);
    if (r && r->value.empty() && !empty_means_unset(spec.key)) {
      invalid(spec, "is set but empty; leave it unset to use its default, or give it a value", r);
    }
  }

  b.text("host", &c.host);

  long long v = c.port;
  b.integer("port", 0, 65535, "from 0 to 65535 (0 picks a free port)", &v);
  c.port = static_cast<int>(v);

  b.text("sessions_dir", &c.sessions_dir);

  b.text("wa_url", &c.wa_url);
  if (!((starts_with(c.wa_url, "ws://") && c.wa_url.size() > 5) ||
        (starts_with(c.wa_url, "wss://") && c.wa_url.size() > 6))) {
    invalid(*find_key("wa_url"), "must be a WebSocket URL starting with ws:// or wss://",
            b.get("wa_url"));
  }

  // The Noise root public key the server certificate chain must chain to (PROTOCOL.md §3).
  b.text("noise_root_key", &c.noise_root_key);
  if (c.noise_root_key.size() != 64 || !is_hex(c.noise_root_key)) {
    invalid(*find_key("noise_root_key"), "must be 64 hexadecimal characters (a 32-byte key)",
            b.get("noise_root_key"));
  }

  b.text("wa_version", &c.wa_version);
  if (!is_version(c.wa_version)) {
    invalid(*find_key("wa_version"),
            "must be three dot-separated unsigned integers, like 2.3000.1045649367",
            b.get("wa_version"));
  }

  b.text("device_os", &c.device_os);

  v = c.qr_wait_ms;
  b.integer("qr_wait_ms", 0, 120000, "from 0 to 120000 (milliseconds)", &v);
  c.qr_wait_ms = static_cast<int>(v);

  // QR rotation (PROTOCOL.md §6: 60 s for the first ref, 20 s for each further one); only
  // tests shorten these.
  v = c.qr_first_ref_ms;
  b.integer("qr_first_ref_ms", 1000, 600000, "from 1000 to 600000 (milliseconds)", &v);
  c.qr_first_ref_ms = static_cast<int>(v);
  v = c.qr_next_ref_ms;
  b.integer("qr_next_ref_ms", 1000, 600000, "from 1000 to 600000 (milliseconds)", &v);
  c.qr_next_ref_ms = static_cast<int>(v);
  v = c.send_ack_timeout_ms;
  b.integer("send_ack_timeout_ms", 1000, 300000, "from 1000 to 300000 (milliseconds)", &v);
  c.send_ack_timeout_ms = static_cast<int>(v);
  v = c.max_pending_sends;
  b.integer("max_pending_sends", 1, 100000, "from 1 to 100000", &v);
  c.max_pending_sends = static_cast<int>(v);

  // Keepalive (PROTOCOL.md §8: every random 20-30 s, 10 s to answer, dead after 3 min without
  // an answer); only tests shorten these.
  v = c.keepalive_interval_min_ms;
  b.integer("keepalive_interval_min_ms", 100, 600000, "from 100 to 600000 (milliseconds)", &v);
  c.keepalive_interval_min_ms = static_cast<int>(v);
  v = c.keepalive_interval_max_ms;
  b.integer("keepalive_interval_max_ms", 100, 600000, "from 100 to 600000 (milliseconds)", &v);
  c.keepalive_interval_max_ms = static_cast<int>(v);
  if (c.keepalive_interval_max_ms < c.keepalive_interval_min_ms) {
    invalid(*find_key("keepalive_interval_max_ms"),
            "must not be below keepalive_interval_min_ms (" +
                std::to_string(c.keepalive_interval_min_ms) + ")",
            b.get("keepalive_interval_max_ms"));
  }
  v = c.keepalive_timeout_ms;
  b.integer("keepalive_timeout_ms", 100, 300000, "from 100 to 300000 (milliseconds)", &v);
  c.keepalive_timeout_ms = static_cast<int>(v);
  v = c.keepalive_dead_ms;
  b.integer("keepalive_dead_ms", 100, 3600000, "from 100 to 3600000 (milliseconds)", &v);
  c.keepalive_dead_ms = static_cast<int>(v);
  // Shorter than one ping cycle, one missed answer would already count as a dead link.
  if (c.keepalive_dead_ms < c.keepalive_interval_max_ms + c.keepalive_timeout_ms) {
    invalid(*find_key("keepalive_dead_ms"),
            "must be at least keepalive_interval_max_ms + keepalive_timeout_ms (" +
                std::to_string(c.keepalive_interval_max_ms + c.keepalive_timeout_ms) + ")",
            b.get("keepalive_dead_ms"));
  }

  v = static_cast<long long>(c.max_body_bytes);
  b.integer("max_body_bytes", 1024, std::numeric_limits<long long>::max(),
            "of at least 1024 (bytes)", &v);
  c.max_body_bytes = static_cast<size_t>(v);

  b.text("log_level", &c.log_level);
  util::log::Level level;
  if (!util::log::parse_level(c.log_level, &level)) {
    invalid(*find_key("log_level"), "must be one of debug, info, warn, error",
            b.get("log_level"));
  }

  v = c.http_threads;
  b.integer("http_threads", 1, 256, "from 1 to 256", &v);
  c.http_threads = static_cast<int>(v);
  v = c.network_threads;
  b.integer("network_threads", 0, 64, "from 0 (one per core) to 64", &v);
  c.network_threads = static_cast<int>(v);
  v = c.http_max_connections;
  b.integer("http_max_connections", 1, 1000000, "from 1 to 1000000", &v);
  c.http_max_connections = static_cast<int>(v);
  v = c.http_idle_timeout_ms;
  b.integer("http_idle_timeout_ms", 100, 3600000, "from 100 to 3600000 (milliseconds)", &v);
  c.http_idle_timeout_ms = static_cast<int>(v);
  v = c.http_header_timeout_ms;
  b.integer("http_header_timeout_ms", 100, 600000, "from 100 to 600000 (milliseconds)", &v);
  c.http_header_timeout_ms = static_cast<int>(v);
  v = c.http_body_timeout_ms;
  b.integer("http_body_timeout_ms", 100, 3600000, "from 100 to 3600000 (milliseconds)", &v);
  c.http_body_timeout_ms = static_cast<int>(v);

  // Webhooks: the URL events are posted to, and the Standard Webhooks secret that signs them
  // (the gateway verifies with the reference libraries, which expect whsec_ + base64).
  b.text("webhook_url", &c.webhook_url);
  if (!c.webhook_url.empty()) {
    std::string reason;
    if (!webhooks::parse_endpoint_url(c.webhook_url, &reason)) {
      invalid(*find_key("webhook_url"), reason, b.get("webhook_url"));
    }
  }
  b.text("webhook_secret", &c.webhook_secret);
  if (!c.webhook_secret.empty()) {
    std::string reason;
    if (!webhooks::SigningKey::parse(c.webhook_secret, &reason)) {
      invalid(*find_key("webhook_secret"), reason, b.get("webhook_secret"));
    }
  } else if (!c.webhook_url.empty()) {
    // Unsigned deliveries would teach gateways to accept anything posted to them.
    invalid(*find_key("webhook_secret"),
            "is required when webhook_url is set: the secret that signs every delivery, "
            "whsec_ followed by the base64 of 24 to 64 random bytes "
            "(make one with: echo whsec_$(openssl rand -base64 32))",
            b.get("webhook_secret"));
  }
  v = c.webhook_timeout_ms;
  b.integer("webhook_timeout_ms", 100, 300000, "from 100 to 300000 (milliseconds)", &v);
  c.webhook_timeout_ms = static_cast<int>(v);
  v = c.webhook_retry_hours;
  b.integer("webhook_retry_hours", 1, 720, "from 1 to 720 (hours)", &v);
  c.webhook_retry_hours = static_cast<int>(v);
  v = c.event_retention_hours;
  b.integer("event_retention_hours", 1, 8760, "from 1 to 8760 (hours)", &v);
  c.event_retention_hours = static_cast<int>(v);
  // An event given up on must still be there to replay (GET /events) once it is marked failed.
  if (c.event_retention_hours < c.webhook_retry_hours) {
    invalid(*find_key("event_retention_hours"),
            "must not be below webhook_retry_hours (" + std::to_string(c.webhook_retry_hours) +
                "): a failed event must outlive its retries to be replayed",
            b.get("event_retention_hours"));
  }

  return c;
}

}  // namespace sidecar::config_detail
