#include "receipt_relay.hpp"

#include <cstdlib>

namespace sim {
namespace {

using wa::Jid;
using wa::Node;
using Attrs = std::vector<std::pair<std::string, wa::AttrValue>>;

std::string attr_text(const Node& n, const char* key) {
  const wa::AttrValue* v = n.find_attr(key);
  return v ? v->str() : std::string();
}

}  // namespace

Node device_receipt(const Jid& from, const std::vector<std::string>& ids, const std::string& type,
                    int64_t now, const std::optional<Jid>& recipient) {
  Node r("receipt", Attrs{{"from", from}, {"id", ids.at(0)}, {"t", std::to_string(now)}});
  if (!type.empty()) r.set_attr("type", type);
  if (recipient) r.set_attr("recipient", *recipient);
  if (ids.size() > 1) {
    wa::NodeList items;
    for (size_t i = 1; i < ids.size(); ++i) items.emplace_back("item", Attrs{{"id", ids[i]}});
    r.content = wa::NodeList{Node("list", Attrs{}, std::move(items))};
  }
  return r;
}

void send_receipt(SimContext& ctx, const std::string& companion_jid, const Node& receipt,
                  const SendToCompanion& send) {
  RelayedReceipt r;
  r.companion = companion_jid;
  r.id = receipt.attr("id");
  r.ids.push_back(r.id);
  if (const Node* list = receipt.child("list"))
    for (const Node* item : list->children_by_tag("item")) r.ids.push_back(item->attr("id"));
  r.from = attr_text(receipt, "from");
  r.type = receipt.attr("type");
  r.recipient = attr_text(receipt, "recipient");
  r.t = std::atoll(receipt.attr("t").c_str());
  // Recorded first: the companion may ack before send() returns to us.
  ctx.desk.record(std::move(r));
  send(receipt);
}

void relay_delivery_receipt(SimContext& ctx, const PairedDevice& sender, const ReceivedMessage& copy,
                            int64_t now, const SendToCompanion& send, std::optional<Jid> chat) {
  if (!copy.decrypt_error.empty() || !ctx.faults.delivery_receipts()) return;
  const auto device = Jid::parse(copy.device);
  if (!device) return;
  const auto user = ctx.directory.find(*device);
  if (!user || !ctx.directory.simulated(*user, device->device)) return;  // a companion: not played
  if (user->own && !chat) {
    // The own phone names the chat its copy belongs to: the message's `to`.
    const auto to = Jid::parse(copy.to);
    if (!to) return;
    chat = to->to_non_ad();
  }
  if (!user->own) chat.reset();
  send_receipt(ctx, sender.jid, device_receipt(*device, {copy.id}, user->own ? "sender" : "", now, chat),
               send);
  ctx.state.add_history(std::string(user->own ? "sender" : "delivery") + "-receipt:" + copy.device);
}

void relay_delivery_receipts(SimContext& ctx, const PairedDevice& sender,
                             const std::string& message_id, size_t first_entry, int64_t now,
                             const SendToCompanion& send) {
  for (const ReceivedMessage& copy : ctx.state.received_since(first_entry))
    if (copy.id == message_id) relay_delivery_receipt(ctx, sender, copy, now, send);
}

void receive_receipt_ack(SimContext& ctx, const PairedDevice& companion, const Node& ack) {
  const std::string id = ack.attr("id");
  const std::string to = attr_text(ack, "to");
  std::string problem;
  if (!ctx.desk.ack_relayed(companion.jid, id, to, ack.attr("type"), attr_text(ack, "recipient"),
                            &problem))
    ctx.state.add_anomaly("<ack class=\"receipt\" id=" + id + " to=" + to +
                          "> answers no receipt the server sent");
  else if (!problem.empty())
    ctx.state.add_anomaly("<ack class=\"receipt\" id=" + id + " to=" + to + ">: " + problem);
}

}  // namespace sim
