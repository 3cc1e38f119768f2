// Token tables: fingerprints and indices from PROTOCOL.md §5.
#include <openssl/sha.h>

#include <catch2/catch.hpp>
#include <set>
#include <string>

#include "wa/binary/tokens.hpp"

using namespace wa;

namespace {

std::string sha256_hex(const std::string& s) {
  unsigned char md[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(s.data()), s.size(), md);
  static const char* digits = "0123456789abcdef";
  std::string out;
  for (unsigned char c : md) {
    out.push_back(digits[c >> 4]);
    out.push_back(digits[c & 15]);
  }
  return out;
}

}  // namespace

TEST_CASE("token tables match the PROTOCOL.md §5 fingerprints", "[binary][tokens]") {
  std::string single;
  for (int i = 0; i < tokens::kSingleByteCount; ++i) {
    if (i) single += '\n';
    single += tokens::single_byte(uint8_t(i));
  }
  CHECK(sha256_hex(single) == "1e8302d2aba0d8c40d09fd79fc9c70347350cb00926dd0e3565683b347be35a5");

  std::string dbl;
  for (int d = 0; d < tokens::kDoubleByteDicts; ++d)
    for (int i = 0; i < tokens::kDoubleByteSize; ++i) {
      if (d || i) dbl += '\n';
      dbl += tokens::double_byte(uint8_t(d), uint8_t(i));
    }
  CHECK(sha256_hex(dbl) == "400b612b8c86d055404cee1b205c908a4db35bd57683b4903f72d003ff52144d");
}

TEST_CASE("single-byte token indices from PROTOCOL.md §5", "[binary][tokens]") {
  const std::pair<const char*, int> expected[] = {
      {"s.whatsapp.net", 3}, {"type", 4}, {"participant", 5}, {"from", 6}, {"receipt", 7},
      {"id", 8}, {"notification", 9}, {"jid", 12}, {"user", 14}, {"devices", 15}, {"to", 17},
      {"message", 19}, {"result", 20}, {"class", 21}, {"xmlns", 22}, {"iq", 25}, {"t", 26},
      {"ack", 27}, {"g.us", 28}, {"enc", 29}, {"get", 41}, {"device", 59}, {"count", 65},
      {"success", 76}, {"msg", 77}, {"v", 81}, {"pkmsg", 83}, {"w:p", 87}, {"set", 90},
      {"participants", 107}, {"list", 113}, {"lid", 118}, {"usync", 121},
      {"stream:error", 157}, {"registration", 173}, {"encrypt", 203},
      {"device-identity", 230}, {"xmlstreamend", 2}};
  for (const auto& [text, index] : expected) {
    INFO(text);
    CHECK(tokens::single_byte(uint8_t(index)) == text);
    REQUIRE(tokens::index_of_single(text).has_value());
    CHECK(*tokens::index_of_single(text) == index);
    CHECK_FALSE(tokens::index_of_double(text).has_value());
  }
  CHECK(tokens::single_byte(235) == "screen_height");  // last entry
}

TEST_CASE("double-byte token indices from PROTOCOL.md §5", "[binary][tokens]") {
  struct E { const char* text; int dict; int index; };
  const E expected[] = {{"passive", 0, 24}, {"active", 0, 1},    {"retry", 0, 11},
                        {"conflict", 0, 14}, {"replaced", 0, 17}, {"skey", 0, 45},
                        {"phash", 0, 95},   {"pair-device", 1, 238}, {"failure", 2, 60},
                        {"keys", 3, 30}};
  for (const auto& e : expected) {
    INFO(e.text);
    CHECK(tokens::double_byte(uint8_t(e.dict), uint8_t(e.index)) == e.text);
    auto idx = tokens::index_of_double(e.text);
    REQUIRE(idx.has_value());
    CHECK(idx->dict == e.dict);
    CHECK(idx->index == e.index);
    CHECK_FALSE(tokens::index_of_single(e.text).has_value());
  }
  CHECK(tokens::double_byte(0, 0) == "read-self");
}

TEST_CASE("strings that are no token", "[binary][tokens]") {
  for (const char* s : {"md", "ib", "pair-success", "device_removed", "link_code_companion_reg",
                        "sid", "peer_recipient_pn", "sender_lid", "unified_session", ""}) {
    INFO(s);
    CHECK_FALSE(tokens::index_of_single(s).has_value());
    CHECK_FALSE(tokens::index_of_double(s).has_value());
  }
}

TEST_CASE("token lookups are out-of-range safe and unambiguous", "[binary][tokens]") {
  CHECK(tokens::single_byte(236).empty());
  CHECK(tokens::single_byte(255).empty());
  CHECK(tokens::double_byte(4, 0).empty());
  CHECK(tokens::single_byte(0).empty());

  // Each string appears once across all tables, so encoding picks one index per string.
  std::set<std::string> seen;
  for (int i = 1; i < tokens::kSingleByteCount; ++i) {
    std::string s(tokens::single_byte(uint8_t(i)));
    CHECK(seen.insert(s).second);
    CHECK(tokens::index_of_single(s) == std::optional<uint8_t>(uint8_t(i)));
  }
  for (int d = 0; d < tokens::kDoubleByteDicts; ++d)
    for (int i = 0; i < tokens::kDoubleByteSize; ++i) {
      std::string s(tokens::double_byte(uint8_t(d), uint8_t(i)));
      CHECK(seen.insert(s).second);
      auto idx = tokens::index_of_double(s);
      REQUIRE(idx.has_value());
      CHECK((idx->dict == d && idx->index == i));
    }
  CHECK(seen.size() == 235 + 1024);
}
