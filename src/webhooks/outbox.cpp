#include "webhooks/outbox.hpp"

namespace webhooks {

const char* state_name(DeliveryState state) {
  switch (state) {
    case DeliveryState::pending: return "pending";
    case DeliveryState::delivered: return "delivered";
    case DeliveryState::failed: return "failed";
  }
  return "unknown";
}

bool Outbox::append(const Event& event, const std::string& source_key) {
  return append_all({KeyedEvent{event, source_key}}).front();
}

}  // namespace webhooks
