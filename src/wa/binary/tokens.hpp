// Token dictionaries of the binary codec (dictionary version 3): 236 single-byte tokens
// (index 0 unused) and 4 double-byte dictionaries of 256 entries, as data from whatsmeow's
// binary/token/token.go (identical to Baileys' WABinary/constants.ts; PROTOCOL.md §5).
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace wa::tokens {

inline constexpr int kDictVersion = 3;
inline constexpr int kSingleByteCount = 236;
inline constexpr int kDoubleByteDicts = 4;
inline constexpr int kDoubleByteSize = 256;

std::string_view single_byte(uint8_t index);                        // "" when out of range
std::string_view double_byte(uint8_t dict, uint8_t index);          // "" when out of range
struct DoubleIndex { uint8_t dict; uint8_t index; };
std::optional<uint8_t> index_of_single(std::string_view token);     // never 0
std::optional<DoubleIndex> index_of_double(std::string_view token);

}  // namespace wa::tokens
