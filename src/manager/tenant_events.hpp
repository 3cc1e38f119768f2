// One tenant's webhook events (README "Webhooks"): turns what its Client reports into events.
//
// - message.received and message.status are staged in the tenant's store inside the Client's
//   transaction (wa/incoming.hpp EventSink), then relayed to the outbox once the commit is on
//   disk, each with its staged source key so a relay repeated after a crash stores it once. A
//   relay that fails leaves the events staged for the next one (the next commit, the next
//   session start, the session's removal).
// - session.status is published when the derived status or the QR changes; the first one of a
//   process has no previousStatus.
//
// Threads: the EventSink calls run on the client's network thread and only touch the store
// inside its transaction. committed() and status_changed() hand the outbox work (a commit and a
// sync of events.db each) to the background worker, in call order; relay() and finish() block
// and run on the caller's thread. A mutex orders them. Must be owned by a std::shared_ptr for
// committed() and status_changed().
#pragma once
#include <atomic>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

#include "manager/session_service.hpp"
#include "util/worker_threads.hpp"
#include "wa/incoming.hpp"
#include "wa/store/device_store.hpp"
#include "webhooks/deliverer.hpp"

namespace sidecar {

class TenantEvents : public wa::EventSink, public std::enable_shared_from_this<TenantEvents> {
 public:
  // `worker` and `deliverer` must outlive the TenantEvents; `worker` has one thread, so what is
  // handed to it runs in call order.
  TenantEvents(std::string tenant, std::shared_ptr<wa::store::Store> store,
               webhooks::Deliverer& deliverer, util::WorkerThreads& worker);

  void message_received(const wa::IncomingMessage& message) override;
  void message_status(const wa::MessageStatusUpdate& update) override;
  // A relay on the worker, after the store's sync (one queued relay serves many commits).
  void committed() override;

  // Moves every staged event to the outbox, oldest first. Returns false when some stayed
  // staged (logged).
  bool relay();

  // Publishes session.status (on the worker) when view.status or view.qr_sequence differ from
  // the last one published. When the outbox fails, the change is logged and skipped: the next
  // event's previousStatus is the last status actually published.
  void status_changed(const SessionView& view);
  // Publishes the session's last status (logged_out after a DELETE) unless it was the last one
  // published, and ignores every status_changed() after it: stopping the removed session's
  // client must not report it as reconnecting.
  void finish(const SessionView& view);

 private:
  void stage(webhooks::EventType type, const nlohmann::json& data);

  const std::string tenant_;
  const std::shared_ptr<wa::store::Store> store_;
  webhooks::Deliverer& deliverer_;
  util::WorkerThreads& worker_;
  std::atomic<bool> relay_queued_{false};
  std::mutex mu_;
  void publish_status(const SessionView& view);  // with mu_ held
  // Runs task on the worker unless this TenantEvents is gone by then: a session being removed
  // publishes its last events itself, and a queued task must not keep its store open.
  void post_while_alive(std::function<void(TenantEvents&)> task);

  std::optional<std::string> status_;
  int qr_sequence_ = -1;
  bool finished_ = false;
};

}  // namespace sidecar
