#include "webhooks/backoff.hpp"

#include <stdexcept>

namespace webhooks {

int64_t backoff_window_ms(int failures) {
  if (failures < 1) throw std::invalid_argument("backoff: failures must be at least 1");
  int64_t window = kBackoffFirstMs;
  for (int i = 1; i < failures && window < kBackoffCapMs; ++i) window *= 2;
  return window < kBackoffCapMs ? window : kBackoffCapMs;
}

int64_t backoff_delay_ms(int failures, uint32_t random) {
  const int64_t window = backoff_window_ms(failures);
  const int64_t half = window / 2;
  // random spread over [0, half]: the top of the window is reachable.
  return half + static_cast<int64_t>(random % static_cast<uint64_t>(half + 1));
}

}  // namespace webhooks
