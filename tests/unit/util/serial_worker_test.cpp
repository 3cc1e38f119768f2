// SerialWorker: tasks run in order on one thread; after stop() on the caller's.
#include <catch2/catch.hpp>

#include <stdexcept>
#include <thread>
#include <vector>

#include "util/serial_worker.hpp"

TEST_CASE("serial worker: tasks run in posting order on one other thread", "[util][worker]") {
  util::SerialWorker worker;
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

TEST_CASE("serial worker: after stop() a task runs at once on the caller's thread",
          "[util][worker]") {
  util::SerialWorker worker;
  worker.stop();
  worker.stop();  // idempotent
  std::thread::id ran_on;
  worker.post([&] { ran_on = std::this_thread::get_id(); });
  CHECK(ran_on == std::this_thread::get_id());
}
