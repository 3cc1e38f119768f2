// One thread that runs posted tasks in order: the place for blocking work (a store's sync wait,
// the webhook outbox's commits, closing a database) that must stay off the network threads.
// Thread-safety: post() and stop() may be called from any thread.
#pragma once
#include <condition_variable>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>

namespace util {

class SerialWorker {
 public:
  SerialWorker();
  ~SerialWorker();  // stop()
  SerialWorker(const SerialWorker&) = delete;
  SerialWorker& operator=(const SerialWorker&) = delete;

  // Runs task after every task posted before it. After stop(), runs it on the caller's thread.
  // A task that throws is logged; the tasks after it still run.
  void post(std::function<void()> task);
  // Runs what is queued, then joins the thread. Idempotent.
  void stop();

 private:
  void run();
  static void run_one(const std::function<void()>& task);

  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::function<void()>> queue_;
  bool stopping_ = false;
  bool exited_ = false;
  std::thread thread_;
};

}  // namespace util
