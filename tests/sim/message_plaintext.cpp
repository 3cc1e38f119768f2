#include "message_plaintext.hpp"

#include "e2e.pb.h"

namespace sim {
namespace {

bool has_text(const wa::proto::Message& m) {
  return m.has_conversation() || (m.has_extendedtextmessage() && m.extendedtextmessage().has_text());
}

std::string text_of(const wa::proto::Message& m) {
  return m.has_conversation() ? m.conversation() : m.extendedtextmessage().text();
}

}  // namespace

std::optional<util::Bytes> unpad(const util::Bytes& padded) {
  if (padded.empty()) return std::nullopt;
  const uint8_t n = padded.back();
  if (n < 1 || n > 16 || n > padded.size()) return std::nullopt;
  for (size_t i = padded.size() - n; i < padded.size(); ++i)
    if (padded[i] != n) return std::nullopt;
  return util::Bytes(padded.begin(), padded.end() - n);
}

MessagePlaintext read_plaintext(const util::Bytes& padded) {
  MessagePlaintext out;
  auto plain = unpad(padded);
  if (!plain) {
    out.error = "bad padding";
    return out;
  }
  wa::proto::Message m;
  if (!m.ParseFromArray(plain->data(), static_cast<int>(plain->size()))) {
    out.error = "plaintext is not a Message";
    return out;
  }
  const wa::proto::Message* content = &m;
  if (m.has_devicesentmessage()) {
    out.dsm_destination = m.devicesentmessage().destinationjid();
    if (out.dsm_destination.empty()) out.error = "DeviceSentMessage without destinationJID";
    content = &m.devicesentmessage().message();
  }
  if (!has_text(*content)) {
    out.error = "Message has neither conversation nor extendedTextMessage.text";
    return out;
  }
  out.text = text_of(*content);
  return out;
}

}  // namespace sim
