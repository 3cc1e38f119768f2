// An in-process receiver for the service's webhook deliveries, for end-to-end tests: an httplib
// server on 127.0.0.1 with an ephemeral port that takes every POST, verifies it the way a
// gateway following Standard Webhooks (standardwebhooks.com, "Verifying webhooks") would, and
// records it.
//
// The verification is written here on OpenSSL (HMAC-SHA256, base64), independently of the
// service's src/webhooks, so that the tests check the service against the specification rather
// than against its own code:
//   secret            "whsec_" + base64(key); the key is the decoded bytes
//   webhook-id        the event id, the same on every attempt of one event
//   webhook-timestamp the attempt's unix time in seconds; refused when more than 5 minutes
//                     away from the receiver's clock, either way
//   webhook-signature space-separated "v1,<base64>" entries (several during a key rotation);
//                     one must equal base64(HMAC-SHA256(key, "{id}.{timestamp}.{body}")) over the
//                     exact body bytes; entries of other versions are ignored
//
// Modes, switchable while it runs: answer every delivery with a status (default 204), and hang
// for a while before answering (a slow or stuck endpoint). Every arrival is recorded with its
// headers, raw body, parsed JSON, verdict and arrival time, whatever the mode answers.
//
// Thread-safe: handlers run on httplib's worker threads, tests read from their own.
#pragma once
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>
#include <nlohmann/json.hpp>

namespace httplib { class Server; }

namespace e2e {

struct WebhookArrival {
  std::string path;                            // the request path
  std::map<std::string, std::string> headers;  // names lower-cased
  std::string body;                            // the raw body bytes
  nlohmann::json json;                         // parsed body; a discarded value when not JSON
  std::string id, timestamp, signature;        // webhook-id, webhook-timestamp, webhook-signature
  bool verified = false;
  std::string why_not;                         // "" when verified, else the first failed check
  std::chrono::system_clock::time_point at;    // when the request arrived (wall clock)
  std::chrono::steady_clock::time_point at_steady;
  int answered = 0;                            // the status the receiver answered with

  // The event type (body "type"), "" when there is none.
  std::string type() const;
};

// The outcome of checking one delivery.
struct WebhookVerdict {
  bool ok = false;
  std::string why;  // "" when ok
};

class WebhookReceiver {
 public:
  // `secret` as the service is configured with it: "whsec_" + base64 key. Starts listening.
  explicit WebhookReceiver(std::string secret);
  ~WebhookReceiver();
  WebhookReceiver(const WebhookReceiver&) = delete;
  WebhookReceiver& operator=(const WebhookReceiver&) = delete;

  uint16_t port() const { return port_; }
  std::string url(const std::string& path = "/webhook") const;  // "http://127.0.0.1:PORT/webhook"
  const std::string& secret() const { return secret_; }

  // Every delivery from now on is answered with `status` (2xx: accepted; e.g. 503: refused).
  void answer_with(int status);
  // Every delivery from now on waits `delay` before it is answered (0: at once). A waiting
  // delivery is released early when the receiver is destroyed.
  void hang_for(std::chrono::milliseconds delay);

  std::vector<WebhookArrival> arrivals() const;
  size_t count() const;
  // Blocks until pred(arrivals) holds or `timeout` passes; returns pred's last value.
  bool wait_until(const std::function<bool(const std::vector<WebhookArrival>&)>& pred,
                  std::chrono::milliseconds timeout) const;
  // Until at least n deliveries arrived.
  bool wait_for_count(size_t n, std::chrono::milliseconds timeout) const;
  // The distinct events (by webhook-id) in the order they first arrived: the first arrival of
  // each. Redeliveries of an event are left out.
  std::vector<WebhookArrival> events() const;
  // How many times the event with this webhook-id arrived.
  size_t attempts(const std::string& id) const;
  void clear();

  // The verifier every arrival goes through, usable alone. `now_s` is the receiver's unix time.
  static WebhookVerdict verify(const std::string& secret, const std::string& id,
                               const std::string& timestamp, const std::string& signature_header,
                               const std::string& body, int64_t now_s);
  // "v1," + base64(HMAC-SHA256(key, "{id}.{timestamp}.{body}")), or "" for a malformed secret.
  static std::string sign(const std::string& secret, const std::string& id,
                          const std::string& timestamp, const std::string& body);

  static constexpr int64_t kToleranceSeconds = 5 * 60;

 private:
  std::string secret_;
  std::unique_ptr<httplib::Server> server_;
  std::thread thread_;
  uint16_t port_ = 0;

  mutable std::mutex mu_;
  mutable std::condition_variable cv_;  // arrivals, and the end of a hang
  std::vector<WebhookArrival> arrivals_;
  int status_ = 204;
  std::chrono::milliseconds hang_{0};
  bool stopping_ = false;
};

}  // namespace e2e
