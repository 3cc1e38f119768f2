// What the HTTP router needs of the event log (README "Webhooks"): replay (GET /events) and
// the per-tenant webhook URL (POST /session {"webhookUrl"}). OutboxEvents implements it over
// the webhook outbox; the router depends only on this interface.
// Thread-safety: every method may be called concurrently from HTTP threads.
#pragma once
#include <cstddef>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace sidecar {

inline constexpr size_t kDefaultEventPage = 100;
inline constexpr size_t kMaxEventPage = 500;

struct EventPage {
  std::vector<nlohmann::json> events;  // the webhook bodies, oldest first
  std::optional<std::string> next;     // the last event's id when the page is full, else none
};

// A webhook URL the service cannot use; what() is a sentence for the caller (no secret in it).
struct WebhookUrlError : std::invalid_argument {
  using std::invalid_argument::invalid_argument;
};

class EventService {
 public:
  virtual ~EventService() = default;
  // The tenant's events with an id after `after` (all when empty), at most `limit` (1..500).
  // Throws on storage failure.
  virtual EventPage events(const std::string& tenant, const std::string& after, size_t limit) = 0;
  // Whether webhooks can be signed (webhook_secret is set): a tenant URL needs it.
  virtual bool can_sign() const = 0;
  // The tenant's own webhook URL (nullopt: back to webhook_url). Throws WebhookUrlError for a
  // URL that is not http(s), other exceptions on storage failure.
  virtual void set_webhook_url(const std::string& tenant,
                               const std::optional<std::string>& url) = 0;
};

}  // namespace sidecar
