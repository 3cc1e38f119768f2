// Per-tenant persistent store: one SQLite database in SESSIONS_DIR/<tenant>/store.db.
// Durability: WAL journal, synchronous=FULL, every change one transaction, so a crash at any
// moment leaves either the old or the new state (never a half-written credential set).
// Privacy: the directory is created 0700 and the database files 0600.
// Thread-safety: a Store may be used from several threads; calls are serialised internally.
#pragma once
#include <memory>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>
#include "util/bytes.hpp"
#include "util/curve25519.hpp"

struct sqlite3;

namespace wa::store {

using util::Bytes;

struct StoreError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

struct SignedPreKey {
  uint32_t id = 1;  // both reference clients use id 1 (PROTOCOL.md §6)
  util::curve::KeyPair key;
  Bytes signature;  // Curve25519 signature by the identity key over 0x05 || key.pub
};

// The companion device's credentials (PROTOCOL.md §6 "Persist (minimum)").
struct Device {
  util::curve::KeyPair noise_key;
  util::curve::KeyPair identity_key;
  uint32_t registration_id = 0;  // 14-bit, libsignal convention
  SignedPreKey signed_pre_key;
  Bytes adv_secret;              // 32 bytes
  // Set by pairing:
  std::string jid;               // own PN JID with device, e.g. "15551234567:12@s.whatsapp.net"
  std::string lid;               // own LID JID with device, e.g. "123456789:12@lid"
  Bytes account;                 // ADVSignedDeviceIdentity incl. accountSignatureKey
  std::string platform;
  std::string business_name;
  std::string push_name;

  bool paired() const { return !jid.empty() && !account.empty(); }
  // Fresh keys for an unpaired device: noise, identity, registration id, signed prekey id 1
  // with its signature, adv secret.
  static Device generate();
};

class Store {
 public:
  // Opens or creates <dir>/store.db (dir created 0700 if missing), runs migrations.
  static std::unique_ptr<Store> open(const std::string& dir);
  ~Store();
  Store(const Store&) = delete;
  Store& operator=(const Store&) = delete;

  std::optional<Device> load_device();
  void save_device(const Device& device);  // one transaction, replaces the row

  // LID <-> phone-number mapping (user parts only, e.g. "123456789" <-> "15551234567").
  void put_lid_mapping(const std::string& lid_user, const std::string& pn_user);
  std::optional<std::string> pn_for_lid(const std::string& lid_user);
  std::optional<std::string> lid_for_pn(const std::string& pn_user);

  // Signal identity keys by address ("USER_1", device) -> 32-byte key.
  void put_identity(const std::string& name, uint32_t device, const Bytes& key);
  std::optional<Bytes> get_identity(const std::string& name, uint32_t device);

  // Deletes every row (used after logout); the file stays until destroy().
  void wipe();
  const std::string& dir() const { return dir_; }

  // Lists tenant directories under sessions_dir that hold a store.db.
  static std::vector<std::string> list_tenants(const std::string& sessions_dir);
  // Removes <dir> and its files. Idempotent.
  static void destroy(const std::string& dir);

 private:
  Store(std::string dir, sqlite3* db);
  std::string dir_;
  sqlite3* db_;
  std::mutex mu_;
};

}  // namespace wa::store
