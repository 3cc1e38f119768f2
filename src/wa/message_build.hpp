// Building an outgoing 1:1 text message (PROTOCOL.md §9; whatsmeow send.go, message.go):
// message ids, the Message protobuf, DeviceSentMessage, padding, the <message> stanza, phash.
#pragma once
#include <optional>
#include <string>
#include <vector>
#include "util/bytes.hpp"
#include "wa/binary/node.hpp"

namespace wa {

// "3EB0" + upper-case hex of the first 9 bytes of SHA-256(u64be(unix_seconds) || own PN user ||
// "@c.us" || 16 random bytes): 22 characters.
std::string new_message_id(const std::string& own_pn_user, int64_t unix_seconds);

// Serialized Message{conversation = text} (whatsmeow's minimal text form).
util::Bytes text_message(const std::string& text);
// Serialized Message{deviceSentMessage{destinationJID, message = Message{conversation}}} for our
// own other devices.
util::Bytes device_sent_text_message(const std::string& destination_jid, const std::string& text);

// Appends n bytes of value n, n in 1..15 (whatsmeow: rand & 0x0F, 0 -> 15).
util::Bytes pad_message(util::Bytes plaintext);
// Strict unpad (whatsmeow): last byte n, 1 <= n <= size, the last n bytes all equal n.
std::optional<util::Bytes> unpad_message(const util::Bytes& padded);

// One encrypted copy for one device.
struct DeviceCiphertext {
  Jid device;
  std::string type;  // pkmsg | msg
  util::Bytes data;
};

// <message id to type="text" [peer_recipient_pn]><participants><to jid=DEV><enc v="2"
// type=…>…</enc></to>…</participants>[<device-identity>ACCOUNT</device-identity>]</message>
// device-identity is attached iff any copy is a pkmsg (§9).
Node make_message_stanza(const std::string& id, const Jid& to,
                         const std::optional<Jid>& peer_recipient_pn,
                         const std::vector<DeviceCiphertext>& copies,
                         const util::Bytes& account);

// "2:" + base64(SHA-256(sorted "USER.AGENT:DEVICE@SERVER" strings)[0:6]) without padding.
std::string participant_hash(const std::vector<Jid>& devices);

}  // namespace wa
