// What the simulator knows and has observed, shared by the io thread (connections), the control
// API thread and the test thread. Every member function takes the lock; callers get copies.
#pragma once
#include <condition_variable>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <vector>
#include "accounts.hpp"
#include "prekey_bundle.hpp"
#include "prekey_upload.hpp"
#include "simulator.hpp"

namespace sim {

class SimState {
 public:
  void add_history(const std::string& event);
  void add_anomaly(const std::string& what);
  void add_iq(const std::string& summary);
  void add_stanza(const std::string& tag);
  void set_issued_refs(std::vector<std::string> refs);
  std::vector<std::string> issued_refs() const;

  void connection_opened();
  void connection_closed();
  void registration_seen();
  void login_succeeded();

  uint16_t next_device_id();  // device ids of the one simulated account: 2, 3, ...
  // Added (issue 4): the next companion slot, 254 per account (accounts.hpp); shares the
  // counter with next_device_id(), so the first 254 slots are account 0, devices 2..255.
  DeviceSlot next_device_slot();
  void add_device(PairedDevice d);
  std::optional<PairedDevice> find_device(const std::string& phone, uint32_t device) const;
  // Added (issue 4): the server forgets a companion (logout or unlink from the phone), with its
  // server-side prekeys; a later login with it gets <failure reason="401"/>. False if unknown.
  bool remove_device(const std::string& phone, uint32_t device);
  // The server's copy of a companion's prekey upload (§8): one-time keys join its pool (same id
  // replaces), the signed prekey replaces the previous one.
  void store_upload(const std::string& phone, uint32_t device, const PrekeyUpload& upload);
  // A paired companion's bundle (§9), consuming its lowest pooled one-time key; nullopt when the
  // device is not paired.
  std::optional<PreKeyBundle> take_companion_bundle(const std::string& phone, uint32_t device);

  // Messages and faults (issue 3).
  void add_received(const std::vector<ReceivedMessage>& batch);
  std::vector<ReceivedMessage> received() const;
  // Added (issue 4): the log's length, and its entries from index `first` on (cheap for a tail).
  size_t received_count() const;
  std::vector<ReceivedMessage> received_since(size_t first) const;
  bool wait_received(size_t n, std::chrono::milliseconds timeout) const;
  void set_message_error(int code);
  int message_error() const;
  void set_withhold_ack(bool withhold);
  bool withhold_ack() const;
  // While holding, the devices' retry receipts are kept instead of written (a test restarts the
  // companion in between); take_held_retries() ends the hold and hands them over.
  void set_hold_retries(bool hold);
  bool hold_retries() const;
  void hold_retry(const wa::Node& receipt);
  std::vector<wa::Node> take_held_retries();
  size_t held_retries() const;

  // Logout (issue 4): a code makes remove-companion-device fail with it (0: answered normally);
  // the observer sees every request (jid text, reason) before it is answered.
  void set_logout_error(int code);
  int logout_error() const;
  void set_logout_observer(std::function<void(const std::string&, const std::string&)> fn);
  void observe_logout(const std::string& jid, const std::string& reason);

  // The latest scan: begin_scan() resets the outcome; finish_scan() records the answer.
  void begin_scan();
  void finish_scan(PairingOutcome outcome);

  int registrations() const;
  int logins() const;
  int connections() const;
  std::vector<PairedDevice> devices() const;
  std::optional<PairingError> last_pairing_error() const;
  PairingOutcome outcome() const;
  PairingOutcome wait_outcome(std::chrono::milliseconds timeout) const;
  std::vector<std::string> history() const;
  std::vector<std::string> iqs() const;
  std::vector<std::string> stanzas() const;
  std::vector<std::string> anomalies() const;

 private:
  mutable std::mutex mu_;
  mutable std::condition_variable cv_;
  int registrations_ = 0, logins_ = 0, connections_ = 0;
  uint32_t next_device_ = 2;  // device 0 is the phone itself
  std::vector<PairedDevice> devices_;
  std::optional<PairingError> last_error_;
  PairingOutcome outcome_;
  std::vector<std::string> history_, iqs_, stanzas_, anomalies_, refs_;
  // (phone, device) -> uploaded one-time prekeys not yet handed out, by id.
  std::map<std::pair<std::string, uint32_t>, std::map<uint32_t, util::curve::Key32>> pools_;
  std::vector<ReceivedMessage> received_;
  int message_error_ = 0;
  bool withhold_ack_ = false;
  bool hold_retries_ = false;
  std::vector<wa::Node> held_retries_;
  int logout_error_ = 0;
  std::function<void(const std::string&, const std::string&)> logout_observer_;
};

}  // namespace sim
