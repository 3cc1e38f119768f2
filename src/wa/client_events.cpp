// Login outcomes and stream errors, handled the way whatsmeow handles them
// (PROTOCOL.md §8 "<stream:error>" and "<failure reason=N>" tables, §11).
#include "util/log.hpp"
#include "wa/client.hpp"

namespace wa {

void Client::handle_success(const Node& node) {
  if (!device_.paired()) {
    // whatsmeow ignores a success that was not preceded by pairing (connectionevents.go).
    util::log::warn("success_without_pairing", tenant_);
    return;
  }
  // Learn our LID if we did not know it; a different one is kept as it is but logged
  // (whatsmeow resets it and re-learns; the mapping from pairing stays authoritative).
  if (auto lid = node.jid_attr("lid"); lid && device_.lid.empty()) {
    device_.lid = lid->str();
    try {
      store_->save_device(device_);
      if (auto jid = Jid::parse(device_.jid)) store_->put_lid_mapping(lid->user, jid->user);
    } catch (const std::exception& e) {
      util::log::warn("store_failed", tenant_, {{"error", e.what()}});
    }
  }
  {
    std::lock_guard<std::mutex> lk(mu_);
    snap_.logged_in = true;
    snap_.ever_connected = true;
    snap_.reconnect_attempts = 0;
    snap_.last_keepalive_ok_ms = now_ms();
    snap_.lid = device_.lid;
  }
  connect_timer_.cancel();  // the login was answered (connect() armed it)
  set_phase(Phase::connected);
  util::log::info("connected", tenant_, {{"jid", device_.jid}});
  schedule_keepalive();
  run_post_login();
}

void Client::handle_failure(const Node& node) {
  const std::string reason = node.attr("reason");
  if (reason == "401" || reason == "403" || reason == "406") {
    // Logged out from the phone, main device gone / locked, or banned: WM deletes the store.
    logged_out("WhatsApp refused the login (reason " + reason + "): the device was unlinked.");
  } else if (reason == "405") {
    fail("client_outdated",
         "WhatsApp rejected client version " + opt_.version.str() +
             " as outdated; set wa_version (WA_VERSION) to the current WhatsApp Web version.",
         After::stay_down);
  } else if (reason == "500" || reason == "503") {
    fail("server_unavailable", "WhatsApp is unavailable (reason " + reason + "); retrying.",
         After::reconnect_backoff);
  } else if (reason == "402") {
    fail("temporarily_banned",
         "The account is temporarily banned (code " + node.attr("code") + ", expires in " +
             node.attr("expire") + " s).",
         After::stay_down);
  } else {
    fail("login_failed", "WhatsApp refused the login (reason " + reason + ").", After::stay_down);
  }
}

void Client::handle_stream_error(const Node& node) {
  const std::string code = node.attr("code");
  const Node* conflict = node.child("conflict");
  const std::string conflict_type = conflict ? conflict->attr("type") : "";
  if (code == "515") {
    // Normal after pairing: reconnect at once with the same (now paired) credentials. That
    // restart is the last step of pairing, and reads as such until the login (not as a
    // reconnect of a session that was never connected).
    util::log::info("stream_restart", tenant_);
    {
      std::lock_guard<std::mutex> lk(mu_);
      if (snap_.phase == Phase::pairing) snap_.pair_restart = true;
    }
    close_connection(After::reconnect_now);
  } else if (conflict_type == "device_removed") {
    logged_out("The device was unlinked from the phone.");
  } else if (conflict_type == "replaced") {
    // Another client uses these credentials; fighting it would loop (§12 reconnect row).
    fail("replaced", "Another client took over this session; not reconnecting.", After::stay_down);
  } else {
    util::log::warn("stream_error", tenant_, {{"code", code}});
    {
      std::lock_guard<std::mutex> lk(mu_);
      snap_.last_error = ClientError{"stream_error", "Stream error " + code + " from WhatsApp.", now_ms()};
    }
    close_cause_ = "stream_error";
    close_connection(After::reconnect_backoff);
  }
}

void Client::logged_out(const std::string& why) {
  try {
    store_->wipe();
  } catch (const std::exception& e) {
    util::log::error("store_failed", tenant_, {{"error", e.what()}});
  }
  signal_.reset();
  device_ = store::Device::generate();
  try {
    store_->save_device(device_);
  } catch (const std::exception& e) {
    util::log::error("store_failed", tenant_, {{"error", e.what()}});
  }
  signal_ = std::make_unique<signal::SignalProtocol>(*store_, device_);
  device_cache_.clear();
  {
    std::lock_guard<std::mutex> lk(mu_);
    snap_.last_error = ClientError{"logged_out", why, now_ms()};
    snap_.paired = false;
    snap_.jid.clear();
    snap_.lid.clear();
  }
  util::log::warn("logged_out", tenant_);
  set_phase(Phase::logged_out);
  close_connection(After::stay_down);
}

}  // namespace wa
