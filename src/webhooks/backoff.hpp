// The pause before retrying a failed delivery: exponential from 1 s, doubling per failure, capped
// at 5 min, drawn uniformly from [window / 2, window] so that tenants whose endpoint failed
// together (a gateway outage) do not all retry in the same second.
//
// Contract: pure functions, thread-safe.
#pragma once
#include <cstdint>

namespace webhooks {

inline constexpr int64_t kBackoffFirstMs = 1000;
inline constexpr int64_t kBackoffCapMs = 5 * 60 * 1000;

// The window after the n-th consecutive failure (n >= 1): 1 s, 2 s, 4 s, ... 5 min. Throws
// std::invalid_argument for n < 1.
int64_t backoff_window_ms(int failures);

// A delay in [window / 2, window], chosen by `random` (any 32-bit value, uniformly drawn).
int64_t backoff_delay_ms(int failures, uint32_t random);

}  // namespace webhooks
