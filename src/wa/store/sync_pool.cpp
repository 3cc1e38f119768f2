#include "wa/store/sync_pool.hpp"

#include "wa/store/device_store.hpp"

namespace wa::store {

SyncPool::SyncPool(size_t threads) {
  if (threads == 0) threads = 1;
  live_ = threads;
  for (size_t i = 0; i < threads; ++i) threads_.emplace_back([this] { run(); });
}

SyncPool::~SyncPool() { stop(); }

void SyncPool::stop() {
  {
    std::lock_guard<std::mutex> lk(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  for (auto& t : threads_) {
    if (t.joinable()) t.join();
  }
  threads_.clear();
}

void SyncPool::schedule(std::shared_ptr<Store> store) {
  {
    std::lock_guard<std::mutex> lk(mu_);
    if (live_ > 0) {  // a live thread checks the queue again before it exits
      queue_.push_back(std::move(store));
      cv_.notify_one();
      return;
    }
  }
  // Stopped: nobody else will serve it.
  while (store->sync_step()) {
  }
}

void SyncPool::run() {
  for (;;) {
    std::shared_ptr<Store> store;
    {
      std::unique_lock<std::mutex> lk(mu_);
      cv_.wait(lk, [&] { return stopping_ || !queue_.empty(); });
      if (queue_.empty()) {  // stopping, and everything asked for is done
        --live_;
        return;
      }
      store = std::move(queue_.front());
      queue_.pop_front();
    }
    // A store with more to do goes to the back of the queue: the others get their turn.
    if (store->sync_step()) {
      std::lock_guard<std::mutex> lk(mu_);
      queue_.push_back(std::move(store));
      cv_.notify_one();
    }
  }
}

}  // namespace wa::store
