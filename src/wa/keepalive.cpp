// Keepalive (PROTOCOL.md §8, whatsmeow keepalive.go): an empty w:p ping every random 20-30 s,
// 10 s to answer; after 3 minutes without an answered ping the connection is dropped and
// re-established.
#include <random>

#include "util/log.hpp"
#include "wa/client.hpp"

namespace wa {

void Client::schedule_keepalive() {
  static thread_local std::mt19937 rng{std::random_device{}()};
  const int ms = std::uniform_int_distribution<int>(opt_.keepalive_min_ms, opt_.keepalive_max_ms)(rng);
  std::weak_ptr<Client> weak = shared_from_this();
  const uint64_t gen = conn_gen_;
  keepalive_timer_.expires_after(std::chrono::milliseconds(ms));
  keepalive_timer_.async_wait([weak, gen](const asio::error_code& ec) {
    auto self = weak.lock();
    if (ec || !self || self->conn_gen_ != gen || !self->noise_) return;
    self->send_keepalive();
    self->trim_store_if_idle();
    self->schedule_keepalive();
  });
}

void Client::trim_store_if_idle() {
  // A session that sent a burst and went quiet still holds the pages and statements the burst
  // cached; an idle session must stay within its memory budget (Store::trim). What it frees
  // stays with malloc for the next user: a malloc_trim per quiet session would cost idle CPU
  // (it walks the whole heap), so only the login burst asks for one (client_prekeys.cpp).
  try {
    store_->trim_if_idle();
  } catch (const std::exception& e) {
    util::log::warn("store_trim_failed", tenant_, {{"error", e.what()}});
  }
}

void Client::send_keepalive() {
  Node ping("iq", {{"to", Jid::server_jid()}, {"type", "get"}, {"xmlns", "w:p"}});
  std::weak_ptr<Client> weak = shared_from_this();
  const uint64_t gen = conn_gen_;
  send_iq(std::move(ping), opt_.keepalive_timeout_ms, [weak, gen](const Node* reply) {
    auto self = weak.lock();
    if (!self || self->conn_gen_ != gen || !self->conn_) return;
    const int64_t now = now_ms();
    int64_t last_ok;
    {
      std::lock_guard<std::mutex> lk(self->mu_);
      if (reply) self->snap_.last_keepalive_ok_ms = now;
      last_ok = self->snap_.last_keepalive_ok_ms;
    }
    if (reply) {
      self->changed();
      return;
    }
    util::log::warn("keepalive_timeout", self->tenant_, {{"since_ok_ms", now - last_ok}});
    if (now - last_ok > self->opt_.keepalive_dead_ms) {
      self->fail("keepalive_failed", "WhatsApp stopped answering keepalive pings; reconnecting.",
                 After::reconnect_backoff);
    }
  });
}

}  // namespace wa
