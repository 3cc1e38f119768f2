// Malformed and truncated input must throw wa::DecodeError, never crash or over-read
// (codec.hpp contract). Decodable input must survive re-encoding (wire_equivalence.hpp).
#include <catch2/catch.hpp>
#include <string>
#include <vector>

#include "wa/binary/codec.hpp"
#include "hex_text.hpp"
#include "wa/binary/wire_equivalence.hpp"

using namespace wa;

namespace {


// The five PROTOCOL.md §5 vectors plus nodes covering every JID form and binary length.
const std::vector<std::string> kFrames = {
    "00 f8 09 19 08 ff 83 1b 2a 3f 16 57 04 29 11 fa 00 03",
    "00 f8 0a 19 08 ff 83 1b 2a 3f 16 ec 18 04 5a 11 fa 00 03 f8 01 f8 01 ec 01",
    "00 f8 0a 19 08 ff 83 1b 2a 4f 16 cb 04 29 11 fa 00 03 f8 01 f8 01 41",
    "00 f8 09 1b 08 fb 0b 3e b0 a1 b2 c3 d4 e5 f6 a7 b8 c9 11 f7 00 03 ff 86 12 34 56 78 90 1f "
    "15 07 04 2a",
    "00 f8 05 1f 04 88 89 fc 03 42 6f 74",
    "00 f8 07 1b 11 f6 ff 01 42 00 07 cc 05 f5 ff 01 42 00 01 01 02 fc 07 69 6e 74 65 72 6f 70 "
    "06 f7 81 02 55",
    "00 f8 02 13 f9 00 02 f8 02 1d fd 00 00 02 01 02 f8 02 1d fe 00 00 00 01 09",
    "00 f8 02 19 f8 01 f8 02 ef 1e f8 01 f8 03 ec 18 08 fa 00 1c",
    // Found by fuzz_binary_decoder: an empty LIST_8 as content. Re-encoded as LIST_EMPTY
    // content (f8 02 13 00), which reads back as no content (f8 01 13).
    "00 f8 02 13 f8 00",
};

// Decoding either fails cleanly or yields a node whose re-encoding decodes to the same
// information. Returns true when the input decoded.
bool check_decode_property(const Bytes& frame) {
  Node first;
  try {
    first = unmarshal(frame);
  } catch (const DecodeError&) {
    return false;
  }
  const Bytes again = marshal(first);
  const Node second = unmarshal(again);
  CHECK(detail::wire_equivalent(first, second));
  // After one round trip the node is stable (an empty child list became "no content").
  CHECK(unmarshal(marshal(second)) == second);
  return true;
}

}  // namespace

TEST_CASE("every prefix of every vector decodes or throws DecodeError", "[binary][malformed]") {
  for (const auto& text : kFrames) {
    const Bytes frame = hx(text);
    INFO(text);
    CHECK(check_decode_property(frame));  // the whole frame is valid
    for (size_t n = 0; n < frame.size(); ++n) {
      INFO("prefix " << n);
      const Bytes prefix(frame.begin(), frame.begin() + long(n));
      CHECK_FALSE(check_decode_property(prefix));  // a strict prefix is never a whole node
    }
  }
}

TEST_CASE("every single-byte mutation decodes or throws DecodeError", "[binary][malformed]") {
  size_t decoded = 0, rejected = 0;
  for (const auto& text : kFrames) {
    const Bytes frame = hx(text);
    for (size_t i = 1; i < frame.size(); ++i) {
      for (int v = 0; v < 256; ++v) {
        Bytes m = frame;
        m[i] = uint8_t(v);
        (check_decode_property(m) ? decoded : rejected)++;
      }
    }
  }
  // Both outcomes occur, so the loop exercised the decoder and the re-encode check.
  CHECK(decoded > 100);
  CHECK(rejected > 100);
}

TEST_CASE("specific malformed inputs are rejected", "[binary][malformed]") {
  const char* bad[] = {
      "",                               // no flags byte
      "00",                             // no node
      "00 00 19",                       // list size 0
      "00 f8 00",                       // list size 0
      "00 f8 01 ff 00",                 // empty tag
      "00 f8 01 00",                    // nil tag
      "00 f8 01 f0",                    // tag byte 240 is unassigned
      "00 f8 01 fa 00 03",              // tag is a JID
      "00 f8 01 f8 01 19",              // tag is a list
      "00 19",                          // node does not start with a list
      "00 f8 03 19 00 29",              // nil attribute key
      "00 f8 03 19 fa 00 03 29",        // JID attribute key
      "00 f8 03 19 04 f8 01 19",        // list as attribute value
      "00 f8 02 19 ff 01 c3",           // nibble 12
      "00 f8 02 19 ff 01 dd",           // nibble 13
      "00 f8 02 19 ff 01 ee",           // nibble 14
      "00 f8 02 19 ff 80",              // odd packed string of length 0
      "00 f8 02 19 fc 05 61",           // BINARY_8 longer than the input
      "00 f8 02 19 fd 0f ff ff 00",     // BINARY_20 longer than the input
      "00 f8 02 19 fe ff ff ff ff 00",  // BINARY_32 of 4 GiB
      "00 f8 02 19 f9 ff ff",           // 65535 children, none present
      "00 f8 02 19 f8 02 f8 01 19",     // second child missing
      "00 f8 01 19 00",                 // leftover byte
      "00 f8 01 ef",                    // dictionary index missing
      "00 f8 02 19 fb",                 // packed length missing
      "02",                             // compressed, no stream
      "02 78 9c",                       // compressed, truncated stream
  };
  for (const char* b : bad) {
    INFO(b);
    const Bytes frame = hx(b);
    CHECK_THROWS_AS(unmarshal(frame.data(), frame.size()), DecodeError);
  }
}

TEST_CASE("nesting depth is limited", "[binary][malformed]") {
  // depth n: n-1 wrappers "f8 02 19 f8 01" around the innermost "f8 01 19".
  auto nested = [](int depth) {
    Bytes b{0x00};
    for (int i = 1; i < depth; ++i) b.insert(b.end(), {0xf8, 0x02, 0x19, 0xf8, 0x01});
    b.insert(b.end(), {0xf8, 0x01, 0x19});
    return b;
  };
  const Node ok = unmarshal(nested(64));
  const Node* n = &ok;
  int depth = 1;
  while (n->children()) {
    n = &n->children()->front();
    ++depth;
  }
  CHECK(depth == 64);
  CHECK_THROWS_AS(unmarshal(nested(65)), DecodeError);
  CHECK_THROWS_AS(unmarshal(nested(100000)), DecodeError);  // no stack overflow
}
