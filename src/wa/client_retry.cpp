// Retry receipts on a live connection (PROTOCOL.md §10 step 7; whatsmeow retry.go):
// asking a sender to re-encrypt what we could not decrypt, and answering a device that could
// not decrypt what we sent. Builders and bookkeeping are in retry.cpp.
#include "util/log.hpp"
#include "wa/client.hpp"
#include "wa/prekeys.hpp"
#include "wa/retry.hpp"

namespace wa {

void Client::send_retry_receipt(const Node& message) {
  const std::string id = message.attr("id");
  int count = retry_receipts_sent_.increment(id);
  // After a restart our counter starts over; a resent <enc count=N> tells how far the sender
  // got, so continue from there (whatsmeow sendRetryReceipt).
  if (count == 1) {
    const auto encs = message.children_by_tag("enc");
    if (encs.size() == 1) {
      const int in_message = std::atoi(encs.front()->attr("count").c_str());
      if (in_message > 0) {
        count = in_message + 1;
        retry_receipts_sent_.set(id, count);
      }
    }
  }
  if (count > kMaxRetryReceipts) {
    util::log::warn("retry_receipts_exhausted", tenant_, {{"id", id}, {"count", count}});
    return;
  }
  std::optional<store::Store::PreKey> key;
  if (count >= kRetryKeysFromCount) {
    try {
      key = store_->generate_direct_prekey();  // handed to the sender only, never uploaded
    } catch (const std::exception& e) {
      util::log::error("store_failed", tenant_, {{"error", e.what()}});
      return;
    }
  }
  send_node(make_retry_receipt(message, count, device_, key));
  util::log::info("retry_receipt_sent", tenant_, {{"id", id}, {"count", count}});
}

void Client::handle_retry_receipt(const Node& receipt) {
  const auto from = receipt.jid_attr("from");
  auto finish = [this, &receipt](const char* event, const std::string& why) {
    if (event) util::log::warn(event, tenant_, {{"id", receipt.attr("id")}, {"why", why}});
    // whatsmeow acks a retry receipt once it has been handled, whatever the outcome.
    send_node(make_ack(receipt));
  };
  if (!from) return finish("retry_receipt_ignored", "no sender");
  auto parsed = parse_retry_receipt(receipt, from->device);
  if (auto* err = std::get_if<std::string>(&parsed)) return finish("retry_receipt_ignored", *err);
  RetryRequest request = std::get<RetryRequest>(std::move(parsed));

  // The chat of the original message: the peer's user, or for our own devices the chat the
  // receipt names in `recipient` (whatsmeow parseMessageSource).
  const bool own = is_own_user(*from);
  const std::optional<Jid> recipient = own ? receipt.jid_attr("recipient") : std::nullopt;
  const Jid chat = (recipient ? *recipient : *from).to_non_ad();
  // The stored message must belong to that chat (sends are keyed by the LID chat; a receipt may
  // still name the phone number).
  std::optional<std::string> text;
  try {
    if (auto sent = store_->find_sent_message(request.message_id)) {
      const auto lid_chat = chat.server == kServerJid ? lid_device_of(chat) : std::nullopt;
      if (sent->chat == chat.str() || sent->recipient == chat.str() ||
          (lid_chat && sent->chat == lid_chat->to_non_ad().str())) {
        text = sent->text;
      }
    }
  } catch (const std::exception& e) {
    return finish("retry_failed", e.what());
  }
  if (!text) return finish("retry_message_unknown", "not among the recent messages (or its text was forgotten)");
  if (retries_served_.increment(from->str() + "/" + request.message_id) > kMaxRetriesServed)
    return finish("retry_receipt_ignored", "too many retries for this message");

  // Sessions are keyed by the device's LID address (§10 step 2).
  const Jid device = lid_device_of(*from).value_or(*from);
  if (device.server == kLidServer && from->server == kServerJid) migrate_session_to_lid(*from, device);
  const signal::Address address = signal::Address::of(device);
  bool need_bundle = false;
  if (!request.bundle) {
    bool has = false;
    try {
      has = signal_->has_session(address);
    } catch (const std::exception& e) {
      return finish("retry_failed", e.what());
    }
    // whatsmeow shouldRecreateSession: no session at all, or a repeated retry and no rebuild
    // for this device in the last hour.
    const int64_t now = now_ms();
    auto it = session_recreated_at_.find(device.str());
    const bool recent = it != session_recreated_at_.end() && now - it->second <= kSessionRecreateIntervalMs;
    if (!has || (request.count >= 2 && !recent)) {
      // Bounded like the counters: the oldest rebuild times matter least.
      if (session_recreated_at_.size() >= 1024) session_recreated_at_.clear();
      session_recreated_at_[device.str()] = now;
      need_bundle = true;
    }
  }
  const Bytes plaintext = pad_message(own ? device_sent_text_message(chat.str(), *text)
                                          : text_message(*text));
  auto resend = [this, receipt, request, device, address, plaintext](
                    const std::optional<signal::PreKeyBundle>& bundle) {
    try {
      std::optional<signal::Ciphertext> c;
      store_->transaction([&] {
        if (bundle) signal_->process_bundle(address, *bundle);
        c = signal_->encrypt(address, plaintext);
      });
      send_node(make_retry_resend(receipt, request,
                                  DeviceCiphertext{device, c->type, std::move(c->data)},
                                  device_.account));
      util::log::info("retry_resent", tenant_,
                      {{"id", request.message_id}, {"count", request.count}, {"type", c->type}});
    } catch (const std::exception& e) {
      util::log::warn("retry_failed", tenant_, {{"id", request.message_id}, {"why", e.what()}});
    }
    send_node(make_ack(receipt));  // handled, whatever the outcome
  };
  if (!need_bundle) return resend(request.bundle);

  std::weak_ptr<Client> weak = shared_from_this();
  send_iq(make_prekey_fetch_iq({device}), opt_.iq_timeout_ms,
          [weak, device, resend, receipt](const Node* reply) {
            auto self = weak.lock();
            if (!self) return;
            std::optional<signal::PreKeyBundle> bundle;
            if (reply && reply->attr("type") == "result") {
              auto bundles = parse_prekey_bundles(*reply);
              auto it = bundles.find(device.str());
              if (it != bundles.end()) {
                if (auto* b = std::get_if<signal::PreKeyBundle>(&it->second)) bundle = *b;
              }
            }
            if (!bundle) {
              util::log::warn("retry_failed", self->tenant_,
                              {{"id", receipt.attr("id")}, {"why", "no prekey bundle for the device"}});
              self->send_node(make_ack(receipt));
              return;
            }
            resend(bundle);
          });
}

}  // namespace wa
