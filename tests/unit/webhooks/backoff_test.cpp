// The retry pause: doubling windows from 1 s capped at 5 min, jittered within [w/2, w].
#include <catch2/catch.hpp>

#include <algorithm>
#include <cstdint>
#include <limits>
#include <random>

#include "webhooks/backoff.hpp"

using webhooks::backoff_delay_ms;
using webhooks::backoff_window_ms;

TEST_CASE("backoff: windows double from 1 s and stop at 5 min", "[webhooks][backoff]") {
  const int64_t expected[] = {1000, 2000, 4000, 8000, 16000, 32000, 64000, 128000, 256000, 300000};
  for (int n = 1; n <= 10; ++n) {
    INFO("failure " << n);
    CHECK(backoff_window_ms(n) == expected[n - 1]);
  }
  CHECK(backoff_window_ms(11) == 300000);
  CHECK(backoff_window_ms(std::numeric_limits<int>::max()) == 300000);
  CHECK_THROWS_AS(backoff_window_ms(0), std::invalid_argument);
}

TEST_CASE("backoff: the delay spans [w/2, w], both ends reachable", "[webhooks][backoff]") {
  CHECK(backoff_delay_ms(1, 0) == 500);
  CHECK(backoff_delay_ms(1, 500) == 1000);
  CHECK(backoff_delay_ms(1, 501) == 500);
  CHECK(backoff_delay_ms(20, 0) == 150000);
  CHECK(backoff_delay_ms(20, 150000) == 300000);
  std::mt19937 rng(Catch::rngSeed());
  for (int n = 1; n <= 15; ++n) {
    const int64_t w = backoff_window_ms(n);
    int64_t lo = w, hi = 0;
    for (int i = 0; i < 2000; ++i) {
      const int64_t d = backoff_delay_ms(n, static_cast<uint32_t>(rng()));
      lo = std::min(lo, d);
      hi = std::max(hi, d);
    }
    INFO("failure " << n << ", window " << w);
    CHECK(lo >= w / 2);
    CHECK(hi <= w);
    // Spread across the window, not stuck at one end.
    CHECK(hi - lo > w / 4);
  }
}
