// libFuzzer target: parse_prekey_bundles (PROTOCOL.md §9 "Prekey bundles") on whatever node the
// codec decodes from the input. Only wa::DecodeError (malformed frame) may be thrown; every
// bundle the parser accepts must have the exact key sizes libsignal needs.
#include <cstddef>
#include <cstdint>

#include "wa/binary/codec.hpp"
#include "wa/prekeys.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  wa::Node node;
  try {
    node = wa::unmarshal(data, size);
  } catch (const wa::DecodeError&) {
    return 0;
  }
  const auto bundles = wa::parse_prekey_bundles(node);
  for (const auto& [jid_text, entry] : bundles) {
    const auto jid = wa::Jid::parse(jid_text);
    if (!jid) __builtin_trap();
    if (const auto* b = std::get_if<wa::signal::PreKeyBundle>(&entry)) {
      if (b->signed_pre_key_signature.size() != 64) __builtin_trap();
      if (b->device_id != jid->device) __builtin_trap();
      if (b->signed_pre_key_id > 0xFFFFFF) __builtin_trap();
      if (b->pre_key && b->pre_key->first > 0xFFFFFF) __builtin_trap();
    } else if (std::get<std::string>(entry).empty()) {
      __builtin_trap();
    }
  }
  return 0;
}
