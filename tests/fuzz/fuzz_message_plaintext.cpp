// libFuzzer target: what the receive path (src/wa/receive.cpp, PROTOCOL.md §10 step 4) does
// with the plaintext of an <enc> once Signal has decrypted it: unpad_message for v="2", then
// the Message protobuf parse, then (as whatsmeow's handleDecryptedMessage does for a message
// from one of our own devices) unwrapping a deviceSentMessage: its destinationJID and the
// inner Message. The sender controls every byte of this plaintext.
//
// Client::handle_message itself needs a live Client with Signal sessions (no seam without a
// socket), so this drives the same functions in the same order.
//
// Input: byte 0 bit 0 = the <enc> is v="3" (no padding); the rest is the decrypted plaintext.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>

#include "e2e.pb.h"
#include "wa/binary/jid.hpp"
#include "wa/message_build.hpp"

namespace {

// whatsmeow isValidPadding, written out independently of unpad_message.
bool valid_padding(const util::Bytes& b) {
  if (b.empty()) return false;
  const size_t n = b.back();
  if (n == 0 || n > b.size()) return false;
  for (size_t i = b.size() - n; i < b.size(); ++i)
    if (b[i] != n) return false;
  return true;
}

// The text a consumer would take from a Message (conversation, else extendedTextMessage).
const std::string* text_of(const wa::proto::Message& m) {
  if (m.has_conversation()) return &m.conversation();
  if (m.has_extendedtextmessage() && m.extendedtextmessage().has_text())
    return &m.extendedtextmessage().text();
  return nullptr;
}

void check_reserialization(const wa::proto::Message& m) {
  // A parsed message must serialize, and parse back to the same bytes (unknown fields kept):
  // anything else means the library state after a hostile parse is inconsistent.
  std::string once;
  if (!m.SerializeToString(&once)) __builtin_trap();
  wa::proto::Message again;
  if (!again.ParseFromString(once)) __builtin_trap();
  if (again.SerializeAsString() != once) __builtin_trap();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const bool v3 = data[0] & 1;
  const util::Bytes padded(data + 1, data + size);

  std::optional<util::Bytes> plain;
  if (v3) {
    plain = padded;
  } else {
    plain = wa::unpad_message(padded);
    if (plain.has_value() != valid_padding(padded)) __builtin_trap();
    if (plain) {
      const size_t n = padded.back();
      if (plain->size() + n != padded.size()) __builtin_trap();
      if (!std::equal(plain->begin(), plain->end(), padded.begin())) __builtin_trap();
    }
  }
  if (!plain) return 0;
  // Our own padding of this plaintext must come off again exactly.
  const auto round = wa::unpad_message(wa::pad_message(*plain));
  if (!round || *round != *plain) __builtin_trap();

  wa::proto::Message msg;
  if (!msg.ParseFromArray(plain->data(), static_cast<int>(plain->size()))) return 0;
  check_reserialization(msg);
  (void)text_of(msg);

  // deviceSentMessage: a copy of what one of our devices sent to destinationJID. Unwrapping
  // goes one level only (whatsmeow), whatever nesting the sender built.
  if (msg.has_devicesentmessage()) {
    const auto& dsm = msg.devicesentmessage();
    const auto dest = wa::Jid::parse(dsm.destinationjid());
    if (dest) (void)dest->str();
    if (dsm.has_message()) {
      const wa::proto::Message& inner = dsm.message();
      check_reserialization(inner);
      // The inner text, re-wrapped by our own builder, must read back the same.
      if (dest && inner.has_conversation()) {
        const util::Bytes rebuilt = wa::device_sent_text_message(dsm.destinationjid(), inner.conversation());
        wa::proto::Message back;
        if (!back.ParseFromArray(rebuilt.data(), static_cast<int>(rebuilt.size()))) __builtin_trap();
        if (back.devicesentmessage().destinationjid() != dsm.destinationjid() ||
            back.devicesentmessage().message().conversation() != inner.conversation())
          __builtin_trap();
      }
    }
  }
  return 0;
}
