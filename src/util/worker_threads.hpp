// A few threads that run posted tasks: the place for blocking work (a store's sync, the webhook
// outbox's commits, closing a database) that must stay off the network threads. With one
// thread, tasks run in posting order.
// Thread-safety: post() may be called from any thread, also from a task; stop() from any
// thread but a worker's own.
#pragma once
#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace util {

class WorkerThreads {
 public:
  explicit WorkerThreads(size_t threads = 1);  // 0 counts as 1
  ~WorkerThreads();  // stop()
  WorkerThreads(const WorkerThreads&) = delete;
  WorkerThreads& operator=(const WorkerThreads&) = delete;

  // Queues task (FIFO). Once every thread has exited (stop()), runs it on the caller's thread.
  // A task that throws is logged; the tasks after it still run.
  void post(std::function<void()> task);
  // Runs everything queued, including what those tasks post, then joins the threads.
  // Idempotent.
  void stop();

 private:
  void run();
  static void run_one(const std::function<void()>& task);

  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::function<void()>> queue_;
  bool stopping_ = false;
  size_t live_ = 0;  // threads that have not exited; checked and changed under mu_
  std::vector<std::thread> threads_;
};

}  // namespace util
