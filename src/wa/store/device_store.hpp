// Per-tenant persistent store: one SQLite database in SESSIONS_DIR/<tenant>/store.db.
// Durability: WAL journal, every change one transaction, so a crash at any moment leaves either
// the old or the new state (never a half-written credential set). Opened alone, every commit is
// on disk when it returns (synchronous=FULL). Opened with a SyncPool, a commit returns once it is
// in the WAL and the pool puts it on disk (sync_pool.hpp): whoever acts on a commit asks
// durable_or_later() first, so nothing leaves the process before its state is on disk.
// Privacy: the directory is created 0700 and the database files 0600.
// Thread-safety: a Store may be used from several threads; calls are serialised internally.
#pragma once
#include <functional>
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
class SyncPool;
namespace sql { class StatementCache; }

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

// With a SyncPool the Store must be owned by a std::shared_ptr (the pool holds it while it syncs).
class Store : public std::enable_shared_from_this<Store> {
 public:
  // Opens or creates <dir>/store.db (dir created 0700 if missing), runs migrations. `sync`, when
  // given, must outlive the store.
  static std::unique_ptr<Store> open(const std::string& dir, SyncPool* sync = nullptr);
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

  // --- Signal protocol state (libsignal's store callbacks land here; PROTOCOL.md §9) ---
  // Sessions by Signal address (name "USER", "USER_1" for LIDs, ...; device id).
  std::optional<Bytes> load_session(const std::string& name, uint32_t device);
  void store_session(const std::string& name, uint32_t device, const Bytes& record);
  bool contains_session(const std::string& name, uint32_t device);
  void delete_session(const std::string& name, uint32_t device);
  void delete_all_sessions(const std::string& name);
  std::vector<uint32_t> session_devices(const std::string& name);  // all device ids with a session
  void delete_identity(const std::string& name, uint32_t device);

  // One-time prekeys: ids sequential from 1, below 2^24 (they travel as 3 bytes, §8).
  struct PreKey {
    uint32_t id = 0;
    util::curve::KeyPair key;
    bool uploaded = false;
  };
  // The not-yet-uploaded prekeys, oldest first, generating and persisting new ones so that
  // exactly `count` are returned (whatsmeow reuses unuploaded ids on retry, §8).
  std::vector<PreKey> get_or_generate_prekeys(uint32_t count);
  void mark_prekeys_uploaded(uint32_t up_to_id);  // every id <= up_to_id
  // A new one-time prekey with a fresh id, given to a peer
  // directly (whatsmeow GenOnePreKey), so it is stored as already handed out: never also
  // offered to the server, even while an upload of lower ids is in flight.
  PreKey generate_direct_prekey();
  uint32_t uploaded_prekey_count();
  std::optional<PreKey> load_prekey(uint32_t id);
  void remove_prekey(uint32_t id);  // consumed by an incoming pkmsg

  // Sender keys (group messaging; the callbacks must exist for libsignal).
  std::optional<Bytes> load_sender_key(const std::string& group, const std::string& sender,
                                       uint32_t device);
  void store_sender_key(const std::string& group, const std::string& sender, uint32_t device,
                        const Bytes& record);

  // --- Events staged for the service's outbox (migration 3 in migrations.cpp says why) ---
  struct StagedEvent {
    int64_t seq = 0;          // assigned by stage_event(); order of staging
    std::string source_key;   // unique; the outbox deduplicates by it
    std::string type;         // the event type name, e.g. "message.received"
    std::string data;         // the event's data object, serialized JSON
    int64_t created_ms = 0;
  };
  // Stages an event; inside transaction() it commits (or rolls back) with everything else.
  // Returns its seq. A source_key staged before is an error (StoreError).
  int64_t stage_event(const StagedEvent& event);
  // The oldest staged events, at most `limit`.
  std::vector<StagedEvent> staged_events(size_t limit);
  // Removes every staged event up to and including through_seq, in one commit: what a relay
  // read (seqs only grow, so nothing staged later is among them).
  void remove_staged_events(int64_t through_seq);

  // --- Messages this device sent (retry receipts and delivery status) ---
  struct SentMessage {
    std::string id;         // the message id
    std::string chat;       // the chat the stanza went to (bare JID, LID form when known)
    std::string recipient;  // the recipient as the sender named it (bare PN JID)
    std::optional<std::string> text;  // kept for the most recent messages only
    int64_t sent_ms = 0;
    int status_level = 0;   // highest receipt seen: 0 none, 1 delivered, 2 read, 3 played
  };
  // Records a sent message, then forgets the text of all but the newest kKeepSentTexts and
  // every message older than kKeepSentMs.
  void put_sent_message(const SentMessage& message);
  std::optional<SentMessage> find_sent_message(const std::string& id);
  // Raises the message's status level to `level` when it is higher; true when it changed.
  bool raise_sent_status(const std::string& id, int level);
  // whatsmeow keeps the last 256 sent messages for retries; read receipts can come days later.
  static constexpr int64_t kKeepSentTexts = 256;
  static constexpr int64_t kKeepSentMs = 30LL * 24 * 3600 * 1000;

