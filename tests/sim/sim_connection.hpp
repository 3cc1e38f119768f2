// One client connection as the WhatsApp server sees it: Noise XX responder (§2, §3), the
// ClientPayload verdict (§4), pair-device / pair-success / pair-device-sign / 515 (§6), login
// <success>/<failure> and the post-login iqs (§8); usync, prekey bundle fetches and text
// <message>s with their server ack (§9).
// No I/O of its own: it is fed WebSocket messages and sends through ConnectionIo. All calls
// happen on the simulator's io thread.
#pragma once
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>
#include "noise_responder.hpp"
#include "payload_checks.hpp"
#include "phone.hpp"
#include "qr_code.hpp"
#include "sim_context.hpp"
#include "wa/binary/node.hpp"
#include "wa/socket/frame.hpp"
#include "wa/socket/noise.hpp"

namespace sim {

struct ConnectionIo {
  std::function<void(const util::Bytes&)> send;  // one binary WebSocket message
  std::function<void()> close;                   // close the WebSocket (normal closure)
};

class SimConnection {
 public:
  SimConnection(SimContext& ctx, ConnectionIo io);

  void on_message(const uint8_t* data, size_t len);  // a binary WebSocket message
  void on_closed();                                  // the socket is gone

  // True when this live, unpaired connection issued the QR's ref for the QR's noise key.
  bool issued(const QrFields& qr) const;
  // The phone scanned this connection's QR: send pair-success. Returns an error sentence if the
  // connection cannot take it.
  std::optional<std::string> deliver_pair_success(const QrFields& qr, const PhoneFaults& faults);
  void close_now();
  // Added (issue 3): the companion logged in on this connection, and sending it a stanza.
  std::optional<PairedDevice> logged_in_device() const {
    return phase_ == Phase::logged_in ? device_ : std::nullopt;
  }
  void deliver(const wa::Node& node) { send_node(node); }
  // Added (issue 4): the phone unlinked this connection's companion (§11).
  void send_device_removed_and_close();
  // Added (issue 4, faults): <stream:error [code]>[<conflict type/>]</stream:error>, then close
  // (§8 stream-error table). Empty code / conflict_type leave the attribute / child out.
  void send_stream_error_and_close(const std::string& code, const std::string& conflict_type);
  // Prekey uploads held while FaultPlan withholds them: stores and answers them now. Returns
  // how many were released.
  int release_held_uploads();
  size_t held_uploads() const { return held_uploads_.size(); }

 private:
  enum class Phase { await_hello, await_finish, unpaired, logged_in, closing };
  struct PendingPair {
    SignedCompanion signed_companion;
    uint16_t device = 0;
    uint32_t account = 0;  // Accounts index (issue 4)
    PhoneFaults faults;
  };

  void on_frame(const util::Bytes& frame);
  void on_client_finish(const util::Bytes& frame);
  void on_registration(const Registration& r);
  void on_login(const Login& l);
  void on_node(const wa::Node& node);
  void on_client_iq(const wa::Node& iq);
  void on_client_reply(const wa::Node& iq);
  void on_pair_reply(const wa::Node& iq, const PendingPair& pending);
  void on_remove_companion(const wa::Node& iq);  // client logout (§11)
  void on_prekey_upload(const wa::Node& iq);      // §8; held while FaultPlan says so
  void accept_prekey_upload(const wa::Node& iq);

  void send_node(const wa::Node& node);
  void send_failure(int reason);
  void send_stream_error_and_close(const std::string& code);
  void reply_result(const wa::Node& iq, wa::NodeList children = {});
  void reply_error(const wa::Node& iq, int code, const std::string& text);
  std::string next_iq_id();
  void fail_connection(const std::string& event);

  SimContext& ctx_;
  ConnectionIo io_;
  Phase phase_ = Phase::await_hello;
  wa::socket::FrameReader reader_{true};
  std::unique_ptr<NoiseResponder> noise_;
  std::optional<wa::socket::NoiseTransport> transport_;
  util::curve::Key32 client_static_{};

  // Unpaired connection (registration payload).
  util::curve::Key32 identity_pub_{};
  uint32_t registration_id_ = 0;
  Registration registration_;
  std::vector<std::string> refs_;
  std::string pair_device_iq_;
  std::map<std::string, PendingPair> pending_pairs_;  // pair-success iq id -> what was sent

  // Logged-in connection.
  std::optional<PairedDevice> device_;
  std::vector<wa::Node> held_uploads_;  // prekey upload iqs withheld (issue 4)

  std::string id_prefix_;
  unsigned id_counter_ = 0;
};

}  // namespace sim
