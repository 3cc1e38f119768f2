// Wall-clock time for delivery: event creation times, the webhook-timestamp header, retry and
// give-up deadlines. An interface so the delivery tests run a day of retries with a manual
// clock, without sleeping.
//
// Contract: now_ms() is thread-safe.
#pragma once
#include <cstdint>

namespace webhooks {

class Clock {
 public:
  virtual ~Clock() = default;
  virtual int64_t now_ms() const = 0;  // unix milliseconds
};

class SystemClock : public Clock {
 public:
  int64_t now_ms() const override;
};

}  // namespace webhooks
