// Polling for the client tests: the client works on its own io thread, tests wait for effects.
#pragma once
#include <chrono>
#include <functional>
#include <thread>

namespace client_test {

// Polls pred every 5 ms until it holds or `limit` passes; returns its last value.
inline bool eventually(const std::function<bool()>& pred,
                       std::chrono::milliseconds limit = std::chrono::seconds(10)) {
  const auto deadline = std::chrono::steady_clock::now() + limit;
  while (std::chrono::steady_clock::now() < deadline) {
    if (pred()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  return pred();
}

}  // namespace client_test
