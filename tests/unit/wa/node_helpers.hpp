// Test helpers for stanza builders: a node as it arrives after the wire, and JIDs from text.
#pragma once
#include "wa/binary/codec.hpp"

inline wa::Node wire(const wa::Node& n) { return wa::unmarshal(wa::marshal(n)); }
inline wa::Jid J(const char* s) { return *wa::Jid::parse(s); }
