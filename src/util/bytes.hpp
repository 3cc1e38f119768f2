// Byte strings and their text encodings (hex, base64).
// Contract: pure functions, thread-safe; decoders return std::nullopt on malformed input.
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace util {

using Bytes = std::vector<uint8_t>;

inline Bytes to_bytes(std::string_view s) { return Bytes(s.begin(), s.end()); }
inline std::string to_string(const Bytes& b) { return std::string(b.begin(), b.end()); }
Bytes concat(std::initializer_list<const Bytes*> parts);

std::string hex_encode(const uint8_t* data, size_t len);           // lower case
inline std::string hex_encode(const Bytes& b) { return hex_encode(b.data(), b.size()); }
std::optional<Bytes> hex_decode(std::string_view hex);             // either case, even length

std::string base64_encode(const uint8_t* data, size_t len);        // standard alphabet, '=' padded
inline std::string base64_encode(const Bytes& b) { return base64_encode(b.data(), b.size()); }
std::optional<Bytes> base64_decode(std::string_view b64);          // standard alphabet, padded

}  // namespace util
