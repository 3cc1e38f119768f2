// libsignal pre-key and signed-pre-key store callbacks (PROTOCOL.md §8, §10 step 3).
// One-time prekeys live in the Store's prekeys table and are created only by
// Store::get_or_generate_prekeys (ids must come from its counter), so libsignal may load and
// remove them but not store new ones. The signed prekey is the device's (id 1 in both reference
// clients, never rotated by whatsmeow); it is rebuilt as libsignal's record on every load, with
// timestamp 0 as whatsmeow's store/signal.go does.
#include <signal/session_pre_key.h>

#include "wa/signal/keys.hpp"
#include "wa/signal/store_callbacks.hpp"

namespace wa::signal::callbacks {
namespace {

int load_pre_key(signal_buffer** record, uint32_t pre_key_id, void* user_data) {
  return guarded(user_data, [&](StoreAdapter& a) {
    auto stored = a.store().load_prekey(pre_key_id);
    if (!stored) return SG_ERR_INVALID_KEY_ID;  // the contract's "not found"
    auto pair = keys::key_pair(stored->key);
    session_pre_key* raw = nullptr;
    int rc = session_pre_key_create(&raw, pre_key_id, pair.get());
    lib::Ref<session_pre_key> pre_key(raw);
    if (rc < 0) return rc;
    signal_buffer* out = nullptr;
    rc = session_pre_key_serialize(&out, pre_key.get());
    if (rc < 0) return rc;
    *record = out;  // libsignal frees it
    return SG_SUCCESS;
  });
}

int store_pre_key(uint32_t, uint8_t*, size_t, void*) {
  return SG_ERR_INVAL;  // see the file comment: ids are allocated by the Store only
}

int contains_pre_key(uint32_t pre_key_id, void* user_data) {
  return guarded(user_data,
                 [&](StoreAdapter& a) { return a.store().load_prekey(pre_key_id) ? 1 : 0; });
}

int remove_pre_key(uint32_t pre_key_id, void* user_data) {
  return guarded(user_data, [&](StoreAdapter& a) {
    a.store().remove_prekey(pre_key_id);  // a pkmsg consumed it (§10 step 3)
    return SG_SUCCESS;
  });
}

int load_signed_pre_key(signal_buffer** record, uint32_t signed_pre_key_id, void* user_data) {
  return guarded(user_data, [&](StoreAdapter& a) {
    const store::SignedPreKey& spk = a.device().signed_pre_key;
    if (signed_pre_key_id != spk.id) return SG_ERR_INVALID_KEY_ID;
    auto pair = keys::key_pair(spk.key);
    session_signed_pre_key* raw = nullptr;
    int rc = session_signed_pre_key_create(&raw, spk.id, /*timestamp=*/0, pair.get(),
                                           spk.signature.data(), spk.signature.size());
    lib::Ref<session_signed_pre_key> signed_pre_key(raw);
    if (rc < 0) return rc;
    signal_buffer* out = nullptr;
    rc = session_signed_pre_key_serialize(&out, signed_pre_key.get());
    if (rc < 0) return rc;
    *record = out;
    return SG_SUCCESS;
  });
}

int store_signed_pre_key(uint32_t, uint8_t*, size_t, void*) {
  return SG_ERR_INVAL;  // the signed prekey is part of the device row (store::Device)
}

int contains_signed_pre_key(uint32_t signed_pre_key_id, void* user_data) {
  return guarded(user_data, [&](StoreAdapter& a) {
    return signed_pre_key_id == a.device().signed_pre_key.id ? 1 : 0;
  });
}

int remove_signed_pre_key(uint32_t, void*) {
  return SG_ERR_INVAL;  // never rotated (whatsmeow keeps id 1 forever, §8)
}

}  // namespace

signal_protocol_pre_key_store pre_key_store(StoreAdapter* adapter) {
  signal_protocol_pre_key_store s{};
  s.load_pre_key = load_pre_key;
  s.store_pre_key = store_pre_key;
  s.contains_pre_key = contains_pre_key;
  s.remove_pre_key = remove_pre_key;
  s.destroy_func = nullptr;
  s.user_data = adapter;
  return s;
}

signal_protocol_signed_pre_key_store signed_pre_key_store(StoreAdapter* adapter) {
  signal_protocol_signed_pre_key_store s{};
  s.load_signed_pre_key = load_signed_pre_key;
  s.store_signed_pre_key = store_signed_pre_key;
  s.contains_signed_pre_key = contains_signed_pre_key;
  s.remove_signed_pre_key = remove_signed_pre_key;
  s.destroy_func = nullptr;
  s.user_data = adapter;
  return s;
}

}  // namespace wa::signal::callbacks
