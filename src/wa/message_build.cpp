// Outgoing 1:1 text messages (PROTOCOL.md §9; whatsmeow send.go: GenerateMessageID,
// marshalMessage, prepareMessageNode, encryptMessageForDevice(AndWrap), getMessageContent,
// makeDeviceIdentityNode, participantListHashV2; message.go: padMessage, unpadMessage).
#include "wa/message_build.hpp"

#include <algorithm>
#include <cctype>
#include <stdexcept>

#include "e2e.pb.h"
#include "util/crypto.hpp"

namespace wa {
namespace {

using Attrs = std::vector<std::pair<std::string, AttrValue>>;

Bytes serialize(const proto::Message& m) {
  std::string s;
  if (!m.SerializeToString(&s)) throw std::runtime_error("Message protobuf serialization failed");
  return Bytes(s.begin(), s.end());
}

}  // namespace

std::string new_message_id(const std::string& own_pn_user, int64_t unix_seconds) {
  // whatsmeow Client.GenerateMessageID (the form WhatsApp Web uses now).
  Bytes data(8);
  const uint64_t t = uint64_t(unix_seconds);
  for (int i = 0; i < 8; ++i) data[7 - i] = uint8_t(t >> (8 * i));
  if (!own_pn_user.empty()) {  // whatsmeow skips the user part when not logged in
    data.insert(data.end(), own_pn_user.begin(), own_pn_user.end());
    static const std::string kSuffix = "@c.us";
    data.insert(data.end(), kSuffix.begin(), kSuffix.end());
  }
  const Bytes rnd = util::crypto::random_bytes(16);
  data.insert(data.end(), rnd.begin(), rnd.end());
  const Bytes hash = util::crypto::sha256(data);
  std::string hex = util::hex_encode(hash.data(), 9);
  std::transform(hex.begin(), hex.end(), hex.begin(), [](unsigned char c) { return char(std::toupper(c)); });
  return "3EB0" + hex;
}

Bytes text_message(const std::string& text) {
  proto::Message m;
  m.set_conversation(text);
  return serialize(m);
}

Bytes device_sent_text_message(const std::string& destination_jid, const std::string& text) {
  // whatsmeow marshalMessage: DeviceSentMessage{destinationJID = to.String(), message}. A plain
  // text message has no messageContextInfo to copy to the outer message.
  proto::Message m;
  auto* dsm = m.mutable_devicesentmessage();
  dsm->set_destinationjid(destination_jid);
  dsm->mutable_message()->set_conversation(text);
  return serialize(m);
}

Bytes pad_message(Bytes plaintext) {
  // whatsmeow padMessage: n = random & 0x0F, 0 becomes 15, so n is 1..15.
  uint8_t n = util::crypto::random_bytes(1)[0] & 0x0F;
  if (n == 0) n = 0x0F;
  plaintext.insert(plaintext.end(), n, n);
  return plaintext;
}

std::optional<Bytes> unpad_message(const Bytes& padded) {
  // whatsmeow unpadMessage/isValidPadding: the last n bytes all equal n. n = 0 would strip
  // nothing, which no sender produces (whatsmeow pads 1..15, Baileys 1..16), so it is refused.
  if (padded.empty()) return std::nullopt;
  const size_t n = padded.back();
  if (n == 0 || n > padded.size()) return std::nullopt;
  const auto tail = padded.end() - std::ptrdiff_t(n);
  if (!std::all_of(tail, padded.end(), [n](uint8_t b) { return b == n; })) return std::nullopt;
  return Bytes(padded.begin(), tail);
}

Node make_message_stanza(const std::string& id, const Jid& to,
                         const std::optional<Jid>& peer_recipient_pn,
                         const std::vector<DeviceCiphertext>& copies, const Bytes& account) {
  // whatsmeow prepareMessageNode: attrs id, type, to [, peer_recipient_pn]; JIDs stay typed.
  Node msg("message", {{"id", id}, {"to", to}, {"type", "text"}});
  if (peer_recipient_pn) msg.set_attr("peer_recipient_pn", *peer_recipient_pn);

  NodeList participants;
  participants.reserve(copies.size());
  bool any_pkmsg = false;
  for (const auto& c : copies) {
    if (c.type != "pkmsg" && c.type != "msg")
      throw std::invalid_argument("enc type must be pkmsg or msg");
    any_pkmsg = any_pkmsg || c.type == "pkmsg";
    // encryptMessageForDevice: <enc v="2" type=…>; encryptMessageForDeviceAndWrap: <to jid>.
    Node enc("enc", Attrs{{"v", "2"}, {"type", c.type}}, c.data);
    participants.emplace_back("to", Attrs{{"jid", c.device}}, NodeList{std::move(enc)});
  }
  NodeList content{Node("participants", {}, std::move(participants))};
  if (any_pkmsg) {
    // makeDeviceIdentityNode marshals Store.Account, the ADVSignedDeviceIdentity as pairing
    // stored it, accountSignatureKey included (§9): the recipient needs it to check our key.
    if (account.empty()) throw std::invalid_argument("pkmsg needs the device identity (account)");
    content.emplace_back("device-identity", Attrs{}, account);
  }
  msg.content = std::move(content);
  return msg;
}

std::string participant_hash(const std::vector<Jid>& devices) {
  // whatsmeow participantListHashV2: JID.ADString() = USER.RAWAGENT:DEVICE@SERVER, sorted,
  // concatenated, SHA-256, first 6 bytes in unpadded standard base64 (exactly 8 characters).
  std::vector<std::string> parts;
  parts.reserve(devices.size());
  for (const Jid& d : devices)
    parts.push_back(d.user + "." + std::to_string(d.agent) + ":" + std::to_string(d.device) + "@" +
                    d.server);
  std::sort(parts.begin(), parts.end());
  std::string joined;
  for (const auto& p : parts) joined += p;
  const Bytes hash = util::crypto::sha256(util::to_bytes(joined));
  return "2:" + util::base64_encode(hash.data(), 6);  // 6 bytes -> 8 chars, never padded
}

}  // namespace wa
