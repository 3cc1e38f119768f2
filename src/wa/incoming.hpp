// What a Client reports beyond its snapshot: one-to-one messages that decrypted and receipts of
// the messages it sent (whatsmeow events.Message and events.Receipt, reduced to what the
// service reports). Plain values; EventSink is how a Client hands them over.
#pragma once
#include <cstdint>
#include <optional>
#include <string>

#include "wa/binary/jid.hpp"

namespace wa {

namespace proto {
class Message;
}

// What a message holds, for a receiver that does not render it: its kind and its text (the
// text of a text message, the caption of a media message, the emoji of a reaction).
struct MessageContent {
  std::string kind;  // text, image, video, audio, document, sticker, location, contact, reaction,
                     // unsupported
  std::optional<std::string> text;
};

// The content of a message, unwrapped from view-once, disappearing and edit wrappers; nullopt
// for protocol messages that are not content (history sync, app-state keys, revokes, a sender
// key distribution alone, an empty message). A deviceSentMessage is not unwrapped here.
std::optional<MessageContent> classify_message(const proto::Message& message);

struct IncomingMessage {
  std::string id;
  Jid sender;                      // the sending device as the stanza names it (PN or LID)
  std::optional<Jid> sender_pn;    // the sender's bare phone-number JID, when known
  std::optional<Jid> sender_lid;   // the sender's bare LID, when known
  Jid chat;                        // the peer: the sender, or for from_me the destination
  bool from_me = false;            // sent by another device of our own account
  std::string push_name;           // the `notify` attribute, may be empty
  int64_t timestamp_s = 0;         // the stanza's `t`
  bool offline = false;            // delivered from the server's offline queue
  MessageContent content;
};

enum class ReceiptStatus { delivered = 1, read = 2, played = 3 };
const char* receipt_status_name(ReceiptStatus status);  // "delivered", "read", "played"

struct MessageStatusUpdate {
  std::string message_id;
  std::string recipient;  // as recorded when the message was sent (bare PN JID)
  ReceiptStatus status = ReceiptStatus::delivered;
  int64_t timestamp_s = 0;  // the receipt's `t`, or when it arrived
};

// Receives a Client's messages and status updates on its io thread. Both calls run inside the
// store transaction that commits the decryption (or the status change): what the sink writes to
// the same Store joins that transaction, so the event and the Signal state commit together,
// before the receipt or ack tells WhatsApp it may forget the stanza. committed() runs after
// that commit. A sink must not block on the network; a throwing call rolls the transaction back.
class EventSink {
 public:
  virtual ~EventSink() = default;
  virtual void message_received(const IncomingMessage& message) = 0;
  virtual void message_status(const MessageStatusUpdate& update) = 0;
  virtual void committed() = 0;
};

}  // namespace wa
