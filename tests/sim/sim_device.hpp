// One simulated recipient device (a contact's phone or companion, or the account's own phone):
// its own Signal identity, registration id, signed prekey (id 1, signed by the identity over
// 05 || pub, §8) and a pool of one-time prekeys, all in an in-memory libsignal store. The server
// side hands out one one-time key per bundle fetch (§9); the device decrypts what a sender
// encrypted from that bundle with libsignal itself (§10 step 3).
// Not thread-safe: the simulator's io thread owns it.
#pragma once
#include <deque>
#include <memory>
#include <optional>
#include <string>
#include "memory_signal_store.hpp"
#include "prekey_bundle.hpp"
#include "signal_ref.hpp"

namespace sim {

struct Decrypted {
  util::Bytes padded;        // plaintext before unpadding, when error is empty
  std::string error;         // "" on success, else what libsignal refused
  // The Signal message counter: the copy's index in its sending chain (order on the wire).
  uint32_t counter = 0;
  // From a pkmsg: the sender's identity key (32 bytes) and registration id it announced.
  std::optional<util::curve::Key32> sender_identity;
  uint32_t sender_registration_id = 0;
};

class SimDevice {
 public:
  // `one_time_prekeys` keys with ids 1..n are generated and published.
  SimDevice(util::curve::KeyPair identity, int one_time_prekeys);

  const util::curve::KeyPair& identity() const { return store_->identity(); }
  uint32_t registration_id() const { return store_->registration_id(); }

  // Server side: the bundle for the next fetch, consuming one published one-time key.
  PreKeyBundle take_bundle();
  size_t published_pre_keys() const { return published_.size(); }
  // Device side: whether the one-time key is still unused (a pkmsg consumes it).
  bool holds_pre_key(uint32_t id) const { return store_->has_pre_key(id); }

  // Decrypts an <enc type="pkmsg"|"msg"> payload from `sender`.
  Decrypted decrypt(const signal::Address& sender, const std::string& type, const util::Bytes& data);

  // Device side, for replies: whether a session with `remote` exists (it received a pkmsg from
  // it), and encryption of an already padded plaintext over it → ("pkmsg"|"msg", ciphertext).
  // Throws signal::Error without a session.
  bool has_session(const signal::Address& remote) const {
    return store_->has_session(remote.name(), remote.device());
  }
  std::pair<std::string, util::Bytes> encrypt(const signal::Address& remote, const util::Bytes& padded);

  // Added (issue 4, retry receipts, PROTOCOL.md §10 step 7).
  // Loses every session (a reinstalled or corrupted device): later messages fail to decrypt.
  void forget_sessions() { store_->erase_sessions(); }
  // The keys a retry receipt carries: a freshly generated one-time prekey (stored, not
  // published), the signed prekey and the identity, as a bundle.
  PreKeyBundle fresh_bundle();
  // Builds a new session with `remote` from the bundle its retry receipt carried (X3DH; the
  // signed prekey signature is verified by libsignal). Throws signal::Error.
  void build_session(const signal::Address& remote, uint32_t remote_device, const PreKeyBundle& bundle);

 private:
  PreKeyBundle base_bundle() const;  // identity, registration id and signed prekey

  std::unique_ptr<signal::MemoryStore> store_;
  util::curve::KeyPair signed_pre_key_;
  util::Bytes signed_pre_key_signature_;
  std::deque<std::pair<uint32_t, util::curve::Key32>> published_;
  uint32_t next_pre_key_id_ = 1;
};

// Signal's error codes by name, for readable decrypt errors.
std::string signal_error_name(int code);

}  // namespace sim
