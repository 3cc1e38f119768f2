// Receipts for the messages this device sent (PROTOCOL-ADDITIONS §3; whatsmeow receipt.go
// parseReceipt, Baileys getStatusFromReceiptType):
//   <receipt from=PEER[:DEV] id=ID t=UNIX [type=T]> with more ids as <list><item id/></list>,
//   the list being the stanza's only child.
// type absent or "inactive" (delivered to a device that is not in the foreground) -> delivered;
// "read" -> read; "played" -> played. Receipts of our own devices ("sender", "read-self",
// "played-self", or any receipt from our own account) and other types are no status of the
// recipient's. Each level is reported once per message, the first time any device of the
// recipient reaches it, and only when it is above what was reported (read after played is not).
// The status change and its event commit together before the ack.
#include "metrics/service_metrics.hpp"
#include "util/log.hpp"
#include "wa/client.hpp"

namespace wa {
namespace {

std::optional<ReceiptStatus> status_of(const std::string& type) {
  if (type.empty() || type == "inactive") return ReceiptStatus::delivered;
  if (type == "read") return ReceiptStatus::read;
  if (type == "played") return ReceiptStatus::played;
  return std::nullopt;
}

std::vector<std::string> receipt_ids(const Node& node) {
  std::vector<std::string> ids;
  if (!node.attr("id").empty()) ids.push_back(node.attr("id"));
  const auto* children = std::get_if<NodeList>(&node.content);
  if (children && children->size() == 1 && children->front().tag == "list") {
    for (const Node* item : children->front().children_by_tag("item")) {
      if (!item->attr("id").empty()) ids.push_back(item->attr("id"));
    }
  }
  return ids;
}

}  // namespace

void Client::handle_receipt(const Node& node) {
  const auto from = node.jid_attr("from");
  const auto status = status_of(node.attr("type"));
  if (!from || !status || !sink_ || is_own_user(*from) ||
      (from->server != kServerJid && from->server != kLidServer)) {
    send_node(make_ack(node));
    return;
  }
  int64_t t = std::strtoll(node.attr("t").c_str(), nullptr, 10);
  if (t <= 0) t = now_ms() / 1000;
  const Jid peer = from->to_non_ad();
  const std::optional<Jid> peer_pn = pn_of(peer);
  bool reported = false;
  try {
    store_->transaction([&] {
      for (const std::string& id : receipt_ids(node)) {
        auto sent = store_->find_sent_message(id);
        if (!sent) continue;  // not sent by this device (or forgotten)
        // Only the chat's own user can report on a message to it.
        const bool from_recipient = sent->chat == peer.str() || sent->recipient == peer.str() ||
                                    (peer_pn && sent->recipient == peer_pn->str());
        if (!from_recipient) continue;
        if (!store_->raise_sent_status(id, static_cast<int>(*status))) continue;
        sink_->message_status(MessageStatusUpdate{id, sent->recipient, *status, t});
        reported = true;
      }
    });
  } catch (const std::exception& e) {
    // Not acked: the server delivers the receipt again on the next connection.
    util::log::error("receipt_event_failed", tenant_, {{"id", node.attr("id")}, {"error", e.what()}});
    metrics::count_event_store_failure();
    return;
  }
  if (reported) sink_->committed();
  send_node(make_ack(node));
}

}  // namespace wa
