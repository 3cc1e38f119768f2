// Incoming 1:1 messages (PROTOCOL.md §10; whatsmeow message.go decryptMessages, receipt.go),
// the part that keeps Signal sessions in step: every <enc> is decrypted under the sender's LID
// address, unpadded and parsed, and the stanza is answered the way whatsmeow answers it:
//   decrypted (or an old counter: already processed)  -> delivery <receipt>;
//   decryption or unpadding failed                     -> retry receipt, then <ack>;
//   decrypted but not a Message protobuf               -> <ack error="491">;
//   no <enc> at all                                    -> <ack error="488">.
// Messages the server kept while we were offline arrive at login with an `offline` attribute
// and go the same way; <ib><offline_preview/> and <ib><offline/> frame that backlog.
// A message with content goes to the EventSink inside the decryption's transaction; nothing of
// its text is logged.
#include "util/log.hpp"
#include "metrics/service_metrics.hpp"
#include "wa/client.hpp"
#include "wa/incoming.hpp"
#include "wa/message_build.hpp"
#include "e2e.pb.h"

namespace wa {
namespace {

// whatsmeow's NACK codes (§8).
constexpr int kNackUnrecognizedStanza = 488;
constexpr int kNackInvalidProtobuf = 491;

}  // namespace

void Client::handle_message(const Node& node) {
  const auto from = node.jid_attr("from");
  const std::string id = node.attr("id");
  if (!from || id.empty()) {
    send_node(make_ack(node, 487));  // parsing error: nothing to decrypt under
    return;
  }
  const bool offline = node.find_attr("offline") != nullptr;
  // Group, status and newsletter traffic needs sender keys, which a text sender does not use:
  // acked so the server stops redelivering it, not decrypted.
  if (from->server != kServerJid && from->server != kLidServer) {
    util::log::debug("message_ignored", tenant_, {{"id", id}, {"server", from->server}});
    send_node(make_ack(node));
    return;
  }
  // Sessions are keyed by the sender's LID (§10 step 2): `from` itself, the sender_lid the
  // server adds to a PN-addressed message, or the stored mapping.
  Jid sender = *from;
  if (from->server == kServerJid) {
    if (auto alt = node.jid_attr("sender_lid"); alt && alt->server == kLidServer) {
      sender = Jid{alt->user, 0, from->device, 0, kLidServer};
      learn_lid(*alt, *from);
    } else if (auto lid = lid_device_of(*from)) {
      sender = *lid;
    }
    if (sender.server == kLidServer) migrate_session_to_lid(*from, sender);
  } else if (auto alt = node.jid_attr("sender_pn"); alt && alt->server == kServerJid) {
    learn_lid(*from, *alt);  // whatsmeow stores the mapping from either direction
  }
  const signal::Address address = signal::Address::of(sender);
  IncomingMessage incoming = describe_incoming(node, *from, sender);

  // As whatsmeow decryptMessages: any <enc> makes the stanza recognized (an enc type we do not
  // handle is skipped, the stanza still receipted); the last parsed payload decides 491.
  // Each decryption and the event it produces commit in one store transaction (whatsmeow
  // DoDecryptionTxn), before the receipt below lets WhatsApp forget the stanza.
  bool recognized = false, protobuf_failed = false, decrypt_failed = false, reported = false;
  bool sink_failed = false;
  for (const Node* enc : node.children_by_tag("enc")) {
    recognized = true;
    const std::string type = enc->attr("type");
    if (type != "pkmsg" && type != "msg") {
      util::log::debug("enc_type_unhandled", tenant_, {{"id", id}, {"type", type}});
      continue;
    }
    enum class Outcome { ok, bad_padding, unreadable } outcome = Outcome::ok;
    try {
      store_->transaction([&] {
        Bytes padded = signal_->decrypt(address, type, enc->bytes());
        // v="2" payloads are padded (§10 step 4); v="3" (not sent to web companions) are not.
        // A bad padding counts as a failed decryption, as in whatsmeow decryptDM.
        auto plain = enc->attr("v") == "3" ? std::optional<Bytes>(padded) : unpad_message(padded);
        if (!plain) {
          outcome = Outcome::bad_padding;
          return;
        }
        proto::Message msg;
        if (!msg.ParseFromArray(plain->data(), static_cast<int>(plain->size()))) {
          outcome = Outcome::unreadable;
          return;
        }
        if (!reported && sink_ && fill_content(incoming, msg)) {
          try {
            sink_->message_received(incoming);
          } catch (...) {
            sink_failed = true;
            throw;
          }
          reported = true;
        }
      });
    } catch (const signal::SignalError& e) {
      if (e.kind == signal::SignalError::Kind::duplicate_message) {
        // Already processed: whatsmeow still answers with the normal receipt (§10 step 3).
        continue;
      }
      util::log::warn("decrypt_failed", tenant_, {{"id", id}, {"error", e.what()}});
      decrypt_failed = true;
      break;
    } catch (const std::exception& e) {
      if (sink_failed) {
        // The event could not be stored, so the decryption was rolled back with it: no receipt
        // and no ack, and the server delivers the stanza again on the next connection.
        util::log::error("message_event_failed", tenant_, {{"id", id}, {"error", e.what()}});
        metrics::count_event_store_failure();
        return;
      }
      util::log::error("decrypt_failed", tenant_, {{"id", id}, {"error", e.what()}});
      decrypt_failed = true;
      break;
    }
    if (outcome == Outcome::bad_padding) {
      util::log::warn("decrypt_failed", tenant_, {{"id", id}, {"error", "bad padding"}});
      decrypt_failed = true;
      break;
    }
    if (outcome == Outcome::unreadable) {
      util::log::warn("message_unreadable", tenant_, {{"id", id}});
      protobuf_failed = true;
      continue;
    }
    protobuf_failed = false;
  }
  if (reported) sink_->committed();
  if (offline) util::log::debug("offline_message", tenant_, {{"id", id}});
  if (decrypt_failed) {
    // The sender re-encrypts on a retry receipt; the ack tells the server the stanza arrived
    // (whatsmeow: retry receipt, then ack without error).
    send_retry_receipt(node);
    send_node(make_ack(node));
    return;
  }
  if (!recognized) {
    send_node(make_ack(node, kNackUnrecognizedStanza));
    return;
  }
  if (protobuf_failed) {
    send_node(make_ack(node, kNackInvalidProtobuf));
    return;
  }
  // Delivery receipt (§10 step 6; whatsmeow sendMessageReceipt): "sender" for a message from one
  // of our own devices, otherwise "inactive" because this device never announces itself as
  // available (no presence is sent).
  Node receipt("receipt", {{"id", id}, {"to", *from}});
  for (const char* key : {"recipient", "participant"}) {
    if (auto v = node.find_attr(key)) receipt.set_attr(key, *v);
  }
  receipt.set_attr("type", is_own_user(*from) ? "sender" : "inactive");
  send_node(receipt);
}

void Client::handle_ib(const Node& node) {
  if (node.child("downgrade_webclient")) {
    // The QR was scanned by a phone without multi-device support (§8 stream-error table).
    fail("pairing_failed", "The QR code was scanned by a phone that does not support linked devices.",
         After::stay_down);
  }
  if (const Node* preview = node.child("offline_preview")) {
    // The server announces a backlog; ask for it in batches of 100 as Baileys does (§8 step 6).
    util::log::info("offline_preview", tenant_, {{"count", preview->attr("count")}});
    send_node(Node("ib", {}, NodeList{Node("offline_batch", {{"count", "100"}})}));
  }
  if (const Node* done = node.child("offline")) {
    // End of the backlog (informational in both libraries).
    util::log::info("offline_done", tenant_, {{"count", done->attr("count")}});
  }
}

}  // namespace wa
