// Webhook delivery on worker threads of its own: never on a WhatsApp network thread nor on the
// HTTP server's. Producers call enqueue() from any thread; it returns once the event is stored,
// and the workers post it (DeliveryQueues holds the policy: order, retries, give-up, expiry).
//
// Threads: each worker runs DeliveryQueues::run_one() and sleeps until the next due time or a
// wake-up (enqueue, URL change). A post occupies one worker for at most about the poster's
// timeout; a tenant in backoff occupies none. So one dead endpoint costs other tenants nothing,
// and `threads` hanging endpoints at the same moment delay others by at most that timeout.
//
// Lifetime: the constructor starts the threads; stop() (or the destructor) lets posts in flight
// finish, bounded by the poster's timeout, and joins. Events not yet delivered stay pending in
// the outbox for the next instance.
//
// Thread-safety: enqueue(), enqueue_once(), enqueue_all_once() and set_tenant_url() may be
// called from any thread, also during stop() (the events are stored and wait for the next
// instance).
#pragma once
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "webhooks/delivery_queues.hpp"

namespace webhooks {

// Enough that several endpoints can hang at once without delaying the rest; few enough to be
// negligible when idle (each waits on a condition variable).
inline constexpr size_t kDefaultDeliveryThreads = 8;

class Deliverer {
 public:
  // Throws what DeliveryQueues' constructor throws, std::invalid_argument for no threads.
  Deliverer(DeliveryOptions options, Outbox& outbox, Poster& poster, const Clock& clock,
            Metrics& metrics, size_t threads = kDefaultDeliveryThreads);
  ~Deliverer();
  Deliverer(const Deliverer&) = delete;
  Deliverer& operator=(const Deliverer&) = delete;

  // DeliveryQueues::enqueue, then a wake-up: stored when it returns, posted soon after.
  Event enqueue(EventType type, const std::string& tenant, nlohmann::json data);
  // DeliveryQueues::enqueue_once, then a wake-up if the event was stored.
  std::optional<Event> enqueue_once(EventType type, const std::string& tenant,
                                    nlohmann::json data, const std::string& source_key);
  // DeliveryQueues::enqueue_all_once, then one wake-up if any event was stored.
  std::vector<Event> enqueue_all_once(const std::string& tenant,
                                      std::vector<DeliveryQueues::Relayed> events);
  // DeliveryQueues::set_tenant_url, then a wake-up.
  void set_tenant_url(const std::string& tenant, const std::optional<std::string>& url);

  // Stops and joins the workers (idempotent).
  void stop();

 private:
  void work();
  void wake();

  const Clock& clock_;
  DeliveryQueues queues_;
  std::mutex mu_;
  std::condition_variable cv_;
  uint64_t wakes_ = 0;
  bool stopping_ = false;
  std::vector<std::thread> threads_;
};

}  // namespace webhooks
