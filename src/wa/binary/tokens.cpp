// Token lookups over the dictionary-version-3 tables (PROTOCOL.md §5).
#include "wa/binary/tokens.hpp"

#include <unordered_map>

#include "wa/binary/tokens_data.hpp"

namespace wa::tokens {
namespace {

// Reverse indices, built once (function-local statics are initialised thread-safely).
// The tables hold no duplicates and no string in both tables (checked by the unit test), so
// the lookup is unambiguous; index 0 ("") of the single-byte table is never a token.
struct ReverseIndex {
  std::unordered_map<std::string_view, uint8_t> single;
  std::unordered_map<std::string_view, DoubleIndex> dbl;

  ReverseIndex() {
    single.reserve(kSingleByteCount);
    for (int i = 1; i < kSingleByteCount; ++i) single.emplace(data::kSingleByte[i], uint8_t(i));
    dbl.reserve(kDoubleByteDicts * kDoubleByteSize);
    for (int d = 0; d < kDoubleByteDicts; ++d)
      for (int i = 0; i < kDoubleByteSize; ++i)
        dbl.emplace(data::kDoubleByte[d][i], DoubleIndex{uint8_t(d), uint8_t(i)});
  }
};

const ReverseIndex& reverse_index() {
  static const ReverseIndex index;
  return index;
}

}  // namespace

std::string_view single_byte(uint8_t index) {
  if (index >= kSingleByteCount) return {};
  return data::kSingleByte[index];
}

std::string_view double_byte(uint8_t dict, uint8_t index) {
  // index is a uint8_t, so it is always < kDoubleByteSize (256).
  if (dict >= kDoubleByteDicts) return {};
  return data::kDoubleByte[dict][index];
}

std::optional<uint8_t> index_of_single(std::string_view token) {
  const auto& m = reverse_index().single;
  auto it = m.find(token);
  if (it == m.end()) return std::nullopt;
  return it->second;
}

std::optional<DoubleIndex> index_of_double(std::string_view token) {
  const auto& m = reverse_index().dbl;
  auto it = m.find(token);
  if (it == m.end()) return std::nullopt;
  return it->second;
}

}  // namespace wa::tokens
