// Server notifications the sending path depends on (whatsmeow notification.go), each acked
// (PROTOCOL.md §8 "What must be acked"):
//   type="encrypt" from the server with <count value=N/>: our one-time prekeys run low ->
//     upload more when N < kMinPreKeyCount (§10 step 8);
//   type="devices": a user's device list changed -> forget the cached list (the next send
//     queries it again) and keep the LID mapping the notification carries.
#include "util/log.hpp"
#include "wa/client.hpp"
#include "wa/prekeys.hpp"

namespace wa {

void Client::handle_notification(const Node& node) {
  send_node(make_ack(node));
  const std::string type = node.attr("type");
  const auto from = node.jid_attr("from");
  if (!from) return;
  if (type == "encrypt" && *from == Jid::server_jid()) {
    const Node* count = node.child("count");
    if (!count) return;
    const long left = std::strtol(count->attr("value").c_str(), nullptr, 10);
    util::log::info("prekeys_low", tenant_, {{"server_count", left}});
    if (left < static_cast<long>(kMinPreKeyCount)) upload_prekeys(kWantedPreKeyCount, [](bool) {});
  } else if (type == "devices") {
    device_cache_.erase(from->to_non_ad().str());
    if (auto lid = node.jid_attr("lid")) {
      device_cache_.erase(lid->to_non_ad().str());
      if (from->server == kServerJid) {
        try {
          store_->put_lid_mapping(lid->user, from->user);
        } catch (const std::exception& e) {
          util::log::warn("store_failed", tenant_, {{"error", e.what()}});
        }
      }
    }
  }
}

}  // namespace wa
