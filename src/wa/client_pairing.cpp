// QR pairing on the live connection (PROTOCOL.md §6): pair-device refs become rotating QR codes;
// pair-success is verified, persisted, and answered with pair-device-sign.
#include <chrono>

#include "util/log.hpp"
#include "wa/client.hpp"
#include "wa/pair.hpp"

namespace wa {

void Client::handle_pair_device(const Node& iq) {
  // Acknowledge at once (§6 step 2), then show the refs in order.
  send_node(make_iq_result(iq.attr("id")));
  refs_.clear();
  for (const Node* ref : iq.child("pair-device")->children_by_tag("ref")) {
    Bytes b = ref->bytes();
    refs_.emplace_back(b.begin(), b.end());
  }
  if (refs_.empty()) {
    fail("pairing_failed", "The server sent no pairing references.", After::reconnect_backoff);
    return;
  }
  util::log::info("pair_device", tenant_, {{"refs", refs_.size()}});
  show_qr(0);
}

void Client::show_qr(size_t index) {
  if (index >= refs_.size()) {
    // Every ref expired (60 + 5 x 20 s with six refs): both reference clients close the
    // connection here; a new POST /session starts over with new refs.
    util::log::info("qr_timeout", tenant_);
    set_phase(Phase::qr_timeout);
    close_connection(After::stay_down);
    return;
  }
  // whatsmeow shows the first ref for 60 s only when the server sent the usual six (§6 step 4).
  const int ms = (index == 0 && refs_.size() == 6) ? opt_.qr_first_ref_ms : opt_.qr_next_ref_ms;
  std::string qr = make_qr_string(refs_[index], device_.noise_key.pub, device_.identity_key.pub,
                                  device_.adv_secret, qr_platform_char(opt_.props.platform_type));
  {
    std::lock_guard<std::mutex> lk(mu_);
    snap_.qr = std::move(qr);
    snap_.qr_expires_at_ms = now_ms() + ms;
    snap_.qr_sequence += 1;
    snap_.phase = Phase::qr;
    snap_.phase_since_ms = now_ms();
  }
  changed();
  std::weak_ptr<Client> weak = shared_from_this();
  qr_timer_.expires_after(std::chrono::milliseconds(ms));
  qr_timer_.async_wait([weak, index](const asio::error_code& ec) {
    if (auto self = weak.lock(); self && !ec) self->show_qr(index + 1);
  });
}

void Client::handle_pair_success(const Node& iq) {
  qr_timer_.cancel();
  set_phase(Phase::pairing);
  const std::string id = iq.attr("id");
  const Node& ps = *iq.child("pair-success");
  const Node* identity = ps.child("device-identity");
  const Node* device = ps.child("device");
  auto jid = device ? device->jid_attr("jid") : std::nullopt;
  if (!identity || !jid) {
    send_node(make_iq_error(id, 500, "internal-error"));
    fail("pairing_failed", "pair-success lacked the device identity or JID.", After::stay_down);
    return;
  }
  auto result = process_pair_success(identity->bytes(), device_.adv_secret, device_.identity_key);
  if (auto* err = std::get_if<PairError>(&result)) {
    // Refuse the pairing exactly as the real clients do (§6 step 2 and 4).
    send_node(make_iq_error(id, pair_error_code(*err), pair_error_text(*err)));
    fail("pairing_failed",
         std::string("The pairing was refused: ") + pair_error_text(*err) + ".", After::stay_down);
    return;
  }
  const auto& paired = std::get<PairedIdentity>(result);
  auto lid = device->jid_attr("lid");
  const Node* platform = ps.child("platform");
  const Node* biz = ps.child("biz");

  store::Device updated = device_;
  updated.jid = jid->str();
  updated.lid = lid ? lid->str() : "";
  updated.account = paired.account;
  updated.platform = platform ? platform->attr("name") : "";
  updated.business_name = biz ? biz->attr("name") : "";
  try {
    // Persist before answering: once the phone sees pair-device-sign it lists the device, so
    // the credentials must already be durable (a crash now must not cost a new QR). One
    // transaction, one fsync: the credentials, the LID mapping and the phone's identity are
    // there together or not at all.
    store_->transaction([&] {
      store_->save_device(updated);
      if (lid) {
        store_->put_lid_mapping(lid->user, jid->user);
        // The phone's identity is trusted for its LID address, device 0 (§6 step 6).
        store_->put_identity(Jid::user_jid(lid->user, kLidServer).signal_address_name(), 0,
                             paired.account_signature_key);
      }
    });
  } catch (const std::exception& e) {
    send_node(make_iq_error(id, 500, "internal-error"));
    fail("store_failed", std::string("Could not save the paired credentials: ") + e.what(),
         After::stay_down);
    return;
  }
  device_ = std::move(updated);
  {
    std::lock_guard<std::mutex> lk(mu_);
    snap_.paired = true;
    snap_.jid = device_.jid;
    snap_.lid = device_.lid;
  }
  Node sign("pair-device-sign", {},
            NodeList{Node("device-identity", {{"key-index", std::to_string(paired.key_index)}},
                          paired.account_for_reply)});
  send_node(make_iq_result(id, std::move(sign)));
  util::log::info("paired", tenant_, {{"jid", device_.jid}, {"platform", device_.platform}});
  changed();
  // The server now sends stream:error 515 and closes; we log in with the new credentials.
}

}  // namespace wa
