// One companion device's connection to WhatsApp: transport, Noise handshake, QR pairing,
// login, keepalive and reconnects (PROTOCOL.md §1-§8). Knows nothing of HTTP or tenants.
//
// Threading: all protocol work runs on the io_context thread that owns the WsConnector;
// start(), stop() and snapshot() may be called from any thread. on_change is invoked on the io
// thread after every observable change (the manager uses it to wake waiters).
#pragma once
#include <asio/io_context.hpp>
#include <asio/steady_timer.hpp>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>
#include "wa/binary/node.hpp"
#include "wa/client_payload.hpp"
#include "wa/handshake.hpp"
#include "wa/incoming.hpp"
#include "wa/retry.hpp"
#include "wa/socket/frame.hpp"
#include "wa/socket/ws_transport.hpp"
#include "wa/signal/signal_protocol.hpp"
#include "wa/stanza.hpp"
#include "wa/store/device_store.hpp"

namespace wa {

struct ClientOptions {
  std::string url = "wss://web.whatsapp.com/ws/chat";
  util::curve::Key32 noise_root{};
  WaVersion version;
  DeviceProps props;
  // QR rotation (§6 step 4): the first ref is shown 60 s when the server sent 6, every other 20 s.
  int qr_first_ref_ms = 60000;
  int qr_next_ref_ms = 20000;
  int connect_timeout_ms = 20000;  // WS open + handshake (§1: both libraries wait 20 s)
  // Keepalive (§8, whatsmeow): ping every random 20-30 s, 10 s to answer, reconnect after 3 min
  // without a successful ping.
  int keepalive_min_ms = 20000;
  int keepalive_max_ms = 30000;
  int keepalive_timeout_ms = 10000;
  int keepalive_dead_ms = 180000;
  int iq_timeout_ms = 75000;        // whatsmeow's default request timeout
  // How long logout() waits for the answer to remove-companion-device (§11
  // recommends waiting with a short timeout; nothing is deleted without the answer).
  int logout_timeout_ms = 10000;
  int reconnect_base_ms = 1000;
  int reconnect_cap_ms = 60000;
};

struct ClientError {
  std::string code;     // snake_case, e.g. server_certificate_invalid
  std::string message;  // human sentence without secrets
  int64_t at_ms = 0;
};

enum class Phase {
  idle,          // not started, or stopped
  connecting,    // WebSocket being opened
  handshaking,   // Noise handshake in progress
  awaiting_qr,   // registered, waiting for pair-device refs
  qr,            // showing a QR code
  pairing,       // pair-success handled, waiting for the 515 restart / login
  logging_in,    // login payload sent, waiting for <success>
  connected,     // <success> received
  backoff,       // waiting to reconnect
  logged_out,    // terminal: credentials wiped
  qr_timeout,    // terminal: every ref expired without a scan
  failed,        // terminal: see last_error
};
const char* phase_name(Phase p);

// The outcome of one send: `sent` only after the server's ack.
struct SendResult {
  enum class Kind { sent, not_connected, not_on_whatsapp, server_error, ack_timeout, failed };
  Kind kind = Kind::failed;
  std::string message_id;  // set once the stanza was built (also for ack_timeout)
  std::string to;          // the chat JID the message was addressed to
  int64_t timestamp = 0;   // server time of the ack (unix seconds)
  std::string code;        // server error code (server_error) or internal reason
  std::string detail;      // human sentence, never message text
};

struct ClientSnapshot {
  Phase phase = Phase::idle;
  bool socket_open = false;
  bool logged_in = false;          // <success> on the current connection
  bool ever_connected = false;     // since this Client was created
  bool paired = false;
  std::string jid, lid;
  std::string qr;
  int64_t qr_expires_at_ms = 0;
  int qr_sequence = 0;
  int64_t phase_since_ms = 0;
  int64_t last_frame_ms = 0;       // last frame received from the server
  int64_t last_keepalive_ok_ms = 0;
  int reconnect_attempts = 0;
  // The stream restart (515) that ends pairing is under way: the new credentials log in on a
  // fresh connection. Cleared once that login succeeds or the attempt gives way to a backoff.
  bool pair_restart = false;
  std::optional<ClientError> last_error;
};

class Client : public std::enable_shared_from_this<Client> {
 public:
  Client(asio::io_context& io, socket::WsConnector& ws, std::shared_ptr<store::Store> store,
         store::Device device, ClientOptions options, std::string log_tenant,
         std::function<void()> on_change);
  ~Client();

