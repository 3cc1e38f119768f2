// A webhook event: what happened (type), to which tenant, when, and the type's data object.
// Its JSON body is what is posted and signed:
//   {"id":"<event id>","type":"message.received","tenantId":"acme",
//    "timestamp":"2026-11-23T14:00:00.123Z","data":{...}}
// The producers of each type own the shape of its data; this module carries it as given.
//
// Contract: Event is a plain value; the functions are pure and thread-safe.
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "webhooks/event_id.hpp"

namespace webhooks {

enum class EventType { session_status, message_received, message_status };

// "session.status", "message.received", "message.status": the body's type, a metric label.
const char* type_name(EventType type);
std::optional<EventType> parse_event_type(std::string_view name);
const std::vector<EventType>& all_event_types();

struct Event {
  std::string id;  // an event id (event_id.hpp): unique, sorts in creation order
  EventType type = EventType::session_status;
  std::string tenant_id;
  int64_t created_ms = 0;                           // unix milliseconds
  nlohmann::json data = nlohmann::json::object();  // always a JSON object
};
bool operator==(const Event& a, const Event& b);
inline bool operator!=(const Event& a, const Event& b) { return !(a == b); }

// A new event with an id from `ids`. Throws std::invalid_argument for an empty tenant id or
// data that is not a JSON object.
Event make_event(EventIdGenerator& ids, EventType type, const std::string& tenant_id,
                 nlohmann::json data, int64_t now_ms);

// The compact JSON body, keys in the order shown above; the timestamp is created_ms as the API
// writes times (ISO-8601 UTC with milliseconds). The same event always gives the same bytes,
// so every retry posts an identical body.
std::string event_body(const Event& event);

}  // namespace webhooks
