#include "wa/signal/store_adapter.hpp"

#include <filesystem>
#include <stdexcept>

#include "util/signal_crypto_provider.hpp"
#include "wa/signal/signal_protocol.hpp"
#include "wa/signal/store_callbacks.hpp"

namespace wa::signal {

StoreAdapter::StoreAdapter(store::Store& store, const store::Device& device)
    : store_(store),
      device_(device),
      tenant_(std::filesystem::path(store.dir()).filename().string()) {
  signal_protocol_store_context* raw = nullptr;
  int rc = signal_protocol_store_context_create(&raw, util::libsignal::context());
  context_.reset(raw);
  if (rc < 0 || !context_) {
    throw SignalError(SignalError::Kind::internal,
                      "cannot create libsignal store context (" + std::to_string(rc) + ")");
  }
  // The tables are copied into the context; destroy_func stays null because this adapter, not
  // libsignal, owns user_data.
  const auto sessions = callbacks::session_store(this);
  const auto pre_keys = callbacks::pre_key_store(this);
  const auto signed_pre_keys = callbacks::signed_pre_key_store(this);
  const auto identities = callbacks::identity_key_store(this);
  const auto sender_keys = callbacks::sender_key_store(this);
  if (signal_protocol_store_context_set_session_store(raw, &sessions) < 0 ||
      signal_protocol_store_context_set_pre_key_store(raw, &pre_keys) < 0 ||
      signal_protocol_store_context_set_signed_pre_key_store(raw, &signed_pre_keys) < 0 ||
      signal_protocol_store_context_set_identity_key_store(raw, &identities) < 0 ||
      signal_protocol_store_context_set_sender_key_store(raw, &sender_keys) < 0) {
    throw SignalError(SignalError::Kind::internal, "cannot install libsignal store callbacks");
  }
}

void StoreAdapter::rethrow_pending() {
  if (pending_) {
    std::exception_ptr e = pending_;
    pending_ = nullptr;
    std::rethrow_exception(e);
  }
}

}  // namespace wa::signal
