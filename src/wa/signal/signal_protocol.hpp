// Signal sessions for one companion device (PROTOCOL.md §9 "X3DH with libsignal-protocol-c").
// libsignal-protocol-c does the cryptography; every store callback (identity, registration id,
// prekeys, signed prekey, sessions, sender keys) reads and writes the tenant's SQLite store.
// Each encrypt/decrypt runs inside one store transaction, so a ratchet step is durable or
// absent, never half-written.
//
// Identity policy (both reference clients): trust on first use, and a changed identity
// replaces the stored one and drops the old session (logged), rather than blocking the send.
//
// Thread-safety: not thread-safe; the owner serialises calls (one per tenant).
#pragma once
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include "util/bytes.hpp"
#include "util/curve25519.hpp"
#include "wa/binary/jid.hpp"
#include "wa/store/device_store.hpp"

namespace wa::signal {

using util::Bytes;

// A Signal protocol address: name from Jid::signal_address_name() ("USER", "USER_1" for a
// LID, ...) and the JID's device id. Using the wrong name silently forks sessions (§9).
struct Address {
  std::string name;
  uint32_t device = 0;
  static Address of(const Jid& jid) { return Address{jid.signal_address_name(), jid.device}; }
  bool operator==(const Address& o) const { return name == o.name && device == o.device; }
};

// A prekey bundle as the server returns it (§9 "Prekey bundles"); keys are raw 32 bytes.
struct PreKeyBundle {
  uint32_t registration_id = 0;
  uint32_t device_id = 0;
  std::optional<std::pair<uint32_t, util::curve::Key32>> pre_key;  // one-time key, may be absent
  uint32_t signed_pre_key_id = 0;
  util::curve::Key32 signed_pre_key{};
  Bytes signed_pre_key_signature;  // 64 bytes
  util::curve::Key32 identity_key{};
};

struct Ciphertext {
  std::string type;  // "pkmsg" (CIPHERTEXT_PREKEY_TYPE) or "msg" (CIPHERTEXT_SIGNAL_TYPE)
  Bytes data;        // serialized libsignal message: the <enc> content
};

struct SignalError : std::runtime_error {
  enum class Kind { invalid_message, invalid_key, untrusted_identity, duplicate_message, no_session, internal };
  Kind kind;
  SignalError(Kind k, const std::string& what) : std::runtime_error(what), kind(k) {}
};

class SignalProtocol {
 public:
  // device supplies the identity key pair, registration id and signed prekey.
  SignalProtocol(store::Store& store, const store::Device& device);
  ~SignalProtocol();
  SignalProtocol(const SignalProtocol&) = delete;
  SignalProtocol& operator=(const SignalProtocol&) = delete;

  bool has_session(const Address& address);
  // X3DH from a fetched bundle; verifies the signed prekey signature. Throws SignalError.
  void process_bundle(const Address& address, const PreKeyBundle& bundle);
  // Encrypts an already padded plaintext. Throws SignalError (no_session if none).
  Ciphertext encrypt(const Address& address, const Bytes& padded_plaintext);
  // Decrypts a "pkmsg" or "msg" (consuming the one-time prekey of a pkmsg). Returns the padded
  // plaintext. Throws SignalError (duplicate_message for an old counter, ...).
  Bytes decrypt(const Address& address, const std::string& type, const Bytes& ciphertext);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace wa::signal
