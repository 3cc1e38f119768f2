// The WhatsApp-server simulator: plays the server and the phone, written from the protocol spec
// (PROTOCOL.md), for tests and for trying the service without a phone.
// It listens on ws://host:ws_port (the service's WA_URL) and serves a control HTTP API.
#pragma once
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>
#include "cert_authority.hpp"
#include "message_desk.hpp"
#include "util/bytes.hpp"

namespace wa { struct Node; }

namespace sim {

// Added (issue 3): a WhatsApp user the server knows besides the simulated account, with the
// devices it has linked. Every device is simulated: its own Signal identity, signed prekey and
// one-time prekeys; it decrypts what it is sent and records the plaintext.
struct SimContact {
  std::string phone;                // digits, the PN user
  std::string lid_user;             // the LID user
  std::vector<uint16_t> devices;    // device ids; 0 is the contact's phone
};

struct SimOptions {
  std::string host = "127.0.0.1";
  uint16_t ws_port = 0;         // 0 picks a free port
  uint16_t control_port = 0;    // 0 picks a free port
  int qr_refs = 6;              // pair-device refs per connection
  std::string phone_number = "15551234567";  // the simulated phone's account
  std::string lid_user = "123456789012345";
  // Added: faults in the certificate chain the server presents (negative tests, §3).
  CertFaults cert_faults;
  // Added: a client announcing userAgent.appVersion.tertiary below this gets
  // <failure reason="405"/> (client outdated, §4/§8). 0 accepts every version.
  uint32_t min_client_revision = 0;
  // A fixed Noise root private key (32 bytes); random when unset. Lets a service keep one
  // WA_NOISE_ROOT_KEY across simulator restarts (docker compose demo).
  std::optional<util::curve::Key32> root_private_key;
  // Added (issue 3): the contacts the server knows (usync, bundles, message delivery).
  std::vector<SimContact> contacts = {SimContact{"15557654321", "987654321098765", {0, 7}}};
  // Added: one-time prekeys each simulated device publishes (contacts' devices, own phone).
  // A bundle fetch consumes one; once they are gone bundles carry no one-time key.
  int prekeys_per_device = 20;
};

// Faults the phone can inject when it "scans" a QR.
struct ScanOptions {
  bool tamper_hmac = false;               // pair-success whose HMAC does not verify
  bool tamper_account_signature = false;  // account signature that does not verify
};

// Added: a companion the phone linked (after a valid pair-device-sign).
struct PairedDevice {
  std::string phone;      // the account's phone number
  uint16_t device = 0;    // device id the server assigned
  std::string jid;        // "PHONE:DEV@s.whatsapp.net"
  std::string lid;        // "LID:DEV@lid"
  util::Bytes noise_pub;  // the companion's Noise static key (checked at login)
  util::Bytes identity_pub;
  uint32_t registration_id = 0;
  int prekeys_uploaded = 0;  // total one-time prekeys the device uploaded
  // Added (issue 3).
  uint32_t key_index = 0;          // ADV key index the phone gave it (usync key-index)
  int prekeys_available = 0;       // uploaded one-time prekeys not yet handed out in a bundle
  uint32_t signed_pre_key_id = 0;  // latest signed prekey (registration, then uploads)
  util::Bytes signed_pre_key_pub;
  util::Bytes signed_pre_key_signature;
};

// Added (issue 3): what one simulated recipient device made of one <message> (PROTOCOL.md §9).
struct ReceivedMessage {
  std::string id;                  // the stanza's id
  std::string to;                  // the stanza's to attribute (bare JID as sent)
  std::string peer_recipient_pn;   // the stanza's peer_recipient_pn ("" when absent)
  std::string device;              // the <to jid> this entry is for, as sent
  std::string enc_type;            // "pkmsg" or "msg" (as sent)
  std::string text;                // conversation / extendedTextMessage.text (of the DSM's message)
  std::string dsm_destination;     // deviceSentMessage.destinationJID; "" when not a DSM
  bool had_device_identity = false;
  std::string decrypt_error;       // "" when decrypted, unpadded and parsed
  uint32_t counter = 0;            // the Signal message counter (index in the sending chain)
  std::string sender;              // the sending companion, "PHONE:DEV@s.whatsapp.net"
  int retry_count = 0;             // added (issue 4): <enc count> of a resend answering a retry
};

// Added: why the latest pairing failed.
struct PairingError {
  std::string code;   // the client's <error code>, or "sim" when the simulator refused the reply
  std::string text;   // the client's <error text> (e.g. "hmac-mismatch"), or the simulator's reason
  bool from_client = true;
};

// Added: what became of the pair-success of the latest scan.
struct PairingOutcome {
  bool scanned = false;   // a scan delivered pair-success
  bool answered = false;  // the client replied (result or error), or the connection closed
  bool paired = false;    // valid pair-device-sign: the device is recorded and 515 was sent
  std::string jid;        // PHONE:DEV@s.whatsapp.net when paired
  std::optional<PairingError> error;
};

// Added (issue 4, faults): one <message> id as the server saw it (the crash test's ledger).
struct LedgerEntry {
  std::string id;
  std::string sender;  // the sending companion, "PHONE:DEV@s.whatsapp.net"
  int arrivals = 0;    // how many times a <message> with this id reached the server
  int acks = 0;        // how many <ack class="message"> the server sent for it
  int ack_error = 0;   // the error attribute of the latest ack (0: accepted)
};

// Added (issue 4): a successful login, on std::chrono::steady_clock milliseconds.
struct LoginSeen {
  std::string jid;
  int64_t at_ms = 0;
};

// Added (issue 4): one prekey upload iq (§8) as it arrived.
struct PrekeyUploadSeen {
  std::string jid;
  int count = 0;
  uint32_t first_id = 0, last_id = 0;  // one-time key ids, in upload order
  bool answered = false;  // false: withheld (set_withhold_prekey_uploads), not stored
};

// A message a contact's simulated device writes to the account (Simulator::send_contact_message).
struct ContactMessageRequest {
  ContactMessageRequest(std::string from_device = "", std::string message_text = "")
      : from(std::move(from_device)), text(std::move(message_text)) {}
  std::string from;                      // "LIDUSER:DEV@lid" or "PHONE:DEV@s.whatsapp.net"
  std::string text;                      // the text, or the image's caption
  std::string kind = "text";             // "text" (conversation) or "image" (imageMessage)
  std::optional<std::string> push_name;  // the notify attribute; "Contact PHONE" when unset
  int corrupt_times = 0;                 // transmissions that go out with a broken MAC
};

// What became of a message or receipt a simulated device sent.
struct SimSendResult {
  enum class Status {
    sent,           // written to a live companion, or queued for an offline one
    bad_request,    // the request can never be sent (not a contact's device, unknown kind, ...)
    not_delivered,  // no companion to take it
  };
  Status status = Status::not_delivered;
  std::string id;     // the message id, when sent (send_contact_message, send_phone_message)
  int delivered = 0;  // companions it was written to
  int queued = 0;     // offline companions it waits for
  std::string why;    // bad_request / not_delivered: the reason
  bool ok() const { return status == Status::sent; }
};

class Simulator {
 public:
  explicit Simulator(SimOptions options = {});
  ~Simulator();
  void start();  // binds both ports and serves on background threads
  void stop();

