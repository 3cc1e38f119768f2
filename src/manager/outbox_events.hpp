// EventService over the webhook outbox and deliverer (README "Webhooks").
#pragma once
#include "manager/event_service.hpp"
#include "webhooks/deliverer.hpp"
#include "webhooks/outbox.hpp"

namespace sidecar {

class OutboxEvents : public EventService {
 public:
  // The references must outlive this object.
  OutboxEvents(webhooks::Outbox& outbox, webhooks::Deliverer& deliverer, bool can_sign)
      : outbox_(outbox), deliverer_(deliverer), can_sign_(can_sign) {}

  EventPage events(const std::string& tenant, const std::string& after, size_t limit) override;
  bool can_sign() const override { return can_sign_; }
  void set_webhook_url(const std::string& tenant, const std::optional<std::string>& url) override;

 private:
  webhooks::Outbox& outbox_;
  webhooks::Deliverer& deliverer_;
  const bool can_sign_;
};

}  // namespace sidecar
