#include "manager/outbox_events.hpp"

#include "webhooks/url.hpp"

namespace sidecar {

EventPage OutboxEvents::events(const std::string& tenant, const std::string& after, size_t limit) {
  EventPage page;
  for (const webhooks::StoredEvent& stored : outbox_.list(tenant, after, limit)) {
    // The same bytes as the webhook body: one format for push and pull.
    page.events.push_back(nlohmann::json::parse(webhooks::event_body(stored.event)));
  }
  if (!page.events.empty() && page.events.size() == limit) {
    page.next = page.events.back().at("id").get<std::string>();
  }
  return page;
}

void OutboxEvents::set_webhook_url(const std::string& tenant,
                                   const std::optional<std::string>& url) {
  if (url) {
    std::string reason;
    if (!webhooks::parse_endpoint_url(*url, &reason)) throw WebhookUrlError(reason);
  }
  deliverer_.set_tenant_url(tenant, url);
}

}  // namespace sidecar