  // Where messages and receipts go (incoming.hpp). Set before start(); none: not reported.
  void set_event_sink(std::shared_ptr<EventSink> sink) { sink_ = std::move(sink); }

  void start();  // connect (again); resets a terminal phase
  // Disconnects without reconnecting. `stopped`, if given, runs on the io thread once no socket
  // of this client is open any more (at once when none is): every send it held has been
  // answered by then.
  void stop(std::function<void()> stopped = {});
  ClientSnapshot snapshot() const;

  // Sends a text to a user (bare PN JID). Thread-safe; `done` runs on the io thread exactly
  // once. Sends of one client are processed one at a time, in call order, so Signal state
  // never races (send.cpp).
  void send_text(Jid to, std::string text, int ack_timeout_ms, std::function<void(SendResult)> done);

  // Unlinks this companion on WhatsApp's side (PROTOCOL.md §11).
  // Thread-safe; `done` runs on the io thread exactly once.
  // Logged in: sends remove-companion-device and waits up to logout_timeout_ms for the answer.
  //   result -> the connection is closed without reconnecting, the stored credentials are
  //             wiped (phase logged_out), then done(true, "");
  //   error / no answer -> done(false, why) and nothing changes (whatsmeow's order).
  // Not logged in (never paired, or paired but offline/reconnecting): WhatsApp cannot be told,
  //   so done(true, why) at once without touching the connection; the phone keeps showing the
  //   device until the user removes it there or WhatsApp expires it.
  void logout(std::function<void(bool ok, std::string why)> done);

 private:
  using IqCallback = std::function<void(const Node* reply)>;  // nullptr: timed out / closed

  // connection lifecycle (client.cpp)
  void connect();
  void on_open();
  void on_message(const uint8_t* data, size_t len);
  void on_close(const std::string& reason);
  void on_frame(const Bytes& frame);
  void finish_handshake(const Bytes& server_hello);
  // Sends a node once every store commit made before it is on disk: a stanza may reveal a
  // ratchet step or let WhatsApp forget a message only when its state cannot be lost
  // (Store::durable_or_later). Frames leave in call order; waiting never blocks the io thread.
  void send_node(const Node& node);
  void release_held_frames();
  void write_held_frames(size_t count);  // the oldest `count` held frames, to the wire now
  void held_frames_durable(uint64_t gen, size_t covered, bool ok);
  void send_iq(Node iq, int timeout_ms, IqCallback cb);
  void handle_node(const Node& node);
  void handle_iq(const Node& node);
  enum class After { reconnect_now, reconnect_backoff, stay_down };
  void close_connection(After after);
  void report_stopped();  // runs the stop() callbacks once every transport reported its close
  void schedule_reconnect();
  void fail(const std::string& code, const std::string& message, After after);
  void set_phase(Phase p);
  void changed();

  // pairing (client_pairing.cpp)
  void handle_pair_device(const Node& iq);
  void show_qr(size_t index);
  void handle_pair_success(const Node& iq);

  // login outcome and stream errors (client_events.cpp)
  void handle_success(const Node& node);
  void handle_failure(const Node& node);
  void handle_stream_error(const Node& node);
  void logged_out(const std::string& why);

  // logout (logout.cpp)
  void finish_logout();

  // keepalive (keepalive.cpp)
  void schedule_keepalive();
  void send_keepalive();
  void trim_store_if_idle();  // Store::trim_if_idle on the keepalive period

  // prekeys after login (client_prekeys.cpp): count -> upload -> passive/active (§8)
  void run_post_login();
  void upload_prekeys(uint32_t count, std::function<void(bool)> done);

