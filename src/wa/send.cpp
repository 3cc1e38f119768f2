// Sending a 1:1 text (PROTOCOL.md §9, following whatsmeow send.go where the libraries differ):
//   1. the recipient's LID: local map, else usync GetUserInfo; no LID => not on WhatsApp
//      (whatsmeow fails the send the same way: "no LID found from server");
//   2. device lists of the recipient's LID and of our own LID (usync, cached per user);
//   3. prekey bundles for devices without a Signal session, sessions built from them;
//   4. one padded Message per device, Signal-encrypted under the device's LID address; our own
//      other devices get a DeviceSentMessage; the stanza goes to the LID with
//      peer_recipient_pn = the phone number, and carries our device identity if any copy is a
//      pkmsg;
//   5. reported sent only when the server's <ack class="message"> arrives without an error.
// One send is prepared at a time (steps 1-4), so the Signal state never races; waiting for
// acks overlaps.
// When the connection closes or the client stops, every send is answered at once
// (answer_held_sends): one whose stanza went out has an unknown outcome; one still queued or
// being prepared was not sent.
#include <asio/post.hpp>
#include <utility>

#include "metrics/service_metrics.hpp"
#include "util/log.hpp"
#include "wa/client.hpp"
#include "wa/message_build.hpp"
#include "wa/prekeys.hpp"
#include "wa/usync.hpp"

