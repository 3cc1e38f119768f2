#include "webhooks/event_id.hpp"

#include <stdexcept>

#include "util/crypto.hpp"

namespace webhooks {
namespace {

constexpr char kAlphabet[] = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";  // Crockford: no I, L, O, U
constexpr int kTimeChars = 10;                                     // 50 bits hold the 48
constexpr int kRandomChars = 16;                                   // exactly 80 bits
constexpr int64_t kMaxTime = (int64_t{1} << 48) - 1;
constexpr unsigned __int128 kRandomMask = (static_cast<unsigned __int128>(1) << 80) - 1;

int digit_value(char c) {
  for (int i = 0; i < 32; ++i) {
    if (kAlphabet[i] == c) return i;
  }
  return -1;
}

void append_base32(unsigned __int128 value, int chars, std::string* out) {
  for (int i = chars - 1; i >= 0; --i) {
    out->push_back(kAlphabet[static_cast<int>((value >> (5 * i)) & 31)]);
  }
}

}  // namespace

EventIdGenerator::EventIdGenerator()
    : random_([](uint8_t* out, size_t n) {
        const util::Bytes r = util::crypto::random_bytes(n);
        std::copy(r.begin(), r.end(), out);
      }) {}

EventIdGenerator::EventIdGenerator(RandomFill random) : random_(std::move(random)) {}

std::string EventIdGenerator::next(int64_t unix_ms) {
  if (unix_ms < 0 || unix_ms > kMaxTime) {
    throw std::invalid_argument("event id: time outside 0 .. 2^48-1 ms");
  }
  std::lock_guard<std::mutex> lk(mu_);
  if (unix_ms > last_ms_) {
    uint8_t bytes[10];
    random_(bytes, sizeof bytes);
    unsigned __int128 r = 0;
    for (uint8_t b : bytes) r = (r << 8) | b;
    last_ms_ = unix_ms;
    last_random_ = r;
  } else if (last_random_ == kRandomMask) {
    // 2^80 ids in one millisecond cannot happen from real draws; should the random source
    // misbehave, borrowing the next millisecond keeps ids unique and sorted.
    if (last_ms_ == kMaxTime) throw std::overflow_error("event id: time exhausted");
    ++last_ms_;
    last_random_ = 0;
  } else {
    ++last_random_;
  }
  std::string id;
  id.reserve(kEventIdLength);
  append_base32(static_cast<unsigned __int128>(last_ms_), kTimeChars, &id);
  append_base32(last_random_, kRandomChars, &id);
  return id;
}

bool is_event_id(std::string_view id) { return event_id_time_ms(id).has_value(); }

std::optional<int64_t> event_id_time_ms(std::string_view id) {
  if (id.size() != kEventIdLength) return std::nullopt;
  int64_t time = 0;
  for (size_t i = 0; i < id.size(); ++i) {
    const int v = digit_value(id[i]);
    if (v < 0) return std::nullopt;
    if (i < static_cast<size_t>(kTimeChars)) time = (time << 5) | v;
  }
  if (time > kMaxTime) return std::nullopt;  // a first character above '7'
  return time;
}

}  // namespace webhooks
