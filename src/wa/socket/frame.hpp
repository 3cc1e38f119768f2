// Frame layer (PROTOCOL.md §1): every payload, handshake or transport, travels as
// len(3 bytes, big-endian) || payload; WebSocket message boundaries are unrelated to frames.
// The client puts the intro header 57 41 06 03 in front of its very first frame.
#pragma once
#include <deque>
#include <optional>
#include <stdexcept>
#include "util/bytes.hpp"

namespace wa::socket {

using util::Bytes;

inline constexpr uint8_t kIntroHeader[4] = {'W', 'A', 6, 3};  // magic 6, dictionary version 3
inline constexpr size_t kFrameMaxSize = 1u << 24;             // len must be < 2^24

struct FrameError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// len || payload. Throws FrameError when payload.size() >= kFrameMaxSize.
Bytes encode_frame(const Bytes& payload);

// Reassembles frames from arbitrary chunks (a header may be split across chunks).
// Not thread-safe; one per connection.
class FrameReader {
 public:
  // expect_intro: the server side strips the client's 4-byte intro header first and throws
  // FrameError if it is wrong.
  explicit FrameReader(bool expect_intro = false) : intro_pending_(expect_intro) {}
  void feed(const uint8_t* data, size_t len);
  void feed(const Bytes& b) { feed(b.data(), b.size()); }
  std::optional<Bytes> next();  // a complete frame payload, or nullopt if more bytes are needed
  size_t buffered() const { return buf_.size(); }

 private:
  bool intro_pending_;
  std::deque<uint8_t> buf_;
};

}  // namespace wa::socket
