// After login (PROTOCOL.md §8 "Post-login sequence", whatsmeow connectionevents.go): ask the
// server how many one-time prekeys it holds, upload more when it runs low, then switch from
// passive to active so that the server starts delivering.
#include "metrics/service_metrics.hpp"
#include "util/log.hpp"
#include "wa/client.hpp"
#include "wa/heap_trim.hpp"
#include "wa/prekeys.hpp"

namespace wa {

void Client::run_post_login() {
  std::weak_ptr<Client> weak = shared_from_this();
  const uint64_t gen = conn_gen_;
  auto go_active = [weak, gen] {
    auto self = weak.lock();
    if (!self || self->conn_gen_ != gen) return;
    Node active("iq", {{"to", Jid::server_jid()}, {"type", "set"}, {"xmlns", "passive"}},
                NodeList{Node("active")});
    self->send_iq(std::move(active), self->opt_.iq_timeout_ms, [weak](const Node*) {
      // The post-login burst (prekey count, upload of up to 812 keys) is over and the session
      // goes idle: hand back the cache pages and WAL it left behind (Store::trim keeps
      // an idle session within 128 KiB).
      auto self = weak.lock();
      if (!self) return;
      try {
        self->store_->trim();
      } catch (const std::exception& e) {
        util::log::warn("store_trim_failed", self->tenant_, {{"error", e.what()}});
      }
      trim_heap_soon(self->io_);  // the memory the login burst freed, once per burst
    });
  };
  send_iq(make_prekey_count_iq(), opt_.iq_timeout_ms, [weak, gen, go_active](const Node* reply) {
    auto self = weak.lock();
    if (!self || self->conn_gen_ != gen) return;
    auto server = reply ? parse_prekey_count(*reply) : std::nullopt;
    if (!server) {
      util::log::warn("prekey_count_failed", self->tenant_);
      go_active();
      return;
    }
    uint32_t local = 0;
    try {
      local = self->store_->uploaded_prekey_count();
    } catch (const std::exception& e) {
      util::log::warn("store_failed", self->tenant_, {{"error", e.what()}});
    }
    util::log::debug("prekey_count", self->tenant_, {{"server", *server}, {"local", local}});
    if (*server >= kMinPreKeyCount && local >= kMinPreKeyCount) {
      go_active();
      return;
    }
    const uint32_t n = (*server == 0 && local == 0) ? kInitialPreKeyCount : kWantedPreKeyCount;
    self->upload_prekeys(n, [go_active](bool) { go_active(); });
  });
}

void Client::upload_prekeys(uint32_t count, std::function<void(bool)> done) {
  std::vector<store::Store::PreKey> keys;
  try {
    // Not-yet-uploaded keys are reused, so a crash mid-upload re-sends the same ids (§8).
    keys = store_->get_or_generate_prekeys(count);
  } catch (const std::exception& e) {
    util::log::error("store_failed", tenant_, {{"error", e.what()}});
    done(false);
    return;
  }
  const uint32_t last_id = keys.empty() ? 0 : keys.back().id;
  std::weak_ptr<Client> weak = shared_from_this();
  send_iq(make_prekey_upload_iq(device_, keys), opt_.iq_timeout_ms,
          [weak, last_id, count, done](const Node* reply) {
            auto self = weak.lock();
            if (!self) return;
            const bool ok = reply && reply->attr("type") == "result";
            if (ok) {
              try {
                self->store_->mark_prekeys_uploaded(last_id);
              } catch (const std::exception& e) {
                util::log::error("store_failed", self->tenant_, {{"error", e.what()}});
              }
              util::log::info("prekeys_uploaded", self->tenant_, {{"count", count}});
              metrics::count_prekeys_uploaded(count);
            } else {
              util::log::warn("prekey_upload_failed", self->tenant_);
            }
            done(ok);
          });
}

}  // namespace wa
