#include "util/serial_worker.hpp"

#include <exception>

#include "util/log.hpp"

namespace util {

SerialWorker::SerialWorker() : thread_([this] { run(); }) {}

SerialWorker::~SerialWorker() { stop(); }

void SerialWorker::post(std::function<void()> task) {
  {
    std::lock_guard<std::mutex> lk(mu_);
    if (!exited_) {
      queue_.push_back(std::move(task));
      cv_.notify_one();
      return;
    }
  }
  run_one(task);
}

void SerialWorker::stop() {
  {
    std::lock_guard<std::mutex> lk(mu_);
    stopping_ = true;
  }
  cv_.notify_one();
  if (thread_.joinable()) thread_.join();
}

void SerialWorker::run() {
  for (;;) {
    std::function<void()> task;
    {
      std::unique_lock<std::mutex> lk(mu_);
      cv_.wait(lk, [&] { return stopping_ || !queue_.empty(); });
      if (queue_.empty()) {
        exited_ = true;  // under the lock: a post() after this runs on its own thread
        return;
      }
      task = std::move(queue_.front());
      queue_.pop_front();
    }
    run_one(task);
  }
}

void SerialWorker::run_one(const std::function<void()>& task) {
  try {
    task();
  } catch (const std::exception& e) {
    log::error("background_task_failed", "", {{"error", e.what()}});
  }
}

}  // namespace util