  // sending (send.cpp)
  struct OutgoingSend;
  void pump_sends();
  void answer_held_sends();  // the connection closed or the client stops
  void send_step_resolve_lid(std::shared_ptr<OutgoingSend> s);
  void send_step_devices(std::shared_ptr<OutgoingSend> s);
  void send_step_sessions(std::shared_ptr<OutgoingSend> s);
  void send_step_encrypt(std::shared_ptr<OutgoingSend> s);
  void finish_send(std::shared_ptr<OutgoingSend> s, SendResult r);
  void handle_message_ack(const Node& ack);

  // receiving (receive.cpp, client_incoming.cpp, receipts.cpp, notifications.cpp)
  void handle_message(const Node& node);
  IncomingMessage describe_incoming(const Node& node, const Jid& from, const Jid& sender);
  bool fill_content(IncomingMessage& message, const proto::Message& decrypted);
  std::optional<Jid> pn_of(const Jid& user);  // the bare PN JID of a bare PN or LID JID
  void handle_receipt(const Node& node);
  void handle_notification(const Node& node);
  void handle_ib(const Node& node);

  // retry receipts (client_retry.cpp)
  void send_retry_receipt(const Node& message);
  void handle_retry_receipt(const Node& receipt);

  // addressing (client_addressing.cpp)
  bool is_own_user(const Jid& jid) const;
  std::optional<Jid> lid_device_of(const Jid& device);  // the LID form of a device JID, if known
  void learn_lid(const Jid& lid, const Jid& pn);       // stores the mapping when new
  void migrate_session_to_lid(const Jid& pn_device, const Jid& lid_device);

  asio::io_context& io_;
  socket::WsConnector& ws_;
  std::shared_ptr<store::Store> store_;
  store::Device device_;
  ClientOptions opt_;
  std::string tenant_;
  std::function<void()> on_change_;
  std::shared_ptr<EventSink> sink_;

  // io-thread state
  std::shared_ptr<socket::WsTransport> conn_;
  uint64_t conn_gen_ = 0;  // increments per connection; stale callbacks compare it
  std::unique_ptr<ClientHandshake> handshake_;
  // Marshalled nodes of this connection waiting for the disk, oldest first (send_node).
  std::deque<Bytes> held_frames_;
  bool held_waiting_ = false;  // a durability callback for the front of held_frames_ is due
  std::optional<socket::NoiseTransport> noise_;
  socket::FrameReader reader_;
  RequestIds ids_;
  std::map<std::string, std::pair<IqCallback, std::shared_ptr<asio::steady_timer>>> pending_;
  std::vector<std::string> refs_;
  std::unique_ptr<signal::SignalProtocol> signal_;
  std::deque<std::shared_ptr<OutgoingSend>> send_queue_;
  std::shared_ptr<OutgoingSend> preparing_;  // the send between the queue and the wire, if any
  std::map<std::string, std::shared_ptr<OutgoingSend>> awaiting_ack_;  // by message id
  // Device lists by bare user JID text (whatsmeow caches them per user; invalidation on device
  // notifications comes with the receive path).
  std::map<std::string, std::vector<Jid>> device_cache_;
  // Retry receipts: retry receipts sent per incoming message id, retries served per (device,
  // message id), last session rebuild per device. The texts of recent sends are in the store.
  BoundedCounter retry_receipts_sent_;
  BoundedCounter retries_served_;
  std::map<std::string, int64_t> session_recreated_at_;
  After after_close_ = After::reconnect_backoff;
  // Why we are closing the current connection (a ClientError code, or
  // "stream_error" / "stream_end"); empty when the server or the network closed it. Read by
  // on_close for the reconnect metric's cause (metrics/service_metrics.hpp).
  std::string close_cause_;
  bool stopping_ = false;
  std::vector<std::function<void()>> on_stopped_;  // stop() callbacks waiting for the sockets
  // Transports opened and not yet reported closed, including one finish_logout() let go of
  // before its close handshake ended.
  int transports_open_ = 0;
  asio::steady_timer connect_timer_, qr_timer_, keepalive_timer_, reconnect_timer_;

  mutable std::mutex mu_;  // guards snap_
  ClientSnapshot snap_;
};

int64_t now_ms();

}  // namespace wa
