#include "util/worker_threads.hpp"

#include <exception>

#include "util/log.hpp"

namespace util {

WorkerThreads::WorkerThreads(size_t threads) {
  if (threads == 0) threads = 1;
  live_ = threads;
  for (size_t i = 0; i < threads; ++i) threads_.emplace_back([this] { run(); });
}

WorkerThreads::~WorkerThreads() { stop(); }

void WorkerThreads::post(std::function<void()> task) {
  {
    std::lock_guard<std::mutex> lk(mu_);
    if (live_ > 0) {  // a live thread checks the queue again before it exits
      queue_.push_back(std::move(task));
      cv_.notify_one();
      return;
    }
  }
  run_one(task);
}

void WorkerThreads::stop() {
  {
    std::lock_guard<std::mutex> lk(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  for (auto& t : threads_) {
    if (t.joinable()) t.join();
  }
}

void WorkerThreads::run() {
  for (;;) {
    std::function<void()> task;
    {
      std::unique_lock<std::mutex> lk(mu_);
      cv_.wait(lk, [&] { return stopping_ || !queue_.empty(); });
      if (queue_.empty()) {
        --live_;  // under the lock: a post() after the last exit runs on its caller's thread
        return;
      }
      task = std::move(queue_.front());
      queue_.pop_front();
    }
    run_one(task);
  }
}

void WorkerThreads::run_one(const std::function<void()>& task) {
  try {
    task();
  } catch (const std::exception& e) {
    log::error("background_task_failed", "", {{"error", e.what()}});
  }
}

}  // namespace util
