// A minimal whatsmeow-style companion for the simulator's self-tests, written from PROTOCOL.md
// §6-§10 and whatsmeow's pair.go / send.go / user.go / prekeys.go — not from the product's code,
// so that the simulator is checked against the protocol rather than against what it will test.
// It pairs through the simulated phone and logs in over MiniClient, then speaks the send path
// by hand: GetUserInfo usync (PN → LID), device usync, key fetch, X3DH with its own in-memory
// libsignal store, padded Message{conversation} (DeviceSentMessage for its own devices), the
// <message> stanza; and decrypts what simulated devices write to it (§10).
// Blocking, for tests only; the Catch2 assertions inside fail the calling test.
#pragma once
#include <chrono>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>
#include "e2e.pb.h"
#include "e2e_support.hpp"
#include "fake_companion.hpp"
#include "memory_signal_store.hpp"
#include "mini_client.hpp"
#include "simulator.hpp"
#include "wa/binary/node.hpp"

namespace e2e {

// The contact SimOptions defines by default.
inline constexpr const char kContactPhone[] = "15557654321";
inline constexpr const char kContactLid[] = "987654321098765";
// A device of that contact as a LID device JID.
inline std::string contact_lid(uint16_t device) { return e2e::lid_device_jid(kContactLid, device); }

util::curve::Key32 root_of(const sim::Simulator& s);
bool contains_text(const std::vector<std::string>& v, const std::string& needle);
std::string serialize(const google::protobuf::MessageLite& m);

// A paired, logged-in companion of the simulated account.
struct Companion {
  CompanionKeys keys;
  uint16_t device = 0;
  wa::Jid pn;            // own PN with this device ("PHONE:DEV@s.whatsapp.net")
  wa::Jid lid;           // own LID with this device
  util::Bytes account;   // ADVSignedDeviceIdentity WITH accountSignatureKey (§9 device-identity)
  std::vector<std::pair<uint32_t, util::curve::KeyPair>> uploaded;  // one-time prekeys it uploaded
  std::unique_ptr<MiniClient> conn;
  int next_id = 0;

  std::string iq_id();
  // Sends an iq and returns the reply with the same id (other stanzas are skipped).
  wa::Node roundtrip(wa::Node iq);
  // The next stanza with this tag (others are skipped), or std::nullopt after `timeout`.
  std::optional<wa::Node> next(const std::string& tag,
                               std::chrono::milliseconds timeout = std::chrono::seconds(5));
};

// §6 pairing through the simulator's phone, then a login (§8) with `upload` one-time prekeys
// (ids 1..upload, kept in Companion::uploaded) and <active/>.
std::unique_ptr<Companion> pair_and_login(sim::Simulator& s, int upload);
// A login on a new connection (replacing c.conn), up to <success>.
void login(sim::Simulator& s, Companion& c);
// login, then <active/>: what follows is the offline backlog (§8 step 6).
void reconnect(sim::Simulator& s, Companion& c);

// ---- usync (user.go) ----
wa::Node usync_iq(const std::string& id, const std::string& mode, const std::string& context,
                  wa::NodeList query, wa::NodeList users);
wa::Node user_jid(const wa::Jid& j);
// whatsmeow's parseDeviceList: <devices><device-list><device id [is_hosted]/>…
std::vector<wa::Jid> parse_device_list(wa::Jid user, const wa::Node* devices);
const wa::Node* usync_list(const wa::Node& reply);
const wa::Node* user_in(const wa::Node* list, const wa::Jid& jid);

// ---- prekey bundles (prekeys.go nodeToPreKeyBundle) ----
struct Bundle {
  uint32_t registration_id = 0;
  util::curve::Key32 identity{};
  uint32_t signed_id = 0;
  util::curve::Key32 signed_key{};
  util::Bytes signature;
  std::optional<std::pair<uint32_t, util::curve::Key32>> pre_key;
};
std::optional<Bundle> parse_bundle(const wa::Node& user);
std::map<std::string, std::optional<Bundle>> fetch_bundles(Companion& c,
                                                           const std::vector<wa::Jid>& devices);

// A message a simulated device wrote to the companion, decrypted (§10 steps 2-5).
struct Inbound {
  std::string enc_type;      // pkmsg or msg
  util::Bytes plaintext;     // unpadded
  wa::proto::Message message;
};

// ---- the companion's Signal side, on libsignal directly ----
class Sender {
 public:
  // The companion's identity, registration id and signed prekey (what its bundle carries
  // before any upload).
  explicit Sender(const CompanionKeys& k);
  // The same plus the one-time prekeys it uploaded, so pkmsgs built from them decrypt.
  explicit Sender(const Companion& c);

  void process_bundle(const wa::Jid& device, const Bundle& b);
  // → ("pkmsg"|"msg", serialized ciphertext)
  std::pair<std::string, util::Bytes> encrypt(const wa::Jid& device, const util::Bytes& padded);
  bool has_session(const wa::Jid& device) const;
  bool holds_pre_key(uint32_t id) const { return store_.has_pre_key(id); }

  // §10 inbound DM: <message from=DEVICE …><enc v="2" type="pkmsg"|"msg">…</enc></message>,
  // decrypted under the sender's LID address (from, or from's device on the sender_lid of a
  // PN-addressed message), as both reference clients key sessions, or under `as` when given
  // (the own phone, whose PN→LID mapping the companion knows from pairing). Fails the test
  // when it does not decrypt.
  Inbound decrypt(const wa::Node& message, const std::optional<wa::Jid>& as = std::nullopt);
  // The conversation of a msg (the reply path of the send self-tests).
  std::string decrypt_text(const wa::Node& message);

 private:
  sim::signal::MemoryStore store_;
};

// whatsmeow's padMessage: n = rand & 0x0F, 0 → 15; n bytes of value n.
util::Bytes pad(const std::string& s);
// whatsmeow's GenerateMessageID shape: 3EB0 + 18 upper-case hex.
std::string message_id();

struct SendSpec {
  bool device_identity = true;   // attach <device-identity> when a pkmsg is present
  std::optional<util::Bytes> identity_bytes;  // replaces the account in <device-identity>
  bool plain_to_own = false;     // own devices get the plain Message instead of the DSM
  std::set<std::string> skip;    // <to jid> to leave out
  bool to_pn = false;            // address the PN (as Baileys does) instead of the LID
};

struct Sent {
  std::string id;
  std::map<std::string, std::string> types;  // device → pkmsg/msg
};

// One full whatsmeow-style 1:1 send to the default contact (send.go SendMessage → sendDM): LID
// lookup, devices of the recipient and of the own account (minus this device), bundles for
// devices without a session, per-device encryption (DSM for own devices), the stanza. Does not
// read the ack.
Sent send_text(Companion& c, Sender& sender, const std::string& text, const SendSpec& spec = {});

std::optional<wa::Node> next_ack(Companion& c, std::chrono::milliseconds timeout = std::chrono::seconds(5));
std::vector<sim::ReceivedMessage> entries_for(const sim::Simulator& s, const std::string& id);

}  // namespace e2e
