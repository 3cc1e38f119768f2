// libFuzzer: FrameReader fed arbitrary bytes in arbitrary chunks (PROTOCOL.md §1).
// Invariant: every byte fed is either in a returned frame (with its 3-byte header), still
// buffered, or the stripped 4-byte intro header.
#include <cstddef>
#include <cstdint>

#include "wa/socket/frame.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 2) return 0;
  const bool expect_intro = data[0] & 1;
  const size_t chunk = 1 + data[1] % 64;  // chunk size drawn from the input
  data += 2;
  size -= 2;

  wa::socket::FrameReader reader(expect_intro);
  size_t accounted = 0;
  try {
    for (size_t off = 0; off < size; off += chunk) {
      const size_t n = size - off < chunk ? size - off : chunk;
      reader.feed(data + off, n);
      while (auto frame = reader.next()) accounted += 3 + frame->size();
    }
  } catch (const wa::socket::FrameError&) {
    return 0;  // a wrong intro header is a clean, reported failure
  }
  const size_t intro = expect_intro && size >= 4 ? 4 : 0;
  if (accounted + reader.buffered() + intro != size) __builtin_trap();
  return 0;
}
