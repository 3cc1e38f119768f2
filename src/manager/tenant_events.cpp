#include "manager/tenant_events.hpp"

#include "manager/event_data.hpp"
#include "util/crypto.hpp"
#include "util/log.hpp"
#include "wa/client.hpp"

namespace sidecar {
namespace {

// Relayed in batches so a long backlog (a restart after the outbox failed for a while) does not
// read every staged row at once.
constexpr size_t kRelayBatch = 100;

}  // namespace

TenantEvents::TenantEvents(std::string tenant, std::shared_ptr<wa::store::Store> store,
                           webhooks::Deliverer& deliverer, util::WorkerThreads& worker)
    : tenant_(std::move(tenant)), store_(std::move(store)), deliverer_(deliverer), worker_(worker) {}

void TenantEvents::stage(webhooks::EventType type, const nlohmann::json& data) {
  wa::store::Store::StagedEvent e;
  // Random, not a counter: a source key must never repeat for this tenant, also after its store
  // was deleted and created again, or the outbox would take a new event for an old one.
  e.source_key = util::hex_encode(util::crypto::random_bytes(16));
  e.type = webhooks::type_name(type);
  e.data = data.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  e.created_ms = wa::now_ms();
  store_->stage_event(e);
}

void TenantEvents::message_received(const wa::IncomingMessage& message) {
  stage(webhooks::EventType::message_received, message_received_data(message));
}

void TenantEvents::message_status(const wa::MessageStatusUpdate& update) {
  stage(webhooks::EventType::message_status, message_status_data(update));
}

void TenantEvents::post_while_alive(std::function<void(TenantEvents&)> task) {
  std::weak_ptr<TenantEvents> weak = shared_from_this();
  worker_.post([weak, task = std::move(task)] {
    if (auto self = weak.lock()) task(*self);
  });
}

void TenantEvents::committed() {
  if (relay_queued_.exchange(true)) return;  // the queued relay will see this commit's rows
  post_while_alive([](TenantEvents& self) {
    self.relay_queued_ = false;
    // An event leaves for the outbox only once what produced it cannot be lost; a failed sync
    // keeps the events staged (the session fails and a restart relays what is on disk).
    if (self.store_->wait_durable()) self.relay();
  });
}

bool TenantEvents::relay() {
  // One relay at a time per tenant: two would publish the same staged rows (harmless thanks to
  // the source keys, but wasted) and could interleave their order.
  std::lock_guard<std::mutex> lk(mu_);
  try {
    for (;;) {
      const auto batch = store_->staged_events(kRelayBatch);
      if (batch.empty()) return true;
      std::vector<webhooks::DeliveryQueues::Relayed> events;
      events.reserve(batch.size());
      for (const auto& staged : batch) {
        const auto type = webhooks::parse_event_type(staged.type);
        auto data = nlohmann::json::parse(staged.data, nullptr, /*allow_exceptions=*/false);
        if (!type || !data.is_object()) {
          // Written by this code, so only corruption gets here; keeping it would block every
          // later event of the tenant.
          util::log::error("staged_event_unreadable", tenant_, {{"type", staged.type}});
          continue;
        }
        events.push_back({*type, std::move(data), staged.source_key});
      }
      // One outbox commit for the batch, then one store commit removing it: a crash between the
      // two relays the batch again, and the source keys make that a no-op.
      deliverer_.enqueue_all_once(tenant_, std::move(events));
      store_->remove_staged_events(batch.back().seq);
      if (batch.size() < kRelayBatch) return true;
    }
  } catch (const std::exception& e) {
    util::log::error("event_relay_failed", tenant_, {{"error", e.what()}});
    return false;
  }
}

void TenantEvents::status_changed(const SessionView& view) {
  post_while_alive([view](TenantEvents& self) {
    std::lock_guard<std::mutex> lk(self.mu_);
    if (!self.finished_) self.publish_status(view);
  });
}

void TenantEvents::finish(const SessionView& view) {
  std::lock_guard<std::mutex> lk(mu_);
  if (!finished_) publish_status(view);
  finished_ = true;
}

void TenantEvents::publish_status(const SessionView& view) {
  if (status_ && *status_ == view.status && qr_sequence_ == view.qr_sequence) return;
  try {
    deliverer_.enqueue(webhooks::EventType::session_status, tenant_,
                       session_status_data(view, status_));
  } catch (const std::exception& e) {
    util::log::error("event_publish_failed", tenant_,
                     {{"type", "session.status"}, {"error", e.what()}});
    return;  // the next change tries again, with this one's status as previous
  }
  status_ = view.status;
  qr_sequence_ = view.qr_sequence;
}

}  // namespace sidecar
