// The five libsignal store-callback tables, each filled in its own file, all with user_data =
// the StoreAdapter. Private to the signal module.
#pragma once
#include <signal/signal_protocol.h>

#include <string>

#include "wa/signal/store_adapter.hpp"

namespace wa::signal::callbacks {

signal_protocol_session_store session_store(StoreAdapter* adapter);
signal_protocol_pre_key_store pre_key_store(StoreAdapter* adapter);
signal_protocol_signed_pre_key_store signed_pre_key_store(StoreAdapter* adapter);
signal_protocol_identity_key_store identity_key_store(StoreAdapter* adapter);
signal_protocol_sender_key_store sender_key_store(StoreAdapter* adapter);

// Runs body(adapter) and returns its result; an exception becomes SG_ERR_UNKNOWN for libsignal
// and is kept in the adapter for the caller to rethrow (exceptions must not cross C frames).
template <class F>
int guarded(void* user_data, F&& body) noexcept {
  auto* adapter = static_cast<StoreAdapter*>(user_data);
  try {
    return body(*adapter);
  } catch (...) {
    adapter->set_pending(std::current_exception());
    return SG_ERR_UNKNOWN;
  }
}

inline std::string name_of(const char* name, size_t len) { return std::string(name, len); }
inline std::string name_of(const signal_protocol_address* a) { return name_of(a->name, a->name_len); }

// Hands a copy of bytes to libsignal, which frees it (the callbacks' contract).
inline int give_buffer(signal_buffer** out, const util::Bytes& bytes) {
  signal_buffer* b = signal_buffer_create(bytes.data(), bytes.size());
  if (!b) return SG_ERR_NOMEM;
  *out = b;
  return SG_SUCCESS;
}

}  // namespace wa::signal::callbacks