  std::string ws_url() const;            // "ws://127.0.0.1:PORT/ws/chat"
  std::string control_url() const;       // "http://127.0.0.1:PORT"
  std::string root_public_key_hex() const;  // the simulator's Noise root (WA_NOISE_ROOT_KEY)

  // The phone scans a QR string the service returned. Returns std::nullopt when pair-success was
  // delivered to the connection that issued the QR's ref, otherwise an error sentence.
  std::optional<std::string> scan(const std::string& qr, const ScanOptions& opts = {});

  // Observations for tests.
  int logins() const;              // successful login handshakes (paired devices)
  int registrations() const;       // registration handshakes (unpaired devices)
  int connections() const;         // currently open connections

  // Added observations.
  const std::string& phone_number() const;
  std::vector<PairedDevice> paired_devices() const;
  std::optional<PairingError> last_pairing_error() const;
  PairingOutcome last_pairing_outcome() const;
  // Blocks until the latest scan's pair-success was answered (or its connection closed), at most
  // `timeout`; returns the outcome as it then stands.
  PairingOutcome wait_pairing_outcome(std::chrono::milliseconds timeout) const;
  // Protocol events in order: "connect", "registration", "pair-device-acked", "paired",
  // "login", "failure:401", "prekeys:N", "active", "handshake-failed", ...
  std::vector<std::string> history() const;
  // The refs of the most recent <pair-device> the server sent, in order.
  std::vector<std::string> last_issued_refs() const;
  // Client iqs answered after the handshake, as "xmlns type child" (e.g. "encrypt get count").
  std::vector<std::string> received_iqs() const;
  // Tags of other client stanzas (ack, receipt, presence, ...).
  std::vector<std::string> received_stanzas() const;
  // Departures from the protocol the simulator tolerated but a real server might not (e.g. a
  // reply iq without `to`); tests assert this stays empty.
  std::vector<std::string> anomalies() const;
  // Closes every open connection (the service should reconnect).
  void disconnect_all();
  // Sends `node` (e.g. a <notification>) to every logged-in companion as the server would;
  // returns how many got it.
  int push_to_companions(const wa::Node& node);

