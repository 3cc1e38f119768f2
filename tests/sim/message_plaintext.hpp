// The plaintext rules of a received <enc v="2"> (PROTOCOL.md §9 "Padding", §10 steps 4-5):
// strict unpadding, then the Message protobuf (src/wa/proto/e2e.proto) with its text in
// conversation or extendedTextMessage.text, possibly wrapped in deviceSentMessage{destinationJID,
// message} for the sender's own devices.
#pragma once
#include <optional>
#include <string>
#include "util/bytes.hpp"

namespace sim {

// n = last byte, 1 ≤ n ≤ 16 (whatsmeow pads 1..15, Baileys 1..16), n ≤ length, and all n
// trailing bytes equal n (whatsmeow's check). std::nullopt when any rule fails.
std::optional<util::Bytes> unpad(const util::Bytes& padded);

struct MessagePlaintext {
  std::string text;
  std::string dsm_destination;  // "" when not a DeviceSentMessage
  std::string error;            // "" when the plaintext is a valid text Message
};

MessagePlaintext read_plaintext(const util::Bytes& padded);

}  // namespace sim
