// The binary node codec, dictionary version 3 (PROTOCOL.md §5).
// marshal(): flags byte 0x00 followed by the encoded node (clients never compress).
// unmarshal(): reads the flags byte; flag 0x02 means the rest is zlib-compressed (RFC 1950).
// Contract: pure, thread-safe. Malformed input throws wa::DecodeError, never crashes or reads
// out of bounds; nesting depth and sizes are bounded.
#pragma once
#include <stdexcept>
#include "wa/binary/node.hpp"

namespace wa {

struct DecodeError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

Bytes encode_node(const Node& node);                    // without the flags byte
Node decode_node(const uint8_t* data, size_t len);      // without the flags byte; whole input
Bytes marshal(const Node& node);                        // 0x00 || encode_node
Node unmarshal(const uint8_t* data, size_t len);        // flags byte, optional zlib
inline Node unmarshal(const Bytes& b) { return unmarshal(b.data(), b.size()); }

}  // namespace wa
