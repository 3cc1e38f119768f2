// libFuzzer target for the binary node decoder (PROTOCOL.md §5, codec.hpp contract).
// Any input must either throw wa::DecodeError or decode to a node whose re-encoding decodes
// to the same information (wire_equivalence.hpp lists what the encoder drops on purpose); a
// node that went through one round trip must then survive another one exactly. Anything else
// aborts.
#include <cstdint>
#include <cstdio>
#include <cstdlib>

#include "wa/binary/codec.hpp"
#include "wa/binary/wire_equivalence.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  wa::Node first;
  try {
    first = wa::unmarshal(data, size);
  } catch (const wa::DecodeError&) {
    return 0;
  }
  const wa::Bytes encoded = wa::marshal(first);  // must not throw for a decoded node
  const wa::Node second = wa::unmarshal(encoded);
  if (!wa::detail::wire_equivalent(first, second)) {
    std::fprintf(stderr, "re-decoded node differs:\n%s\n%s\n", first.to_debug_string().c_str(),
                 second.to_debug_string().c_str());
    std::abort();
  }
  // Not marshal(second) == encoded: an empty child list is written as LIST_EMPTY content
  // (whatsmeow) and reads back as no content, so the first re-encoding may be longer.
  if (!(wa::unmarshal(wa::marshal(second)) == second)) {
    std::fprintf(stderr, "second round trip differs: %s\n", second.to_debug_string().c_str());
    std::abort();
  }
  return 0;
}
