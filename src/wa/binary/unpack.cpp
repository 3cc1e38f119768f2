// Frame plaintext: flags byte, then the node, zlib-compressed when flags & 0x02
// (PROTOCOL.md §5; whatsmeow binary/unpack.go).
#include <zlib.h>

#include <cstring>

#include "wa/binary/codec.hpp"

namespace wa {
namespace {

constexpr uint8_t kFlagCompressed = 0x02;
// A frame can carry at most 16 MiB (whatsmeow socket.FrameMaxSize); nothing legitimate
// inflates beyond that, so larger output is treated as a zlib bomb.
constexpr size_t kMaxInflated = size_t(1) << 24;

// RFC 1950 stream (zlib header) as Go's compress/zlib reads it; bytes after the end of the
// stream are ignored like there.
Bytes inflate_zlib(const uint8_t* data, size_t len) {
  z_stream zs;
  std::memset(&zs, 0, sizeof zs);
  if (inflateInit(&zs) != Z_OK) throw DecodeError("zlib: inflateInit failed");
  struct Guard {
    z_stream* zs;
    ~Guard() { inflateEnd(zs); }
  } guard{&zs};

  zs.next_in = const_cast<Bytef*>(data);
  zs.avail_in = uInt(len);  // frames are < 16 MiB; checked by the caller
  Bytes out;
  uint8_t chunk[16384];
  for (;;) {
    zs.next_out = chunk;
    zs.avail_out = sizeof chunk;
    const int rc = inflate(&zs, Z_NO_FLUSH);
    if (rc != Z_OK && rc != Z_STREAM_END && rc != Z_BUF_ERROR)
      throw DecodeError(std::string("zlib: ") + (zs.msg ? zs.msg : "inflate failed"));
    const size_t produced = sizeof chunk - zs.avail_out;
    if (out.size() + produced > kMaxInflated) throw DecodeError("zlib: inflated frame too large");
    out.insert(out.end(), chunk, chunk + produced);
    if (rc == Z_STREAM_END) return out;
    if (rc == Z_BUF_ERROR || (produced == 0 && zs.avail_in == 0))
      throw DecodeError("zlib: truncated stream");
  }
}

}  // namespace

Node unmarshal(const uint8_t* data, size_t len) {
  if (len == 0) throw DecodeError("binary node: empty frame");
  if (data[0] & kFlagCompressed) {
    if (len - 1 > kMaxInflated) throw DecodeError("zlib: compressed frame too large");
    const Bytes plain = inflate_zlib(data + 1, len - 1);
    return decode_node(plain.data(), plain.size());
  }
  return decode_node(data + 1, len - 1);
}

}  // namespace wa
