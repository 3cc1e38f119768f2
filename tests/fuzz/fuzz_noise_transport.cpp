// libFuzzer: NoiseTransport::decrypt on arbitrary ciphertexts with fixed keys (PROTOCOL.md §2).
// Invariants: never crashes; forged input never authenticates; the read counter advances once per
// frame, success or not; a genuine frame made at the current counter still decrypts afterwards.
#include <cstddef>
#include <cstdint>

#include "wa/socket/noise.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const util::Bytes k1(32, 0x11), k2(32, 0x22);
  wa::socket::NoiseTransport receiver(k1, k2);
  wa::socket::NoiseTransport sender(k2, k1);

  // Split the input into frames at each 0xff byte.
  uint32_t frames = 0;
  size_t start = 0;
  for (size_t i = 0; i <= size; ++i) {
    if (i < size && data[i] != 0xff) continue;
    const util::Bytes frame(data + start, data + i);
    if (receiver.decrypt(frame).has_value()) __builtin_trap();  // a forgery
    sender.encrypt({});                                          // keep the peer's counter in step
    ++frames;
    if (receiver.read_counter() != frames) __builtin_trap();
    start = i + 1;
  }
  const util::Bytes plain(data, data + (size < 64 ? size : 64));
  auto round = receiver.decrypt(sender.encrypt(plain));
  if (!round || *round != plain) __builtin_trap();
  return 0;
}
