// Frame layer (PROTOCOL.md §1): len(3 bytes, big-endian) || payload, reassembled from arbitrary
// WebSocket message boundaries (whatsmeow socket/framesocket.go processData even handles a
// length header split across messages).
#include "wa/socket/frame.hpp"

#include <algorithm>
#include <iterator>

namespace wa::socket {

namespace {
constexpr size_t kLengthSize = 3;
}

Bytes encode_frame(const Bytes& payload) {
  // whatsmeow SendFrame refuses len >= FrameMaxSize (1<<24); the 3-byte field cannot hold it.
  if (payload.size() >= kFrameMaxSize) throw FrameError("frame payload too large");
  Bytes out;
  out.reserve(kLengthSize + payload.size());
  const size_t n = payload.size();
  out.push_back(static_cast<uint8_t>(n >> 16));
  out.push_back(static_cast<uint8_t>(n >> 8));
  out.push_back(static_cast<uint8_t>(n));
  out.insert(out.end(), payload.begin(), payload.end());
  return out;
}

void FrameReader::feed(const uint8_t* data, size_t len) {
  if (len == 0) return;
  buf_.insert(buf_.end(), data, data + len);
  if (!intro_pending_) return;
  // Server side: the client's first bytes must be the 4-byte intro header (57 41 06 03).
  // Check whatever prefix has arrived so a wrong header fails as early as possible.
  const size_t have = std::min(buf_.size(), sizeof kIntroHeader);
  if (!std::equal(buf_.begin(), buf_.begin() + have, kIntroHeader)) throw FrameError("bad intro header");
  if (have == sizeof kIntroHeader) {
    buf_.erase(buf_.begin(), buf_.begin() + have);
    intro_pending_ = false;
  }
}

std::optional<Bytes> FrameReader::next() {
  if (intro_pending_ || buf_.size() < kLengthSize) return std::nullopt;
  const size_t len = (size_t(buf_[0]) << 16) | (size_t(buf_[1]) << 8) | size_t(buf_[2]);
  if (buf_.size() - kLengthSize < len) return std::nullopt;
  auto begin = buf_.begin() + kLengthSize;
  Bytes payload(begin, begin + len);
  buf_.erase(buf_.begin(), begin + len);
  return payload;
}

}  // namespace wa::socket