  // Runs fn in one transaction; the methods above called inside it join that transaction, so a
  // ratchet step and everything it touches commit together or not at all. Rethrows fn's
  // exception after rolling back.
  void transaction(const std::function<void()>& fn);
  // Runs fn's reads in one deferred transaction: one snapshot and one set of file locks for all
  // of them rather than one per statement. Joins an open transaction as transaction() does.
  void reading(const std::function<void()>& fn);

  // Deletes every row (used after logout); the file stays until destroy(). The WAL is then
  // emptied by a TRUNCATE checkpoint (inline, or on the SyncPool when there is one).
  void wipe();
  // Gives back the memory an idle store holds, for many idle sessions per
  // process: a PASSIVE checkpoint moves the WAL's frames into store.db (it never waits for
  // readers or writers; frames it cannot copy stay for the next checkpoint), then SQLite frees
  // this connection's unpinned cache pages. Durability is unchanged: a checkpoint only copies
  // what the WAL holds. Cheap when the WAL is empty. With a SyncPool the checkpoint runs there
  // and only the (I/O-free) release happens on the caller's thread.
  void trim();
  // The memory part of trim() (cached pages and prepared statements, no checkpoint), when the
  // store committed something since its last trim but nothing since the previous call: called
  // periodically (the keepalive), it hands back what a burst of sends left behind one period
  // after the burst ended. True when it trimmed.
  bool trim_if_idle();
  const std::string& dir() const { return dir_; }

  // --- Durability with a SyncPool ---
  // True when every commit made so far is on disk (always without a pool). Otherwise false, and
  // `then` runs once on a SyncPool thread when they are: ok, or not ok when the disk refused
  // (then nothing committed since the last good sync may be relied on). `then` must not block.
  bool durable_or_later(std::function<void(bool ok)> then);
  // Blocks until every commit made so far is on disk; false when the disk refused. Never on a
  // thread that carries network I/O.
  bool wait_durable();
  // One turn of the pool's work on this store: sync what was committed, answer the waiters it
  // covers, checkpoint when due. True when there is more to do. SyncPool calls it, for one store
  // on up to two threads at once: a commit made while a sync is under way starts its own sync
  // at once rather than after that one.
  bool sync_step();

  // Lists tenant directories under sessions_dir that hold a store.db.
  static std::vector<std::string> list_tenants(const std::string& sessions_dir);
  // Removes <dir> and its files. Idempotent.
  static void destroy(const std::string& dir);

 private:
  Store(std::string dir, sqlite3* db);
  static int on_commit(void* store);
  static int on_wal_frames(void* store, sqlite3* db, const char* name, int pages);
  void want_checkpoint(int mode);
  void release_memory();  // with mu_ held, outside a transaction: trim()'s memory part
  bool queue_step();  // with sync_mu_ held: whether the caller must schedule a step
  void checkpoint_aside(int mode);  // on a connection of its own (sync pool thread)

  std::string dir_;
  sqlite3* db_;
  std::unique_ptr<sql::StatementCache> stmts_;  // db_'s prepared statements; guarded by mu_
  SyncPool* sync_ = nullptr;
  int wal_fd_ = -1;            // the WAL, opened again to sync it from the pool
  uint64_t committed_ = 0;     // write transactions committed; guarded by mu_
  uint64_t trimmed_at_ = 0;    // committed_ at the last trim(); guarded by mu_
  uint64_t idle_check_at_ = 0; // committed_ at the last trim_if_idle(); guarded by mu_
  std::mutex sync_mu_;         // guards the fields below; taken after mu_, never before
  uint64_t synced_ = 0;        // committed_ as of the last successful sync
  bool sync_failed_ = false;   // a sync failed: the disk is not to be trusted any more
  bool step_queued_ = false;   // a sync step is with the pool and has not started yet
  int steps_running_ = 0;      // sync steps started and not finished
  int checkpoint_mode_ = -1;   // a checkpoint asked for (SQLITE_CHECKPOINT_*), or -1
  std::vector<std::pair<uint64_t, std::function<void(bool)>>> waiters_;
  // Recursive: transaction() holds it while fn runs, and the methods fn calls on the same thread
  // lock it again and join the open SQLite transaction (sql::Transaction nests as a savepoint).
  // Other threads wait for the whole transaction, so they never write into it.
  std::recursive_mutex mu_;
};

}  // namespace wa::store
