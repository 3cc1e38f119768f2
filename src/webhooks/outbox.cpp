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

}  // namespace webhooks
