// Which identity a peer's Signal session lives under (PROTOCOL.md §10 step 2): sessions are
// keyed by the LID address whenever the LID is known, and a session an older version kept
// under the phone-number address is moved to the LID first (whatsmeow migrateSessionStore).
#include "util/log.hpp"
#include "wa/client.hpp"

namespace wa {
namespace {

bool same_user(const Jid& a, const std::optional<Jid>& b) {
  return b && a.user == b->user && a.server == b->server;
}

}  // namespace

bool Client::is_own_user(const Jid& jid) const {
  return same_user(jid, Jid::parse(device_.jid)) || same_user(jid, Jid::parse(device_.lid));
}

std::optional<Jid> Client::lid_device_of(const Jid& device) {
  if (device.server == kLidServer) return device;
  if (device.server != kServerJid) return std::nullopt;
  try {
    if (auto lid_user = store_->lid_for_pn(device.user)) {
      return Jid{*lid_user, 0, device.device, 0, kLidServer};
    }
  } catch (const std::exception& e) {
    util::log::warn("store_failed", tenant_, {{"error", e.what()}});
  }
  return std::nullopt;
}

void Client::learn_lid(const Jid& lid, const Jid& pn) {
  try {
    // Written only when new or changed: every PN-addressed message carries it, and a write
    // costs a commit.
    const auto known = store_->lid_for_pn(pn.user);
    if (!known || *known != lid.user) store_->put_lid_mapping(lid.user, pn.user);
  } catch (const std::exception& e) {
    util::log::warn("store_failed", tenant_, {{"error", e.what()}});
  }
}

void Client::migrate_session_to_lid(const Jid& pn_device, const Jid& lid_device) {
  const std::string pn_name = pn_device.signal_address_name();
  const std::string lid_name = lid_device.signal_address_name();
  try {
    store_->transaction([&] {
      if (store_->contains_session(lid_name, lid_device.device)) return;
      auto record = store_->load_session(pn_name, pn_device.device);
      if (!record) return;
      store_->store_session(lid_name, lid_device.device, *record);
      store_->delete_session(pn_name, pn_device.device);
      util::log::info("session_migrated_to_lid", tenant_, {{"device", lid_device.str()}});
    });
  } catch (const std::exception& e) {
    util::log::warn("store_failed", tenant_, {{"error", e.what()}});
  }
}

}  // namespace wa
