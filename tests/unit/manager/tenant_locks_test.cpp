// TenantLocks: one create / restore / delete at a time per tenant, tenants independent.
#include <catch2/catch.hpp>

#include <atomic>
#include <chrono>
#include <future>
#include <thread>
#include <vector>

#include "manager/tenant_locks.hpp"

using namespace std::chrono_literals;
using sidecar::TenantLocks;

TEST_CASE("turns of one tenant are held one at a time") {
  TenantLocks locks;
  std::atomic<int> inside{0}, most{0}, done{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < 8; ++i) {
    threads.emplace_back([&] {
      for (int round = 0; round < 20; ++round) {
        auto turn = locks.acquire("acme");
        const int now = ++inside;
        int seen = most.load();
        while (now > seen && !most.compare_exchange_weak(seen, now)) {
        }
        std::this_thread::sleep_for(100us);
        --inside;
        ++done;
      }
    });
  }
  for (auto& t : threads) t.join();
  CHECK(done == 8 * 20);
  CHECK(most == 1);
}

TEST_CASE("a held turn blocks its tenant only, until it is released") {
  TenantLocks locks;
  std::promise<void> held, release;
  auto holder = std::async(std::launch::async, [&] {
    auto turn = locks.acquire("acme");
    held.set_value();
    release.get_future().wait();
  });
  held.get_future().wait();
  auto same = std::async(std::launch::async, [&] { auto turn = locks.acquire("acme"); });
  auto other = std::async(std::launch::async, [&] { auto turn = locks.acquire("globex"); });
  CHECK(other.wait_for(2s) == std::future_status::ready);
  CHECK(same.wait_for(100ms) == std::future_status::timeout);
  release.set_value();
  CHECK(same.wait_for(2s) == std::future_status::ready);
  holder.get();
}
