// Private: the raw token tables (tokens_data.cpp). Use wa/binary/tokens.hpp for lookups.
#pragma once
#include "wa/binary/tokens.hpp"

namespace wa::tokens::data {

extern const char* const kSingleByte[kSingleByteCount];
extern const char* const kDoubleByte[kDoubleByteDicts][kDoubleByteSize];

}  // namespace wa::tokens::data