  // Added (issue 3): messages and faults.
  // One entry per <to> device of every <message> the server accepted, in arrival order.
  std::vector<ReceivedMessage> received_messages() const;
  // Blocks until at least n entries exist or `timeout` passes; true when they exist.
  bool wait_for_messages(size_t n, std::chrono::milliseconds timeout) const;
  // From now on, messages are refused with <ack class="message" error=CODE/> (e.g. 479, 463,
  // 500) and not delivered; 0 clears it.
  void set_message_error(int code);
  // From now on, messages are delivered but never acked; false clears. The devices' receipts
  // still follow unless set_delivery_receipts(false).
  void set_withhold_ack(bool withhold);
  // Retry receipts the devices send for the companions' new messages are held (not written)
  // until release_retries(), which writes them to every logged-in companion and ends the hold.
  void set_hold_retries(bool hold);
  size_t held_retries() const;
  int release_retries();
  int message_error() const;
  bool withhold_ack() const;
  // A contact's simulated device writes to the account (device_message.hpp): to every
  // logged-in companion, and queued for every paired one that is offline (delivered at its next
  // login, after <active/>, with offline="1", framed by <ib><offline_preview/> and
  // <ib><offline count/>). A device without a Signal session with a companion builds one from
  // the companion's prekey bundle the server holds and sends a pkmsg.
  SimSendResult send_contact_message(const ContactMessageRequest& request);
  // The account's phone writes `text` to the chat `to` ("PEER@s.whatsapp.net" or "LID@lid")
  // and its companions get the DeviceSentMessage copy (from the own phone, device 0, on the
  // chat's server, recipient = the chat); delivered and queued like a contact's message.
  SimSendResult send_phone_message(const std::string& to, const std::string& text);
  // A contact's device sends one receipt of `type` ("delivered", "read", "played") for `ids`
  // (receipt_relay.hpp: first id in `id`, the others as <list><item id/></list>) to every
  // logged-in companion of the account. Not queued for offline companions.
  SimSendResult send_contact_receipt(const std::string& from, const std::string& type,
                                     const std::vector<std::string>& ids);
  // The text form of send_contact_message: std::nullopt when delivered or queued (the id in
  // *message_id), otherwise why not. With corrupt_times > 0 that many transmissions of the
  // message (retries included) go out with a broken MAC, so the companion cannot decrypt them
  // and must send retry receipts.
  std::optional<std::string> send_from_contact(const std::string& device_jid, const std::string& text,
                                               std::string* message_id = nullptr,
                                               int corrupt_times = 0);
  // Every receipt the server wrote to a companion for a simulated device (delivery, sender,
  // read, played, retry) and whether the companion acked it, in order.
  std::vector<RelayedReceipt> relayed_receipts() const;
  // On by default: each simulated device that decrypts a companion's message answers with its
  // receipt (a contact's device: delivered; the own phone: sender). false stops them.
  void set_delivery_receipts(bool on);
  bool delivery_receipts() const;

