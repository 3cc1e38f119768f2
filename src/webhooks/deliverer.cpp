#include "webhooks/deliverer.hpp"

#include <algorithm>
#include <chrono>
#include <exception>
#include <stdexcept>

#include "util/log.hpp"

namespace webhooks {
namespace {

// A sleeping worker re-reads the schedule at least this often, so a wall clock that jumps
// forward is noticed within a minute.
constexpr int64_t kMaxSleepMs = 60 * 1000;
// After an unexpected exception, the pause before the worker tries again (no busy loop).
constexpr int64_t kErrorPauseMs = 1000;

}  // namespace

Deliverer::Deliverer(DeliveryOptions options, Outbox& outbox, Poster& poster, const Clock& clock,
                     Metrics& metrics, size_t threads)
    : clock_(clock), queues_(std::move(options), outbox, poster, clock, metrics) {
  if (threads == 0) throw std::invalid_argument("webhook delivery: no threads");
  threads_.reserve(threads);
  for (size_t i = 0; i < threads; ++i) threads_.emplace_back([this] { work(); });
}

Deliverer::~Deliverer() { stop(); }

void Deliverer::stop() {
  {
    std::lock_guard<std::mutex> lk(mu_);
    if (stopping_ && threads_.empty()) return;
    stopping_ = true;
  }
  cv_.notify_all();
  for (std::thread& t : threads_) t.join();
  threads_.clear();
}

Event Deliverer::enqueue(EventType type, const std::string& tenant, nlohmann::json data) {
  Event e = queues_.enqueue(type, tenant, std::move(data));
  wake();
  return e;
}

std::optional<Event> Deliverer::enqueue_once(EventType type, const std::string& tenant,
                                             nlohmann::json data, const std::string& source_key) {
  std::optional<Event> e = queues_.enqueue_once(type, tenant, std::move(data), source_key);
  if (e) wake();
  return e;
}

std::vector<Event> Deliverer::enqueue_all_once(const std::string& tenant,
                                               std::vector<DeliveryQueues::Relayed> events) {
  std::vector<Event> stored = queues_.enqueue_all_once(tenant, std::move(events));
  if (!stored.empty()) wake();
  return stored;
}

void Deliverer::set_tenant_url(const std::string& tenant, const std::optional<std::string>& url) {
  queues_.set_tenant_url(tenant, url);
  wake();
}

void Deliverer::wake() {
  {
    std::lock_guard<std::mutex> lk(mu_);
    ++wakes_;
  }
  cv_.notify_all();
}

void Deliverer::work() {
  std::unique_lock<std::mutex> lk(mu_);
  while (!stopping_) {
    const uint64_t seen = wakes_;
    lk.unlock();
    int64_t sleep_ms = 0;
    try {
      if (!queues_.run_one()) {
        sleep_ms = std::clamp<int64_t>(queues_.next_due_ms() - clock_.now_ms(), 0, kMaxSleepMs);
      }
    } catch (const std::exception& e) {
      // run_one turns outbox and poster failures into retries; what still escapes (bad_alloc)
      // is logged and retried after a pause rather than ending delivery.
      util::log::error("webhook_worker_error", "", {{"error", e.what()}});
      sleep_ms = kErrorPauseMs;
    }
    lk.lock();
    if (sleep_ms > 0) {
      cv_.wait_for(lk, std::chrono::milliseconds(sleep_ms),
                   [&] { return stopping_ || wakes_ != seen; });
    }
  }
}

}  // namespace webhooks
