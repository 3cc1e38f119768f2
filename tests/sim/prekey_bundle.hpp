// One device's prekey bundle as the server hands it out (PROTOCOL.md §9 "Prekey bundles"):
// <user jid=DEVICE><registration>4B</registration><type>05</type><identity>32B</identity>
// <skey><id>3B</id><value>32B</value><signature>64B</signature></skey>
// [<key><id>3B</id><value>32B</value></key>]</user>
// — the shape whatsmeow's prekeys.go nodeToPreKeyBundle reads (identity and keys directly under
// <user>; it would also accept them inside a <keys> child).
#pragma once
#include <cstdint>
#include <optional>
#include <utility>
#include "util/curve25519.hpp"
#include "wa/binary/node.hpp"

namespace sim {

struct PreKeyBundle {
  uint32_t registration_id = 0;
  util::curve::Key32 identity{};
  uint32_t signed_pre_key_id = 0;
  util::curve::Key32 signed_pre_key{};
  util::Bytes signed_pre_key_signature;  // 64 bytes, by identity over 05 || signed_pre_key
  std::optional<std::pair<uint32_t, util::curve::Key32>> pre_key;  // absent once the pool is empty
};

// <user jid=DEVICE>…</user> for a bundle.
wa::Node bundle_node(const wa::Jid& device, const PreKeyBundle& bundle);
// <user jid=DEVICE><error code=CODE text=TEXT/></user>: no bundle for that device.
wa::Node bundle_error_node(const wa::Jid& device, int code, const std::string& text);

// Big-endian helpers for the fixed-width fields of §8/§9 (ids are 3 bytes, registration 4).
util::Bytes be_bytes(uint32_t v, int n);

}  // namespace sim
