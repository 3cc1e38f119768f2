// Incoming 1:1 messages (PROTOCOL.md §10; whatsmeow message.go, receipt.go), the part that
// keeps Signal sessions in step: every <enc> is decrypted under the sender's address (which
// also acknowledges our pending prekey message, so later sends are `msg`), unpadded and parsed,
// and a delivery receipt answers the stanza. The service does not deliver incoming text to
// anyone yet; nothing of it is logged.
//
// A message that cannot be decrypted is neither receipted nor acked here: the server keeps it
// and redelivers it, instead of the message being lost (retry receipts come with the
// reconnect/receive work, issue 4).
#include "util/log.hpp"
#include "wa/client.hpp"
#include "wa/message_build.hpp"
#include "e2e.pb.h"

namespace wa {

void Client::handle_message(const Node& node) {
  const auto from = node.jid_attr("from");
  const std::string id = node.attr("id");
  if (!from || id.empty()) return;
  // Group and status traffic needs sender keys, which a text sender does not use yet.
  if (from->server != kServerJid && from->server != kLidServer) {
    util::log::debug("message_ignored", tenant_, {{"id", id}, {"server", from->server}});
    return;
  }
  const signal::Address address = signal::Address::of(*from);
  bool handled = false;
  for (const Node* enc : node.children_by_tag("enc")) {
    const std::string type = enc->attr("type");
    if (type != "pkmsg" && type != "msg") continue;
    try {
      Bytes padded = signal_->decrypt(address, type, enc->bytes());
      // v="2" payloads are padded (§10 step 4); v="3" (not sent to web companions) are not.
      auto plain = enc->attr("v") == "3" ? std::optional<Bytes>(padded) : unpad_message(padded);
      proto::Message msg;
      if (!plain || !msg.ParseFromArray(plain->data(), static_cast<int>(plain->size()))) {
        util::log::warn("message_unreadable", tenant_, {{"id", id}});
        continue;
      }
      handled = true;
    } catch (const signal::SignalError& e) {
      if (e.kind == signal::SignalError::Kind::duplicate_message) {
        // Already processed: whatsmeow still answers with the normal receipt (§10 step 3).
        handled = true;
        continue;
      }
      util::log::warn("decrypt_failed", tenant_, {{"id", id}, {"error", e.what()}});
    } catch (const std::exception& e) {
      util::log::error("decrypt_failed", tenant_, {{"id", id}, {"error", e.what()}});
    }
  }
  if (!handled) return;
  // Delivery receipt (§10 step 6; whatsmeow sendMessageReceipt): "sender" for a message from one
  // of our own devices, otherwise "inactive" because this device never announces itself as
  // available (no presence is sent).
  Node receipt("receipt", {{"id", id}, {"to", *from}});
  for (const char* key : {"recipient", "participant"}) {
    if (auto v = node.find_attr(key)) receipt.set_attr(key, *v);
  }
  const auto own_pn = Jid::parse(device_.jid);
  const auto own_lid = Jid::parse(device_.lid);
  const bool from_me = (own_pn && from->user == own_pn->user && from->server == own_pn->server) ||
                       (own_lid && from->user == own_lid->user && from->server == own_lid->server);
  receipt.set_attr("type", from_me ? "sender" : "inactive");
  send_node(receipt);
}

}  // namespace wa
