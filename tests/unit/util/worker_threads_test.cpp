// WorkerThreads: one thread runs tasks in posting order; several run them all; after stop()
// they run on the caller's thread.
#include <catch2/catch.hpp>

#include <atomic>
#include <stdexcept>
#include <thread>
#include <vector>

#include "util/worker_threads.hpp"

TEST_CASE("worker threads: one thread runs tasks in posting order", "[util][worker]") {
  util::WorkerThreads worker(1);
  std::vector<int> order;  // touched only by the worker thread until stop() joins it
  std::vector<std::thread::id> threads;
  for (int i = 0; i < 100; ++i) {
    worker.post([&, i] {
      order.push_back(i);
      threads.push_back(std::this_thread::get_id());
    });
  }
  worker.post([] { throw std::runtime_error("a failing task"); });  // logged, not fatal
  worker.post([&] { order.push_back(100); });
  worker.stop();
  REQUIRE(order.size() == 101);
  for (int i = 0; i <= 100; ++i) CHECK(order[i] == i);
  for (auto id : threads) CHECK(id == threads.front());
  CHECK(threads.front() != std::this_thread::get_id());
}

TEST_CASE("worker threads: stop() runs what tasks post while it drains", "[util][worker]") {
  util::WorkerThreads workers(3);
  std::atomic<int> ran{0};
  // Each task posts the next, as a sync step with more to do queues itself again.
  std::function<void(int)> chain = [&](int left) {
    ++ran;
    if (left > 0) workers.post([&chain, left] { chain(left - 1); });
  };
  for (int i = 0; i < 4; ++i) workers.post([&chain] { chain(9); });
  workers.stop();
  CHECK(ran == 40);
}

TEST_CASE("worker threads: after stop() a task runs at once on the caller's thread",
          "[util][worker]") {
  util::WorkerThreads worker(2);
  worker.stop();
  worker.stop();  // idempotent
  std::thread::id ran_on;
  worker.post([&] { ran_on = std::this_thread::get_id(); });
  CHECK(ran_on == std::this_thread::get_id());
}
