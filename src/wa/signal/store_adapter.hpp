// libsignal's store callbacks on top of the tenant's Store (PROTOCOL.md §9): one
// signal_protocol_store_context whose five stores (session, pre_key, signed_pre_key,
// identity_key, sender_key) read and write store::Store, with the identity key pair, the local
// registration id and the signed prekey taken from store::Device (as whatsmeow's store/signal.go
// does: the device row is the only place they live).
//
// Callbacks are C functions called from inside libsignal, so they never let an exception out:
// the first one a callback catches is kept, the callback returns SG_ERR_UNKNOWN, and the caller
// of the libsignal function calls rethrow_pending() to surface the original error (a StoreError
// stays a StoreError) instead of libsignal's generic code.
#pragma once
#include <signal/signal_protocol.h>

#include <exception>
#include <string>

#include "wa/signal/libsignal_ptr.hpp"
#include "wa/store/device_store.hpp"

namespace wa::signal {

class StoreAdapter {
 public:
  StoreAdapter(store::Store& store, const store::Device& device);
  StoreAdapter(const StoreAdapter&) = delete;
  StoreAdapter& operator=(const StoreAdapter&) = delete;

  signal_protocol_store_context* context() const { return context_.get(); }
  store::Store& store() { return store_; }
  const store::Device& device() const { return device_; }
  const std::string& tenant() const { return tenant_; }

  // Forget any error left over from an earlier call; then, after each libsignal call, rethrow
  // the exception a callback caught during it (if any).
  void clear_pending() { pending_ = nullptr; }
  void rethrow_pending();
  void set_pending(std::exception_ptr e) {
    if (!pending_) pending_ = e;
  }

 private:
  store::Store& store_;
  const store::Device device_;
  std::string tenant_;  // for log lines: the store directory's name is the tenant id
  lib::StoreContext context_;
  std::exception_ptr pending_;
};

}  // namespace wa::signal
