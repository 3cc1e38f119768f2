// Event ids: ULIDs (github.com/ulid/spec), 26 characters of Crockford base32 encoding a 48-bit
// unix time in milliseconds followed by 80 random bits. As text they sort in creation order, so
// a reader paging with after=<id> keeps its place even when the event that id named has expired,
// and they never contain '.', which the webhook signature uses as its separator.
//
// Contract: EventIdGenerator::next is thread-safe and strictly increasing per generator: within
// one millisecond, or if the clock steps back, the previous id's random part is incremented
// instead of drawn anew (the ULID "monotonic" rule). The free functions are pure.
#pragma once
#include <cstdint>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>

namespace webhooks {

inline constexpr size_t kEventIdLength = 26;

class EventIdGenerator {
 public:
  // random fills its buffer with random bytes; the default is the CSPRNG (util::crypto).
  using RandomFill = std::function<void(uint8_t* out, size_t n)>;
  EventIdGenerator();
  explicit EventIdGenerator(RandomFill random);

  // A new id for an event created at unix_ms (0 .. 2^48 - 1, else std::invalid_argument).
  std::string next(int64_t unix_ms);

 private:
  RandomFill random_;
  std::mutex mu_;
  int64_t last_ms_ = -1;
  unsigned __int128 last_random_ = 0;  // 80 bits used
};

// True for a canonical id: 26 characters of upper-case Crockford base32 whose time fits 48 bits.
bool is_event_id(std::string_view id);
// The creation time an id encodes, or std::nullopt when it is not a canonical id.
std::optional<int64_t> event_id_time_ms(std::string_view id);

}  // namespace webhooks
