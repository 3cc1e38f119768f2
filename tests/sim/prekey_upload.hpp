// The server's check of a prekey upload (PROTOCOL.md §8):
// <iq xmlns="encrypt" type="set"><registration>4B</registration><type>05</type>
// <identity>32B</identity><list><key><id>3B</id><value>32B</value></key>…</list>
// <skey><id>3B</id><value>32B</value><signature>64B</signature></skey></iq>
#pragma once
#include <optional>
#include <string>
#include <utility>
#include <vector>
#include <variant>
#include "util/curve25519.hpp"
#include "wa/binary/node.hpp"

namespace sim {

struct PrekeyUpload {
  uint32_t registration_id = 0;
  util::curve::Key32 identity_pub{};
  std::vector<uint32_t> key_ids;
  uint32_t signed_pre_key_id = 0;
  // Added (issue 3): the server keeps the keys to hand them out in bundles (§9).
  std::vector<std::pair<uint32_t, util::curve::Key32>> keys;  // one-time keys, in upload order
  util::curve::Key32 signed_pre_key_pub{};
  util::Bytes signed_pre_key_signature;
};

// Returns the upload, or a sentence saying which rule it breaks. The skey signature must verify
// with the uploaded identity over 05 || value; expected_identity (the device's registered
// identity) must equal <identity>.
std::variant<PrekeyUpload, std::string> read_prekey_upload(
    const wa::Node& iq, const util::curve::Key32& expected_identity);

}  // namespace sim
