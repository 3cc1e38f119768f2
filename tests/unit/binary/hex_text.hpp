// Test helper: "f8 01 19" -> bytes (spaces ignored; the text must be whole bytes of hex).
#pragma once
#include <catch2/catch.hpp>
#include <string>
#include "util/bytes.hpp"

inline util::Bytes hx(const std::string& text) {
  std::string compact;
  for (char c : text) {
    if (c != ' ' && c != '\n') compact += c;
  }
  auto bytes = util::hex_decode(compact);
  REQUIRE(bytes);
  return *bytes;
}
