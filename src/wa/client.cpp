// Connection lifecycle of a companion device: WebSocket, Noise handshake, frame I/O, request
// plumbing and reconnects. Pairing, login outcomes and keepalive live in sibling files.
#include "wa/client.hpp"

#include <asio/post.hpp>
#include <chrono>
#include <random>

#include "metrics/service_metrics.hpp"
#include "util/crypto.hpp"
#include "util/log.hpp"
#include "wa/binary/codec.hpp"

namespace wa {

int64_t now_ms() {
  using namespace std::chrono;
  return duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
}

const char* phase_name(Phase p) {
  switch (p) {
    case Phase::idle: return "idle";
    case Phase::connecting: return "connecting";
    case Phase::handshaking: return "handshaking";
    case Phase::awaiting_qr: return "awaiting_qr";
    case Phase::qr: return "qr";
    case Phase::pairing: return "pairing";
    case Phase::logging_in: return "logging_in";
    case Phase::connected: return "connected";
    case Phase::backoff: return "backoff";
    case Phase::logged_out: return "logged_out";
    case Phase::qr_timeout: return "qr_timeout";
    case Phase::failed: return "failed";
  }
  return "unknown";
}

Client::Client(asio::io_context& io, socket::WsConnector& ws, std::shared_ptr<store::Store> store,
               store::Device device, ClientOptions options, std::string log_tenant,
               std::function<void()> on_change)
    : io_(io),
      ws_(ws),
      store_(std::move(store)),
      device_(std::move(device)),
      opt_(std::move(options)),
      tenant_(std::move(log_tenant)),
      on_change_(std::move(on_change)),
      connect_timer_(io),
      qr_timer_(io),
      keepalive_timer_(io),
      reconnect_timer_(io) {
  signal_ = std::make_unique<signal::SignalProtocol>(*store_, device_);
  snap_.paired = device_.paired();
  snap_.jid = device_.jid;
  snap_.lid = device_.lid;
  snap_.phase_since_ms = now_ms();
}

Client::~Client() {
  // Whoever drops the last reference, nothing of this client may outlive it: a socket still
  // open would stay open until the process exits (the transport keeps itself alive until its
  // close is reported), and a caller still waiting for a send would wait for its own timeout.
  if (conn_) asio::post(io_, [conn = std::move(conn_)] { conn->close(); });
  answer_held_sends();
}

void Client::start() {
  {
    // Leave a finished phase synchronously, so that a caller waiting for the next state right
    // after start() (POST /session restarting an expired QR) does not see the old one.
    std::lock_guard<std::mutex> lk(mu_);
    Phase p = snap_.phase;
    if (p == Phase::idle || p == Phase::failed || p == Phase::logged_out || p == Phase::qr_timeout) {
      snap_.phase = Phase::connecting;
      snap_.phase_since_ms = now_ms();
      snap_.qr.clear();
      snap_.qr_expires_at_ms = 0;
    }
  }
  asio::post(io_, [self = shared_from_this()] {
    self->stopping_ = false;
    self->reconnect_timer_.cancel();
    {
      std::lock_guard<std::mutex> lk(self->mu_);
      self->snap_.reconnect_attempts = 0;
    }
    if (self->conn_) return;  // already connecting or connected
    self->connect();
  });
}

void Client::stop(std::function<void()> stopped) {
  asio::post(io_, [self = shared_from_this(), stopped = std::move(stopped)]() mutable {
    self->stopping_ = true;
    self->reconnect_timer_.cancel();
    self->qr_timer_.cancel();
    if (stopped) self->on_stopped_.push_back(std::move(stopped));
    if (self->conn_) {
      self->close_connection(After::stay_down);  // on_close answers the sends
    } else {
      self->set_phase(Phase::idle);
      self->answer_held_sends();  // queued ones, which would fail one by one otherwise
    }
    self->report_stopped();
  });
}

void Client::report_stopped() {
  if (transports_open_ > 0 || on_stopped_.empty()) return;
  auto stopped = std::move(on_stopped_);
  on_stopped_.clear();
  for (auto& fn : stopped) fn();
}

ClientSnapshot Client::snapshot() const {
  std::lock_guard<std::mutex> lk(mu_);
  return snap_;
}

void Client::set_phase(Phase p) {
  {
    std::lock_guard<std::mutex> lk(mu_);
    if (snap_.phase == p) return;
    snap_.phase = p;
    snap_.phase_since_ms = now_ms();
    // The restart after pairing lasts through connecting and logging in, and no further.
    if (p != Phase::connecting && p != Phase::handshaking && p != Phase::logging_in)
      snap_.pair_restart = false;
    if (p != Phase::qr) {
      snap_.qr.clear();
      snap_.qr_expires_at_ms = 0;
    }
  }
  util::log::debug("phase", tenant_, {{"phase", phase_name(p)}});
  changed();
}

void Client::changed() {
  if (on_change_) on_change_();
}

void Client::connect() {
  const uint64_t gen = ++conn_gen_;
  handshake_ = std::make_unique<ClientHandshake>(device_.noise_key, opt_.noise_root,
                                                 now_ms() / 1000);
  noise_.reset();
  held_frames_.clear();
  held_waiting_ = false;
  reader_ = socket::FrameReader();
  after_close_ = After::reconnect_backoff;
  close_cause_.clear();
  set_phase(Phase::connecting);
  util::log::info("connecting", tenant_, {{"url", opt_.url}, {"paired", device_.paired()}});

  std::weak_ptr<Client> weak = shared_from_this();
  socket::TransportHandlers h;
  h.on_open = [weak, gen] {
    if (auto self = weak.lock(); self && self->conn_gen_ == gen) self->on_open();
  };
  h.on_message = [weak, gen](const uint8_t* d, size_t n) {
    if (auto self = weak.lock(); self && self->conn_gen_ == gen) self->on_message(d, n);
  };
  h.on_close = [weak, gen](const std::string& why) {
    auto self = weak.lock();
    if (!self) return;
    --self->transports_open_;
    if (self->conn_gen_ == gen) self->on_close(why);
    self->report_stopped();
  };
  ++transports_open_;  // before connecting: a bad URL reports the close synchronously
  conn_ = ws_.connect(opt_.url, std::move(h));

  // The WS open, the whole handshake and the server's first answer (<success>/<failure>, or
  // pair-device for a new device) must come within the connect timeout: a link that dies right
  // after the handshake would otherwise leave us logging in forever, since keepalive starts
  // only at <success> (§8).
  connect_timer_.expires_after(std::chrono::milliseconds(opt_.connect_timeout_ms));
  connect_timer_.async_wait([weak, gen](const asio::error_code& ec) {
    auto self = weak.lock();
    if (ec || !self || self->conn_gen_ != gen) return;
    const Phase phase = self->snapshot().phase;
    if (phase != Phase::connecting && phase != Phase::handshaking && phase != Phase::awaiting_qr &&
        phase != Phase::logging_in)
      return;
    self->fail("connection_failed",
               self->noise_ ? "Timed out waiting for WhatsApp to answer the login."
                            : "Timed out connecting to WhatsApp.",
               After::reconnect_backoff);
  });
}

void Client::on_open() {
  {
    std::lock_guard<std::mutex> lk(mu_);
    snap_.socket_open = true;
  }
  set_phase(Phase::handshaking);
  // The intro header goes in front of the first frame, in the same WS message (§1).
  Bytes first(std::begin(socket::kIntroHeader), std::end(socket::kIntroHeader));
  Bytes hello = socket::encode_frame(handshake_->client_hello());
  first.insert(first.end(), hello.begin(), hello.end());
  conn_->send(first);
}

void Client::on_message(const uint8_t* data, size_t len) {
  {
    std::lock_guard<std::mutex> lk(mu_);
    snap_.last_frame_ms = now_ms();
  }
  try {
    reader_.feed(data, len);
    while (conn_) {
      auto frame = reader_.next();
      if (!frame) break;
      on_frame(*frame);
    }
  } catch (const socket::FrameError& e) {
    fail("connection_failed", std::string("Malformed frame from server: ") + e.what(),
         After::reconnect_backoff);
  }
}

void Client::on_frame(const Bytes& frame) {
  if (!noise_) {
    finish_handshake(frame);
    return;
  }
  auto plain = noise_->decrypt(frame);
  if (!plain) {
    // whatsmeow drops a frame that fails to decrypt and keeps the connection (§2 step 14).
    util::log::warn("frame_decrypt_failed", tenant_);
    return;
  }
  Node node;
  try {
    node = unmarshal(*plain);
  } catch (const DecodeError& e) {
    util::log::warn("node_decode_failed", tenant_, {{"error", e.what()}});
    return;
  }
  // Every frame passes here: render the node only when debug logging is on.
  if (util::log::enabled(util::log::Level::debug))
    util::log::debug("recv", tenant_, {{"node", node.to_debug_string()}});
  try {
    handle_node(node);
  } catch (const std::exception& e) {
    // A backstop: a handler that throws must not cost the connection its next read (the
    // tenant would hang until the keepalive gives up). The handlers catch what they expect.
    util::log::error("node_handler_failed", tenant_, {{"tag", node.tag}, {"error", e.what()}});
  }
}

void Client::finish_handshake(const Bytes& server_hello) {
  Bytes payload;
  if (device_.paired()) {
    auto jid = Jid::parse(device_.jid);
    uint64_t username = jid ? std::strtoull(jid->user.c_str(), nullptr, 10) : 0;
    payload = login_payload(username, jid ? jid->device : 0, opt_.version);
  } else {
    payload = registration_payload(
        RegistrationKeys{device_.registration_id, device_.identity_key.pub,
                         device_.signed_pre_key.id, device_.signed_pre_key.key.pub,
                         device_.signed_pre_key.signature},
        opt_.version, opt_.props);
  }
  try {
    Bytes finish = handshake_->client_finish(server_hello, payload);
    conn_->send(socket::encode_frame(finish));
    noise_.emplace(handshake_->transport());
    handshake_.reset();
  } catch (const HandshakeError& e) {
    if (e.cert != CertError::ok) {
      // A chain that does not verify may be an interception: never talk to that server.
      // A paired session keeps retrying with backoff (the fault may be transient); an
      // unpaired one stops and reports the error.
      fail("server_certificate_invalid",
           std::string("The server's Noise certificate chain did not verify: ") + describe(e.cert),
           device_.paired() ? After::reconnect_backoff : After::stay_down);
    } else {
      fail("handshake_failed", std::string("Noise handshake failed: ") + e.what(),
           After::reconnect_backoff);
    }
    return;
  }
  // The connect timer keeps running until the server's answer (see connect()).
  set_phase(device_.paired() ? Phase::logging_in : Phase::awaiting_qr);
}

void Client::send_node(const Node& node) {
  if (!conn_ || !noise_) return;
  // Every frame passes here: render the node only when debug logging is on.
  if (util::log::enabled(util::log::Level::debug))
    util::log::debug("send", tenant_, {{"node", node.to_debug_string()}});
  held_frames_.push_back(marshal(node));
  if (!held_waiting_) release_held_frames();
}

void Client::release_held_frames() {
  if (held_frames_.empty() || !conn_ || !noise_) return;
  // The frames held now are covered by the commits made so far; later ones may depend on later
  // commits and wait for the next sync.
  const size_t covered = held_frames_.size();
  const uint64_t gen = conn_gen_;
  std::weak_ptr<Client> weak = shared_from_this();
  asio::io_context* io = &io_;
  const bool durable = store_->durable_or_later([weak, io, gen, covered](bool ok) {
    // On a sync thread: hop back to this client's io thread.
    asio::post(*io, [weak, gen, covered, ok] {
      if (auto self = weak.lock()) self->held_frames_durable(gen, covered, ok);
    });
  });
  if (durable) {
    write_held_frames(covered);
  } else {
    held_waiting_ = true;
  }
}

void Client::write_held_frames(size_t count) {
  for (size_t i = 0; i < count && !held_frames_.empty() && conn_ && noise_; ++i) {
    // Taken off the queue before the write: a write that fails may close the connection, and
    // on_close clears the queue, before send() returns.
    Bytes plain = std::move(held_frames_.front());
    held_frames_.pop_front();
    conn_->send(socket::encode_frame(noise_->encrypt(plain)));
  }
}

void Client::held_frames_durable(uint64_t gen, size_t covered, bool ok) {
  if (gen != conn_gen_) return;  // that connection is gone, and its frames with it
  held_waiting_ = false;
  if (!ok) {
    held_frames_.clear();
    metrics::count_store_sync_failure();
    fail("store_failed", "The session's store could not be written to disk.", After::stay_down);
    return;
  }
  write_held_frames(covered);
  release_held_frames();
}

void Client::send_iq(Node iq, int timeout_ms, IqCallback cb) {
  std::string id = ids_.next();
  iq.set_attr("id", id);
  auto timer = std::make_shared<asio::steady_timer>(io_, std::chrono::milliseconds(timeout_ms));
  std::weak_ptr<Client> weak = shared_from_this();
  timer->async_wait([weak, id](const asio::error_code& ec) {
    auto self = weak.lock();
    if (ec || !self) return;
    auto it = self->pending_.find(id);
    if (it == self->pending_.end()) return;
    auto callback = std::move(it->second.first);
    self->pending_.erase(it);
    callback(nullptr);
  });
  pending_.emplace(id, std::make_pair(std::move(cb), timer));
  send_node(iq);
}

void Client::handle_node(const Node& node) {
  const std::string& tag = node.tag;
  if (tag == "iq") {
    handle_iq(node);
  } else if (tag == "success") {
    handle_success(node);
  } else if (tag == "failure") {
    handle_failure(node);
  } else if (tag == "stream:error") {
    handle_stream_error(node);
  } else if (tag == "xmlstreamend") {
    // The server ends the stream; the socket close follows (§5 decoding hints).
    util::log::info("stream_end", tenant_);
    close_cause_ = "stream_end";
    close_connection(After::reconnect_backoff);
  } else if (tag == "message") {
    handle_message(node);
  } else if (tag == "ack") {
    if (node.attr("class") == "message") handle_message_ack(node);
  } else if (tag == "notification") {
    handle_notification(node);
  } else if (tag == "receipt" && node.attr("type") == "retry") {
    handle_retry_receipt(node);  // acked once handled, as whatsmeow does
  } else if (tag == "receipt") {
    handle_receipt(node);  // acked once its status is stored (receipts.cpp)
  } else if (tag == "call") {
    // Acked as the real clients do (§8 "What must be acked").
    send_node(make_ack(node));
  } else if (tag == "ib") {
    handle_ib(node);
  } else {
    util::log::debug("unhandled_node", tenant_, {{"tag", tag}});
  }
}

void Client::handle_iq(const Node& node) {
  const std::string type = node.attr("type");
  if (type == "result" || type == "error") {
    auto it = pending_.find(node.attr("id"));
    if (it == pending_.end()) return;
    auto callback = std::move(it->second.first);
    it->second.second->cancel();
    pending_.erase(it);
    callback(&node);
    return;
  }
  // Server requests are honoured only from the server JID (whatsmeow pair.go).
  auto from = node.jid_attr("from");
  if (!from || *from != Jid::server_jid()) return;
  if (node.child("pair-device")) {
    handle_pair_device(node);
  } else if (node.child("pair-success")) {
    handle_pair_success(node);
  } else if (node.attr("xmlns") == "urn:xmpp:ping") {
    send_node(make_iq_result(node.attr("id")));
  } else {
    util::log::debug("unhandled_iq", tenant_, {{"xmlns", node.attr("xmlns")}});
  }
}

void Client::close_connection(After after) {
  after_close_ = after;
  if (conn_) conn_->close();  // on_close follows
}

void Client::fail(const std::string& code, const std::string& message, After after) {
  {
    std::lock_guard<std::mutex> lk(mu_);
    snap_.last_error = ClientError{code, message, now_ms()};
  }
  util::log::warn("client_error", tenant_, {{"code", code}, {"message", message}});
  if (after == After::stay_down) set_phase(Phase::failed);
  close_cause_ = code;
  if (conn_) {
    close_connection(after);
  } else if (after != After::stay_down) {
    metrics::count_reconnect(metrics::reconnect_cause(false, code, false));
    schedule_reconnect();
  }
  changed();
}

void Client::on_close(const std::string& reason) {
  const bool established = noise_.has_value();  // for the reconnect metric's cause
  conn_.reset();
  noise_.reset();
  held_frames_.clear();  // frames that never left: their requests are answered below
  held_waiting_ = false;
  handshake_.reset();
  connect_timer_.cancel();
  keepalive_timer_.cancel();
  qr_timer_.cancel();
  // Before the pending requests fail below: a send waiting for a lookup must be answered as
  // "not sent" (the connection closed), not as the lookup's own failure.
  answer_held_sends();
  auto pending = std::move(pending_);
  pending_.clear();
  for (auto& [id, entry] : pending) {
    entry.second->cancel();
    entry.first(nullptr);
  }
  {
    std::lock_guard<std::mutex> lk(mu_);
    snap_.socket_open = false;
    snap_.logged_in = false;
  }
  util::log::info("disconnected", tenant_, {{"reason", reason}});
  Phase phase = snapshot().phase;
  if (stopping_ || after_close_ == After::stay_down) {
    if (phase != Phase::failed && phase != Phase::logged_out && phase != Phase::qr_timeout)
      set_phase(Phase::idle);
    changed();
    return;
  }
  metrics::count_reconnect(metrics::reconnect_cause(after_close_ == After::reconnect_now,
                                                    close_cause_, established));
  if (after_close_ == After::reconnect_now) {
    connect();
    return;
  }
  schedule_reconnect();
}

void Client::schedule_reconnect() {
  int attempt;
  {
    std::lock_guard<std::mutex> lk(mu_);
    attempt = ++snap_.reconnect_attempts;
  }
  // Exponential backoff, capped, with "equal jitter": a random wait in [delay/2, delay], so
  // that many tenants dropped together do not reconnect in lockstep, while none reconnects
  // instantly (whatsmeow waits 2 s x failures; PROTOCOL.md §8 recommends a cap and jitter).
  int64_t delay = opt_.reconnect_base_ms;
  for (int i = 1; i < attempt && delay < opt_.reconnect_cap_ms; ++i) delay *= 2;
  delay = std::min<int64_t>(delay, opt_.reconnect_cap_ms);
  static thread_local std::mt19937 rng{std::random_device{}()};
  delay = delay / 2 + std::uniform_int_distribution<int64_t>(0, delay / 2)(rng);
  set_phase(Phase::backoff);
  util::log::info("reconnect_scheduled", tenant_, {{"attempt", attempt}, {"delay_ms", delay}});
  std::weak_ptr<Client> weak = shared_from_this();
  reconnect_timer_.expires_after(std::chrono::milliseconds(delay));
  reconnect_timer_.async_wait([weak](const asio::error_code& ec) {
    auto self = weak.lock();
    if (ec || !self || self->stopping_ || self->conn_) return;
    self->connect();
  });
}

}  // namespace wa
