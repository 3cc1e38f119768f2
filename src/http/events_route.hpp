// GET /events and the webhook part of POST /session (README "Webhooks"): query and body
// validation, and the response body. Pure functions, unit-tested without a server.
#pragma once
#include <cstddef>
#include <optional>
#include <string>
#include <variant>

#include <nlohmann/json.hpp>

#include "http/json_envelope.hpp"
#include "manager/event_service.hpp"

namespace sidecar::http {

struct EventQuery {
  std::string after;  // empty: from the oldest kept event
  size_t limit = kDefaultEventPage;
};

// The query of a request target ("/events?after=01J...&limit=50"): `after` an event id (26
// characters of Crockford base32, as the ids are), `limit` an integer 1..500. Other parameters
// are ignored; a repeated or malformed one is a 400 invalid_query.
std::variant<EventQuery, ApiError> parse_event_query(const std::string& target);

// {"events": [...], "next": id or null}
nlohmann::json event_page_json(const EventPage& page);

// The webhookUrl field of POST /session's body: absent (nothing to change), a string (the
// tenant's URL) or null (back to webhook_url).
struct WebhookUrlChange {
  bool present = false;
  std::optional<std::string> url;
};
std::variant<WebhookUrlChange, ApiError> parse_webhook_url_field(const nlohmann::json& body);

}  // namespace sidecar::http
