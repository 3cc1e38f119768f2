#include "webhooks/event.hpp"

#include <stdexcept>

#include "util/iso_time.hpp"

namespace webhooks {

const char* type_name(EventType type) {
  switch (type) {
    case EventType::session_status: return "session.status";
    case EventType::message_received: return "message.received";
    case EventType::message_status: return "message.status";
  }
  return "unknown";
}

std::optional<EventType> parse_event_type(std::string_view name) {
  for (EventType t : all_event_types()) {
    if (name == type_name(t)) return t;
  }
  return std::nullopt;
}

const std::vector<EventType>& all_event_types() {
  static const std::vector<EventType> kTypes = {
      EventType::session_status, EventType::message_received, EventType::message_status};
  return kTypes;
}

bool operator==(const Event& a, const Event& b) {
  return a.id == b.id && a.type == b.type && a.tenant_id == b.tenant_id &&
         a.created_ms == b.created_ms && a.data == b.data;
}

Event make_event(EventIdGenerator& ids, EventType type, const std::string& tenant_id,
                 nlohmann::json data, int64_t now_ms) {
  if (tenant_id.empty()) throw std::invalid_argument("webhook event: empty tenant id");
  if (now_ms < 0) throw std::invalid_argument("webhook event: negative time");
  if (!data.is_object()) throw std::invalid_argument("webhook event: data must be an object");
  Event e;
  e.id = ids.next(now_ms);
  e.type = type;
  e.tenant_id = tenant_id;
  e.created_ms = now_ms;
  e.data = std::move(data);
  return e;
}

std::string event_body(const Event& event) {
  // ordered_json keeps the documented key order; data keeps its own (sorted) order.
  nlohmann::ordered_json body;
  body["id"] = event.id;
  body["type"] = type_name(event.type);
  body["tenantId"] = event.tenant_id;
  if (event.created_ms < 0) throw std::invalid_argument("webhook event: negative time");
  body["timestamp"] = util::iso8601_utc_ms(event.created_ms);
  body["data"] = event.data;
  // Invalid UTF-8 in a producer's strings becomes U+FFFD rather than an exception that
  // would make the event undeliverable forever.
  return body.dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace);
}

}  // namespace webhooks
