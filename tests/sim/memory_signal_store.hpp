// An in-memory libsignal-protocol-c store (identity key pair and registration id, one-time
// prekeys, signed prekeys, sessions, remote identities) over std::map, for the simulator's
// recipient devices and for test senders. It is deliberately independent of the product's
// SQLite-backed wa::signal layer: the simulator has to check the product, not mirror it.
//
// Identity policy, as both reference clients (PROTOCOL.md §9): trust on first use, and a changed
// identity replaces the stored one.
// Not thread-safe: one owner (the simulator's io thread, or one test thread) touches it.
#pragma once
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include "util/bytes.hpp"
#include "util/curve25519.hpp"

extern "C" {
struct signal_protocol_store_context;
}

namespace sim::signal {

class MemoryStore {
 public:
  MemoryStore(const util::curve::KeyPair& identity, uint32_t registration_id);
  ~MemoryStore();
  MemoryStore(const MemoryStore&) = delete;
  MemoryStore& operator=(const MemoryStore&) = delete;

  // For session_builder_create / session_cipher_create; lives as long as the store.
  signal_protocol_store_context* context() const { return ctx_; }
  const util::curve::KeyPair& identity() const { return identity_; }
  uint32_t registration_id() const { return registration_id_; }

  void put_pre_key(uint32_t id, const util::curve::KeyPair& kp);
  void put_signed_pre_key(uint32_t id, const util::curve::KeyPair& kp, const util::Bytes& signature);
  bool has_pre_key(uint32_t id) const { return pre_keys_.count(id) != 0; }
  size_t pre_key_count() const { return pre_keys_.size(); }
  bool has_session(const std::string& name, int32_t device) const {
    return sessions_.count({name, device}) != 0;
  }
  // Added (issue 4): forget every session, as a device that lost its state (retry tests).
  void erase_sessions() { sessions_.clear(); }
  // The identity key (33 bytes, 05 || key) saved for a remote address, if any.
  std::optional<util::Bytes> remote_identity(const std::string& name, int32_t device) const;

 private:
  using AddressKey = std::pair<std::string, int32_t>;
  struct Callbacks;

  util::curve::KeyPair identity_;
  uint32_t registration_id_;
  signal_protocol_store_context* ctx_ = nullptr;
  std::map<uint32_t, util::Bytes> pre_keys_;         // serialized session_pre_key records
  std::map<uint32_t, util::Bytes> signed_pre_keys_;  // serialized session_signed_pre_key records
  std::map<AddressKey, util::Bytes> sessions_;       // serialized session_record
  std::map<AddressKey, util::Bytes> identities_;     // remote identity keys
};

}  // namespace sim::signal