namespace wa {

struct Client::OutgoingSend {
  Jid to_pn;
  std::string text;
  int ack_timeout_ms = 30000;
  std::function<void(SendResult)> done;
  Jid to_lid;
  std::vector<Jid> devices;  // recipient devices, then our own other devices
  std::vector<Jid> encrypted_for;  // the devices that got a copy (for the phash check)
  std::string id;
  std::shared_ptr<asio::steady_timer> ack_timer;
  bool finished = false;
};

namespace {

SendResult result(SendResult::Kind kind, const std::string& code, const std::string& detail) {
  SendResult r;
  r.kind = kind;
  r.code = code;
  r.detail = detail;
  return r;
}

}  // namespace

void Client::send_text(Jid to, std::string text, int ack_timeout_ms,
                       std::function<void(SendResult)> done) {
  auto s = std::make_shared<OutgoingSend>();
  s->to_pn = std::move(to);
  s->text = std::move(text);
  s->ack_timeout_ms = ack_timeout_ms;
  s->done = std::move(done);
  asio::post(io_, [self = shared_from_this(), s] {
    self->send_queue_.push_back(s);
    self->pump_sends();
  });
}

void Client::pump_sends() {
  if (preparing_ || send_queue_.empty()) return;
  auto s = send_queue_.front();
  send_queue_.pop_front();
  preparing_ = s;
  if (!noise_ || !snapshot().logged_in) {
    finish_send(s, result(SendResult::Kind::not_connected, "not_connected",
                          "The session is not connected to WhatsApp."));
    return;
  }
  send_step_resolve_lid(s);
}

void Client::finish_send(std::shared_ptr<OutgoingSend> s, SendResult r) {
  if (s->finished) return;
  s->finished = true;
  if (s->ack_timer) s->ack_timer->cancel();
  if (!s->id.empty()) awaiting_ack_.erase(s->id);
  if (r.message_id.empty()) r.message_id = s->id;
  r.to = s->to_pn.str();
  util::log::info("send_result", tenant_,
                  {{"id", s->id}, {"result", static_cast<int>(r.kind)}, {"code", r.code}});
  auto done = std::move(s->done);
  if (done) done(std::move(r));
  // If this send was still being prepared, the next one may start.
  if (s == preparing_) {
    preparing_.reset();
    asio::post(io_, [self = shared_from_this()] { self->pump_sends(); });
  }
}

void Client::answer_held_sends() {
  // On the wire, not acked: WhatsApp may or may not have taken it. The caller learns now that
  // the outcome is unknown (with the message id), not when the ack timer would have fired.
  auto waiting = std::move(awaiting_ack_);
  awaiting_ack_.clear();
  for (auto& [id, s] : waiting) {
    finish_send(s, result(SendResult::Kind::ack_timeout, "connection_lost",
                          "The connection to WhatsApp closed before it acknowledged the message; "
                          "the outcome is unknown."));
  }
  // Queued or being prepared: no stanza left, so the message was certainly not sent. Answering
  // them now (rather than after a reconnect) keeps a caller from waiting on a connection that
  // may not come back. preparing_ is cleared first, so finish_send starts nothing new.
  std::deque<std::shared_ptr<OutgoingSend>> unsent = std::move(send_queue_);
  send_queue_.clear();
  if (preparing_) unsent.push_front(std::exchange(preparing_, nullptr));
  for (auto& s : unsent) {
    finish_send(s, result(SendResult::Kind::not_connected, "not_connected",
                          "The connection to WhatsApp closed before the message was sent; it "
                          "was not sent."));
  }
}

void Client::send_step_resolve_lid(std::shared_ptr<OutgoingSend> s) {
  try {
    if (auto lid_user = store_->lid_for_pn(s->to_pn.user)) {
      s->to_lid = Jid::user_jid(*lid_user, kLidServer);
      send_step_devices(s);
      return;
    }
  } catch (const std::exception& e) {
    finish_send(s, result(SendResult::Kind::failed, "store_failed", e.what()));
    return;
  }
  std::weak_ptr<Client> weak = shared_from_this();
  send_iq(make_user_info_query({s->to_pn}, new_usync_sid()), s->ack_timeout_ms,
          [weak, s](const Node* reply) {
            auto self = weak.lock();
            if (!self) return;
            if (!reply || reply->attr("type") != "result") {
              self->finish_send(s, result(SendResult::Kind::failed, "usync_failed",
                                          "WhatsApp did not answer the user lookup."));
              return;
            }
            std::optional<Jid> lid;
            try {
              for (const UsyncUser& u : parse_usync_result(*reply)) {
                if (u.jid.user == s->to_pn.user && u.lid) lid = u.lid->to_non_ad();
              }
            } catch (const std::exception& e) {
              self->finish_send(s, result(SendResult::Kind::failed, "usync_failed", e.what()));
              return;
            }
            if (!lid) {
              self->finish_send(s, result(SendResult::Kind::not_on_whatsapp, "not_on_whatsapp",
                                          "The number has no WhatsApp account."));
              return;
            }
            try {
              self->store_->put_lid_mapping(lid->user, s->to_pn.user);
            } catch (const std::exception& e) {
              util::log::warn("store_failed", self->tenant_, {{"error", e.what()}});
            }
            s->to_lid = *lid;
            self->send_step_devices(s);
          });
}

void Client::send_step_devices(std::shared_ptr<OutgoingSend> s) {
  auto own_lid = Jid::parse(device_.lid);
  if (!own_lid) {
    finish_send(s, result(SendResult::Kind::failed, "no_own_lid",
                          "This device has no LID yet; reconnect and retry."));
    return;
  }
  const Jid own_bare = own_lid->to_non_ad();
  std::vector<Jid> missing;
  for (const Jid& user : {s->to_lid, own_bare}) {
    if (!device_cache_.count(user.str())) missing.push_back(user);
  }
  auto assemble = [this, s, own = *own_lid, own_bare] {
    auto it = device_cache_.find(s->to_lid.str());
    if (it == device_cache_.end() || it->second.empty()) {
      finish_send(s, result(SendResult::Kind::not_on_whatsapp, "not_on_whatsapp",
                            "The number has no WhatsApp devices."));
      return;
    }
    s->devices = it->second;
    for (const Jid& d : device_cache_[own_bare.str()]) {
      // Never encrypt for the device we are sending from (§9 "Drop your own current device").
      if (d.user == own.user && d.device == own.device) continue;
      s->devices.push_back(d);
    }
    send_step_sessions(s);
  };
  if (missing.empty()) {
    assemble();
    return;
  }
  std::weak_ptr<Client> weak = shared_from_this();
  send_iq(make_device_list_query(missing, new_usync_sid()), s->ack_timeout_ms,
          [weak, s, missing, assemble](const Node* reply) {
            auto self = weak.lock();
            if (!self) return;
            if (!reply || reply->attr("type") != "result") {
              self->finish_send(s, result(SendResult::Kind::failed, "usync_failed",
                                          "WhatsApp did not answer the device list query."));
              return;
            }
            try {
              for (const UsyncUser& u : parse_usync_result(*reply)) {
                if (u.has_device_list) self->device_cache_[u.jid.to_non_ad().str()] = u.devices;
              }
            } catch (const std::exception& e) {
              self->finish_send(s, result(SendResult::Kind::failed, "usync_failed", e.what()));
              return;
            }
            assemble();
          });
}

void Client::send_step_sessions(std::shared_ptr<OutgoingSend> s) {
  std::vector<Jid> missing;
  try {
    store_->reading([&] {
      for (const Jid& d : s->devices) {
        if (!signal_->has_session(signal::Address::of(d))) missing.push_back(d);
      }
    });
  } catch (const std::exception& e) {
    finish_send(s, result(SendResult::Kind::failed, "store_failed", e.what()));
    return;
  }
  if (missing.empty()) {
    send_step_encrypt(s);
    return;
  }
  std::weak_ptr<Client> weak = shared_from_this();
  send_iq(make_prekey_fetch_iq(missing), s->ack_timeout_ms, [weak, s, missing](const Node* reply) {
    auto self = weak.lock();
    if (!self) return;
    if (!reply || reply->attr("type") != "result") {
      self->finish_send(s, result(SendResult::Kind::failed, "prekey_fetch_failed",
                                  "WhatsApp did not answer the prekey bundle request."));
      return;
    }
    auto bundles = parse_prekey_bundles(*reply);
    try {
      // All new sessions of this send in one transaction (one fsync).
      self->store_->transaction([&] {
        for (const Jid& d : missing) {
          auto it = bundles.find(d.str());
          if (it == bundles.end() || std::holds_alternative<std::string>(it->second)) {
            // whatsmeow leaves out devices it could not get a bundle for.
            util::log::warn("prekey_bundle_missing", self->tenant_, {{"device", d.str()}});
            continue;
          }
          try {
            self->signal_->process_bundle(signal::Address::of(d),
                                          std::get<signal::PreKeyBundle>(it->second));
          } catch (const signal::SignalError& e) {
            util::log::warn("prekey_bundle_rejected", self->tenant_,
                            {{"device", d.str()}, {"error", e.what()}});
          }
        }
      });
    } catch (const std::exception& e) {
      // The store failed: nothing about this send can be trusted to persist.
      self->finish_send(s, result(SendResult::Kind::failed, "store_failed", e.what()));
      return;
    }
    self->send_step_encrypt(s);
  });
}

void Client::send_step_encrypt(std::shared_ptr<OutgoingSend> s) {
  // A stanza built now could not leave; no ratchet step is spent on it.
  if (!noise_) {
    finish_send(s, result(SendResult::Kind::not_connected, "not_connected",
                          "The session is not connected to WhatsApp."));
    return;
  }
  const auto own_pn = Jid::parse(device_.jid);
  s->id = new_message_id(own_pn ? own_pn->user : "", now_ms() / 1000);
  const Bytes for_recipient = pad_message(text_message(s->text));
  const Bytes for_own = pad_message(device_sent_text_message(s->to_lid.str(), s->text));
  const auto own_lid = Jid::parse(device_.lid);

  std::vector<DeviceCiphertext> copies;
  size_t recipient_copies = 0;
  try {
    // Every device's ratchet step of this message commits in one transaction (one fsync, not
    // one per device), and before the stanza leaves: a message on the wire whose chain state
    // was not saved would make the next message reuse its keys.
    store_->transaction([&] {
      for (const Jid& d : s->devices) {
        const signal::Address addr = signal::Address::of(d);
        const bool own = own_lid && d.user == own_lid->user && d.server == own_lid->server;
        if (!signal_->has_session(addr)) continue;  // no bundle: left out, as whatsmeow does
        try {
          signal::Ciphertext c = signal_->encrypt(addr, own ? for_own : for_recipient);
          copies.push_back(DeviceCiphertext{d, c.type, std::move(c.data)});
          s->encrypted_for.push_back(d);
          if (!own) ++recipient_copies;
        } catch (const signal::SignalError& e) {
          util::log::warn("encrypt_failed", tenant_, {{"device", d.str()}, {"error", e.what()}});
        }
      }
      // Kept for retry receipts (a device that cannot decrypt its copy asks for it again, §10,
      // also after a restart) and for the recipient's receipts (receipts.cpp).
      if (recipient_copies > 0) {
        store_->put_sent_message(
            store::Store::SentMessage{s->id, s->to_lid.str(), s->to_pn.str(), s->text, now_ms(), 0});
      }
    });
  } catch (const std::exception& e) {
    finish_send(s, result(SendResult::Kind::failed, "store_failed", e.what()));
    return;
  }
  if (recipient_copies == 0) {
    finish_send(s, result(SendResult::Kind::failed, "encrypt_failed",
                          "No device of the recipient could be encrypted for."));
    return;
  }
  Node stanza;
  try {
    stanza = make_message_stanza(s->id, s->to_lid, s->to_pn, copies, device_.account);
  } catch (const std::exception& e) {
    finish_send(s, result(SendResult::Kind::failed, "build_failed", e.what()));
    return;
  }

  s->ack_timer = std::make_shared<asio::steady_timer>(io_, std::chrono::milliseconds(s->ack_timeout_ms));
  std::weak_ptr<Client> weak = shared_from_this();
  s->ack_timer->async_wait([weak, s](const asio::error_code& ec) {
    auto self = weak.lock();
    if (ec || !self) return;
    metrics::count_ack_timeout();
    self->finish_send(s, result(SendResult::Kind::ack_timeout, "ack_timeout",
                                "WhatsApp did not acknowledge the message in time; the outcome "
                                "is unknown."));
  });
  awaiting_ack_[s->id] = s;
  send_node(stanza);
  util::log::info("message_sent", tenant_, {{"id", s->id}, {"devices", copies.size()}});
  // The next send may be prepared while this one waits for its ack.
  preparing_.reset();
  asio::post(io_, [self = shared_from_this()] { self->pump_sends(); });
}

void Client::handle_message_ack(const Node& ack) {
  auto it = awaiting_ack_.find(ack.attr("id"));
  if (it == awaiting_ack_.end()) return;
  auto s = it->second;
  const std::string error = ack.attr("error");
  if (!error.empty()) {
    finish_send(s, result(SendResult::Kind::server_error, error,
                          "WhatsApp refused the message (error " + error + ")."));
    return;
  }
  // The server's phash is over the device list it holds for this chat; a different one means
  // our cached lists are stale: drop them so the next send queries again (whatsmeow send.go).
  const std::string phash = ack.attr("phash");
  if (!phash.empty() && phash != participant_hash(s->encrypted_for)) {
    util::log::info("device_list_stale", tenant_, {{"id", s->id}});
    device_cache_.erase(s->to_lid.str());
    if (auto own = Jid::parse(device_.lid)) device_cache_.erase(own->to_non_ad().str());
  }
  SendResult r = result(SendResult::Kind::sent, "", "");
  r.timestamp = std::strtoll(ack.attr("t").c_str(), nullptr, 10);
  if (r.timestamp == 0) r.timestamp = now_ms() / 1000;
  finish_send(s, std::move(r));
}

}  // namespace wa
