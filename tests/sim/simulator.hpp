// The WhatsApp-server simulator: plays the server and the phone, written from the protocol spec
// (PROTOCOL.md), for tests and for trying the service without a phone.
// It listens on ws://host:ws_port (the service's WA_URL) and serves a control HTTP API.
#pragma once
#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>
#include "cert_authority.hpp"
#include "util/bytes.hpp"

namespace sim {

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

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace sim