  // Added (issue 4): retry receipts and receipts (sim/message_desk.hpp, sim/retry_flow.hpp).
  // A contact's (or the own phone's) simulated device loses all its sessions: the next message
  // it gets fails to decrypt and it sends retry receipts (keys from the second), as whatsmeow.
  bool forget_sessions(const std::string& device_jid);
  // Every <receipt> the companions sent, and their <ack class="message">s, in order.
  std::vector<ClientReceipt> client_receipts() const;
  std::vector<ClientMessageAck> client_message_acks() const;
  // Contact information (from the options): the known users besides the account.
  const std::vector<SimContact>& contacts() const;
  const std::string& lid_user() const;  // the account's own LID user

  // Added (issue 4): logout and unlink (PROTOCOL.md §11).
  // The phone unlinks a companion ("PHONE:DEV@s.whatsapp.net"): a live connection of it gets
  // <stream:error code="401"><conflict type="device_removed"/></stream:error> and is closed, and
  // the server forgets the device, so a later login with it gets <failure reason="401"/>.
  // False when the server does not know the device.
  bool unlink_device(const std::string& jid);
  // From now on the companion's <remove-companion-device> is answered with an iq error CODE
  // (and the device kept); 0 restores the normal answer.
  void set_logout_error(int code);
  int logout_error() const;
  // Called on the simulator's io thread with (jid, reason) of every remove-companion-device,
  // before it is answered (tests check what the service still has on disk at that moment).
  void set_logout_observer(std::function<void(const std::string& jid, const std::string& reason)> fn);

  // Added (issue 4, faults; PROTOCOL.md §8 tables). The real server sends a stream:error and
  // closes the socket: sends <stream:error [code=C]>[<conflict type=T/>]</stream:error> to the
  // logged-in companion `jid` (every logged-in companion when empty) and closes. An empty code
  // leaves the attribute out (the replaced conflict). Returns how many connections got it.
  int send_stream_error(const std::string& code, const std::string& conflict_type = "",
                        const std::string& jid = "");
  // false: keepalive pings (<iq xmlns="w:p" type="get">) go unanswered, the socket stays open;
  // true answers them again.
  void set_answer_pings(bool answer);
  bool answer_pings() const;
  // The next `count` logins get <failure reason=R/> and are closed; 0 clears the plan.
  void fail_next_logins(int count, int reason);
  int pending_login_failures() const;
  // The next `count` logins are never answered (the socket stays open); 0 clears the plan.
  void stall_next_logins(int count);
  int pending_login_stalls() const;
  // true: prekey uploads are held (not stored, not answered); false releases the held ones on
  // live connections (stored and answered then). Uploads of closed connections are dropped.
  void set_withhold_prekey_uploads(bool withhold);
  bool withhold_prekey_uploads() const;
  int held_prekey_uploads() const;
  // true: usync queries (user and device lookups) go unanswered, the socket stays open; a
  // companion's send then waits in preparation. false answers the ones that follow.
  void set_withhold_usync(bool withhold);
  bool withhold_usync() const;
  // Observations: every message id the server received, how often, and its acks; connection
  // opens and logins (steady_clock ms); prekey uploads.
  std::vector<LedgerEntry> message_ledger() const;
  std::vector<int64_t> connection_times_ms() const;
  std::vector<LoginSeen> login_times() const;
  std::vector<PrekeyUploadSeen> prekey_uploads() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace sim
