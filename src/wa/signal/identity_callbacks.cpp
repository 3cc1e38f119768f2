// libsignal identity-key-store callbacks: our identity key pair and registration id come from
// store::Device; remote identities go to the Store's identities table (PROTOCOL.md §9).
#include "wa/signal/identity_policy.hpp"
#include "wa/signal/keys.hpp"
#include "wa/signal/store_callbacks.hpp"
#include "util/log.hpp"

namespace wa::signal::callbacks {
namespace {

int get_identity_key_pair(signal_buffer** public_data, signal_buffer** private_data,
                          void* user_data) {
  return guarded(user_data, [&](StoreAdapter& a) {
    const auto& identity = a.device().identity_key;
    // libsignal decodes these with curve_decode_point (0x05 || key) and
    // curve_decode_private_point (raw 32 bytes).
    signal_buffer* pub = nullptr;
    int rc = give_buffer(&pub, keys::serialized_public(identity.pub));
    if (rc < 0) return rc;
    lib::Buffer pub_owned(pub);
    signal_buffer* priv = nullptr;
    rc = give_buffer(&priv, identity.priv_bytes());
    if (rc < 0) return rc;
    *public_data = pub_owned.release();
    *private_data = priv;
    return SG_SUCCESS;
  });
}

int get_local_registration_id(void* user_data, uint32_t* registration_id) {
  return guarded(user_data, [&](StoreAdapter& a) {
    *registration_id = a.device().registration_id;
    return SG_SUCCESS;
  });
}

// Stores the key libsignal has just accepted. A change was already handled (old session dropped)
// by adopt_identity before the libsignal call, so normally the key equals the stored one. If a
// libsignal path ever saves a different key without that step, the key is still replaced (TOFU
// with replacement) and logged, but the session is kept: libsignal stored it just before this
// call, built with the new key.
int save_identity(const signal_protocol_address* address, uint8_t* key_data, size_t key_len,
                  void* user_data) {
  return guarded(user_data, [&](StoreAdapter& a) {
    const std::string name = name_of(address);
    const auto device = static_cast<uint32_t>(address->device_id);
    if (!key_data) {  // the contract: null key = forget the key
      a.store().delete_identity(name, device);
      return SG_SUCCESS;
    }
    auto key = keys::raw_from_serialized(key_data, key_len);
    if (!key) return SG_ERR_INVALID_KEY;
    const util::Bytes raw(key->begin(), key->end());
    auto stored = a.store().get_identity(name, device);
    if (stored && *stored == raw) return SG_SUCCESS;
    if (stored) {
      util::log::warn("identity_changed", a.tenant(),
                      {{"address", name}, {"device", device}, {"session_dropped", false}});
    }
    a.store().put_identity(name, device, raw);
    return SG_SUCCESS;
  });
}

// Always trusted: both reference clients trust on first use and replace a changed identity
// (whatsmeow deletes identity + session and retries; Baileys' isTrustedIdentity returns true),
// PROTOCOL.md §9. The replacement itself is adopt_identity's job.
int is_trusted_identity(const signal_protocol_address*, uint8_t*, size_t, void*) { return 1; }

}  // namespace

signal_protocol_identity_key_store identity_key_store(StoreAdapter* adapter) {
  signal_protocol_identity_key_store s{};
  s.get_identity_key_pair = get_identity_key_pair;
  s.get_local_registration_id = get_local_registration_id;
  s.save_identity = save_identity;
  s.is_trusted_identity = is_trusted_identity;
  s.destroy_func = nullptr;
  s.user_data = adapter;
  return s;
}

}  // namespace wa::signal::callbacks
