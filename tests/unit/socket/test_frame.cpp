// Frame layer (PROTOCOL.md §1 checklist): 3-byte big-endian length framing, reassembly across
// arbitrary chunk boundaries, the size limit and the intro header.
#include <catch2/catch.hpp>

#include "wa/socket/frame.hpp"

using util::Bytes;
using wa::socket::encode_frame;
using wa::socket::FrameError;
using wa::socket::FrameReader;

TEST_CASE("encode_frame prefixes a 3-byte big-endian length", "[frame]") {
  CHECK(encode_frame(Bytes{0xaa, 0xbb}) == Bytes{0x00, 0x00, 0x02, 0xaa, 0xbb});
  CHECK(encode_frame({}) == Bytes{0x00, 0x00, 0x00});
  const Bytes big(0x012345, 7);
  const Bytes f = encode_frame(big);
  REQUIRE(f.size() == 3 + 0x012345);
  CHECK(f[0] == 0x01);
  CHECK(f[1] == 0x23);
  CHECK(f[2] == 0x45);
}

TEST_CASE("encode_frame rejects payloads of 2^24 bytes or more", "[frame]") {
  CHECK(wa::socket::kFrameMaxSize == 16777216u);
  CHECK_THROWS_AS(encode_frame(Bytes(16777216, 0)), FrameError);
  const Bytes max = encode_frame(Bytes(16777215, 0));
  CHECK(Bytes(max.begin(), max.begin() + 3) == Bytes{0xff, 0xff, 0xff});
}

TEST_CASE("two frames in one chunk", "[frame]") {
  FrameReader r;
  r.feed(Bytes{0, 0, 2, 'a', 'b', 0, 0, 1, 'c'});
  CHECK(r.next() == Bytes{'a', 'b'});
  CHECK(r.next() == Bytes{'c'});
  CHECK_FALSE(r.next().has_value());
  CHECK(r.buffered() == 0);
}

TEST_CASE("one frame split over three chunks", "[frame]") {
  FrameReader r;
  r.feed(Bytes{0, 0, 5, 'h'});
  CHECK_FALSE(r.next().has_value());
  r.feed(Bytes{'e', 'l'});
  CHECK_FALSE(r.next().has_value());
  r.feed(Bytes{'l', 'o', 0, 0});  // the start of the next header rides along
  CHECK(r.next() == Bytes{'h', 'e', 'l', 'l', 'o'});
  CHECK_FALSE(r.next().has_value());
  CHECK(r.buffered() == 2);
  r.feed(Bytes{0});
  CHECK(r.next() == Bytes{});  // a zero-length frame
}

TEST_CASE("length header split 1 + 2 bytes", "[frame]") {
  FrameReader r;
  r.feed(Bytes{0x00});
  CHECK_FALSE(r.next().has_value());
  r.feed(Bytes{0x01, 0x00});
  CHECK_FALSE(r.next().has_value());
  Bytes body(256, 0x5a);
  r.feed(body);
  CHECK(r.next() == body);
}

TEST_CASE("byte-at-a-time feeding reassembles every frame", "[frame]") {
  const Bytes a(300, 1), b{}, c(70000, 3);
  Bytes stream;
  for (const Bytes* p : {&a, &b, &c}) {
    Bytes f = encode_frame(*p);
    stream.insert(stream.end(), f.begin(), f.end());
  }
  FrameReader r;
  std::vector<Bytes> got;
  for (uint8_t byte : stream) {
    r.feed(&byte, 1);
    while (auto f = r.next()) got.push_back(*f);
  }
  CHECK(got == std::vector<Bytes>{a, b, c});
}

TEST_CASE("server-side reader strips the intro header", "[frame]") {
  FrameReader r(true);
  r.feed(Bytes{'W', 'A'});
  CHECK_FALSE(r.next().has_value());
  r.feed(Bytes{6, 3, 0, 0, 1});
  CHECK_FALSE(r.next().has_value());
  r.feed(Bytes{'x', 0, 0, 1, 'y'});
  CHECK(r.next() == Bytes{'x'});
  CHECK(r.next() == Bytes{'y'});  // later 'W' 'A' bytes are frame data, not an intro
}

TEST_CASE("a wrong intro header is rejected", "[frame]") {
  FrameReader wrong_version(true);
  CHECK_THROWS_AS(wrong_version.feed(Bytes{'W', 'A', 6, 2, 0, 0, 0}), FrameError);
  FrameReader wrong_magic(true);
  CHECK_THROWS_AS(wrong_magic.feed(Bytes{'X'}), FrameError);
}

TEST_CASE("a client-side reader takes no intro header", "[frame]") {
  FrameReader r;
  r.feed(Bytes{'W', 'A', 6, 3});  // read as a length of 0x574106 followed by data
  CHECK_FALSE(r.next().has_value());
  CHECK(r.buffered() == 4);
}
