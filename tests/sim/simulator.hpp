// The WhatsApp-server simulator: plays the server and the phone, written from the protocol spec
// (PROTOCOL.md), for tests and for trying the service without a phone.
// It listens on ws://host:ws_port (the service's WA_URL) and serves a control HTTP API.
#pragma once
#include <cstdint>
#include <memory>
#include <optional>
#include <string>

namespace sim {

struct SimOptions {
  std::string host = "127.0.0.1";
  uint16_t ws_port = 0;         // 0 picks a free port
  uint16_t control_port = 0;    // 0 picks a free port
  int qr_refs = 6;              // pair-device refs per connection
  std::string phone_number = "15551234567";  // the simulated phone's account
  std::string lid_user = "123456789012345";
};

// Faults the phone can inject when it "scans" a QR.
struct ScanOptions {
  bool tamper_hmac = false;               // pair-success whose HMAC does not verify
  bool tamper_account_signature = false;  // account signature that does not verify
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

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace sim
