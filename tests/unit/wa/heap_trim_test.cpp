// trim_heap_soon (issue 4): one delayed trim per burst of requests, and a new one after it ran
// or after its io_context went away unrun.
#include <catch2/catch.hpp>

#include <asio/io_context.hpp>
#include <chrono>

#include "wa/heap_trim.hpp"

TEST_CASE("trim_heap_soon: a burst of requests runs one trim after the delay", "[heap]") {
  {
    asio::io_context gone;
    wa::trim_heap_soon(gone);  // destroyed before it runs: must not block later trims
  }
  asio::io_context io;
  const auto t0 = std::chrono::steady_clock::now();
  for (int i = 0; i < 100; ++i) wa::trim_heap_soon(io);
  CHECK(io.run() == 1);  // one handler for the 100 requests
  CHECK(std::chrono::steady_clock::now() - t0 >= wa::kHeapTrimDelay);
  io.restart();
  wa::trim_heap_soon(io);
  CHECK(io.run() == 1);  // scheduled again once the first one ran
}
