// Classifying a decrypted Message (field names: whatsmeow proto/waE2E; the wrappers are the ones
// whatsmeow's UnwrapRaw removes: ephemeral, view-once v1/v2/extension, captioned document,
// edited).
#include "wa/incoming.hpp"

#include "e2e.pb.h"

namespace wa {
namespace {

// Wrappers nest at most a few levels in practice (ephemeral around view-once); the bound stops
// a crafted message from recursing without end.
constexpr int kMaxWrapDepth = 4;

std::optional<std::string> non_empty(const std::string& s) {
  if (s.empty()) return std::nullopt;
  return s;
}

const proto::Message* unwrap_once(const proto::Message& m) {
  for (const proto::FutureProofMessage* w :
       {m.has_ephemeralmessage() ? &m.ephemeralmessage() : nullptr,
        m.has_viewoncemessage() ? &m.viewoncemessage() : nullptr,
        m.has_viewoncemessagev2() ? &m.viewoncemessagev2() : nullptr,
        m.has_viewoncemessagev2extension() ? &m.viewoncemessagev2extension() : nullptr,
        m.has_documentwithcaptionmessage() ? &m.documentwithcaptionmessage() : nullptr,
        m.has_editedmessage() ? &m.editedmessage() : nullptr}) {
    if (w && w->has_message()) return &w->message();
  }
  return nullptr;
}

}  // namespace

const char* receipt_status_name(ReceiptStatus status) {
  switch (status) {
    case ReceiptStatus::delivered: return "delivered";
    case ReceiptStatus::read: return "read";
    case ReceiptStatus::played: return "played";
  }
  return "unknown";
}

std::optional<MessageContent> classify_message(const proto::Message& message) {
  const proto::Message* m = &message;
  for (int depth = 0; depth < kMaxWrapDepth; ++depth) {
    const proto::Message* inner = unwrap_once(*m);
    if (!inner) break;
    m = inner;
  }
  if (m->has_conversation()) return MessageContent{"text", m->conversation()};
  if (m->has_extendedtextmessage()) return MessageContent{"text", m->extendedtextmessage().text()};
  if (m->has_imagemessage()) return MessageContent{"image", non_empty(m->imagemessage().caption())};
  if (m->has_videomessage()) return MessageContent{"video", non_empty(m->videomessage().caption())};
  if (m->has_audiomessage()) return MessageContent{"audio", std::nullopt};
  if (m->has_documentmessage()) {
    return MessageContent{"document", non_empty(m->documentmessage().caption())};
  }
  if (m->has_stickermessage()) return MessageContent{"sticker", std::nullopt};
  if (m->has_locationmessage()) return MessageContent{"location", non_empty(m->locationmessage().name())};
  if (m->has_contactmessage()) {
    return MessageContent{"contact", non_empty(m->contactmessage().displayname())};
  }
  if (m->has_reactionmessage()) return MessageContent{"reaction", m->reactionmessage().text()};
  // Not content: protocol messages (history sync, app-state keys, revokes, ...), a sender key
  // distribution travelling alone, or nothing at all.
  if (m->has_protocolmessage() || m->has_senderkeydistributionmessage()) return std::nullopt;
  if (m->has_devicesentmessage()) return std::nullopt;
  // Something we do not model (polls, buttons, payments, ...): still a message a person sent.
  // Protobuf keeps unknown fields, so a message with any field we did not read is one of those.
  if (!m->unknown_fields().empty()) return MessageContent{"unsupported", std::nullopt};
  return std::nullopt;
}

}  // namespace wa
