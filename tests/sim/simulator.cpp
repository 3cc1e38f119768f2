// The simulator's plumbing: a websocketpp server on its own io thread (PROTOCOL.md §1) feeding
// SimConnection, and the control HTTP API on another thread. Protocol logic lives in
// sim_connection.cpp; this file only routes bytes and keeps the connection table.
#include "simulator.hpp"

#include <set>
#include <ctime>
#include <future>
#include <map>
#include <stdexcept>
#include <thread>

#include <websocketpp/config/asio_no_tls.hpp>
#include <websocketpp/server.hpp>
#include <httplib.h>

#include "device_message.hpp"
#include "receipt_relay.hpp"
#include "retry_flow.hpp"
#include "control_api.hpp"
#include "qr_code.hpp"
#include "sim_connection.hpp"
#include "sim_context.hpp"
#include "util/bytes.hpp"

namespace sim {

namespace {
using WsServer = websocketpp::server<websocketpp::config::asio>;
constexpr const char kWebOrigin[] = "https://web.whatsapp.com";  // §1: required upgrade header
constexpr const char kChatPath[] = "/ws/chat";
}  // namespace

struct Simulator::Impl {
  explicit Impl(SimOptions o) : ctx(std::move(o)) {}

  SimContext ctx;
  WsServer ws;
  std::thread ws_thread;
  uint16_t ws_port = 0;
  httplib::Server control;
  std::thread control_thread;
  uint16_t control_port = 0;
  bool running = false;
  // Owned and touched by the io thread only.
  std::map<websocketpp::connection_hdl, std::shared_ptr<SimConnection>,
           std::owner_less<websocketpp::connection_hdl>>
      conns;

  void setup_ws();
  // Runs fn on the io thread and waits for it (at most a few seconds).
  template <typename T>
  T on_io_thread(std::function<T()> fn);
  // Writes a device message to every logged-in companion `accepts`, and queues it for every
  // paired one that is offline. On the io thread.
  SimSendResult deliver_device_message(const DeviceMessageSpec& spec, int corrupt_times,
                                       const std::function<bool(const PairedDevice&)>& accepts);
};

SimSendResult Simulator::Impl::deliver_device_message(
    const DeviceMessageSpec& spec, int corrupt_times,
    const std::function<bool(const PairedDevice&)>& accepts) {
  SimSendResult result;
  if (auto why = device_message_problem(ctx.directory, spec)) {
    result.status = SimSendResult::Status::bad_request;
    result.why = *why;
    return result;
  }
  result.id = new_message_id();
  std::string why = "no companion is paired";
  const int64_t now = static_cast<int64_t>(std::time(nullptr));
  std::set<std::string> online;
  for (auto& [h, conn] : conns) {
    auto companion = conn->logged_in_device();
    if (!companion || !accepts(*companion)) continue;
    online.insert(companion->jid);
    if (auto node = build_device_message(ctx, spec, *companion, result.id, corrupt_times, now, &why)) {
      conn->deliver(*node);
      ++result.delivered;
    }
  }
  // A paired companion without a live connection gets it at its next login.
  for (const PairedDevice& companion : ctx.state.devices()) {
    if (online.count(companion.jid) || !accepts(companion)) continue;
    if (auto node = build_device_message(ctx, spec, companion, result.id, corrupt_times, now, &why)) {
      ctx.desk.queue_offline(companion.jid, std::move(*node));
      ++result.queued;
    }
  }
  const std::string what = spec.chat ? "phone-message" : "contact-message";
  if (result.delivered + result.queued == 0) {
    result.why = why;
    result.id.clear();
    return result;
  }
  result.status = SimSendResult::Status::sent;
  ctx.state.add_history(what + (result.delivered ? "-sent" : "-queued"));
  return result;
}

void Simulator::Impl::setup_ws() {
  ws.clear_access_channels(websocketpp::log::alevel::all);
  ws.clear_error_channels(websocketpp::log::elevel::all);
  ws.set_error_channels(websocketpp::log::elevel::fatal);
  ws.init_asio();
  ws.set_reuse_addr(true);

  ws.set_validate_handler([this](websocketpp::connection_hdl h) {
    auto con = ws.get_con_from_hdl(h);
    if (con->get_resource() != kChatPath) {
      con->set_status(websocketpp::http::status_code::not_found);
      return false;
    }
    if (con->get_request_header("Origin") != kWebOrigin) {
      ctx.state.add_history("upgrade-refused: origin");
      con->set_status(websocketpp::http::status_code::forbidden);
      return false;
    }
    return true;
  });
  ws.set_open_handler([this](websocketpp::connection_hdl h) {
    ConnectionIo io;
    io.send = [this, h](const util::Bytes& b) {
      websocketpp::lib::error_code ec;
      ws.send(h, b.data(), b.size(), websocketpp::frame::opcode::binary, ec);
    };
    io.close = [this, h] {
      websocketpp::lib::error_code ec;
      ws.close(h, websocketpp::close::status::normal, "", ec);
    };
    conns[h] = std::make_shared<SimConnection>(ctx, std::move(io));
    ctx.state.connection_opened();
    ctx.observed.connection_opened();
  });
  auto gone = [this](websocketpp::connection_hdl h) {
    auto it = conns.find(h);
    if (it == conns.end()) return;
    auto conn = it->second;
    conns.erase(it);
    conn->on_closed();
    ctx.state.connection_closed();
  };
  ws.set_close_handler(gone);
  ws.set_fail_handler(gone);
  ws.set_message_handler([this](websocketpp::connection_hdl h, WsServer::message_ptr msg) {
    // §1: only binary messages carry frames; text messages are ignored.
    if (msg->get_opcode() != websocketpp::frame::opcode::binary) return;
    auto it = conns.find(h);
    if (it == conns.end()) return;
    auto conn = it->second;  // keep alive while it runs
    const std::string& p = msg->get_payload();
    conn->on_message(reinterpret_cast<const uint8_t*>(p.data()), p.size());
  });
}

template <typename T>
T Simulator::Impl::on_io_thread(std::function<T()> fn) {
  auto task = std::make_shared<std::packaged_task<T()>>(std::move(fn));
  auto result = task->get_future();
  asio::post(ws.get_io_service(), [task] { (*task)(); });
  if (result.wait_for(std::chrono::seconds(5)) != std::future_status::ready)
    throw std::runtime_error("simulator io thread did not answer");
  return result.get();
}

Simulator::Simulator(SimOptions options) : impl_(std::make_unique<Impl>(std::move(options))) {}

Simulator::~Simulator() { stop(); }

void Simulator::start() {
  if (impl_->running) return;
  Impl& d = *impl_;
  d.setup_ws();
  asio::ip::tcp::endpoint ep(asio::ip::make_address(d.ctx.options.host), d.ctx.options.ws_port);
  d.ws.listen(ep);
  d.ws.start_accept();
  websocketpp::lib::error_code ec;
  d.ws_port = d.ws.get_local_endpoint(ec).port();
  if (ec) throw std::runtime_error("simulator: cannot read the WebSocket port");
  d.ws_thread = std::thread([&d] { d.ws.run(); });

  register_control_routes(d.control, *this);
  int port = d.ctx.options.control_port
                 ? (d.control.bind_to_port(d.ctx.options.host.c_str(), d.ctx.options.control_port)
                        ? d.ctx.options.control_port
                        : -1)
                 : d.control.bind_to_any_port(d.ctx.options.host.c_str());
  if (port <= 0) {
    d.ws.stop();
    d.ws_thread.join();
    throw std::runtime_error("simulator: cannot bind the control port");
  }
  d.control_port = static_cast<uint16_t>(port);
  d.control_thread = std::thread([&d] { d.control.listen_after_bind(); });
  // httplib's stop() is a no-op until the server runs, so wait for that before returning.
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  while (!d.control.is_running() && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  d.running = true;
}

void Simulator::stop() {
  if (!impl_ || !impl_->running) return;
  Impl& d = *impl_;
  d.running = false;
  d.control.stop();
  if (d.control_thread.joinable()) d.control_thread.join();
  try {
    d.on_io_thread<bool>([&d] {
      websocketpp::lib::error_code ec;
      d.ws.stop_listening(ec);
      for (auto& [h, conn] : d.conns) conn->close_now();
      return true;
    });
  } catch (const std::exception&) {
    // The io thread is stuck; stopping the io_context below still ends it.
  }
  // Give the peers a moment to answer the close handshake, then stop the io_context.
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(2);
  while (d.ctx.state.connections() > 0 && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  d.ws.stop();
  if (d.ws_thread.joinable()) d.ws_thread.join();
}

std::string Simulator::ws_url() const {
  return "ws://" + impl_->ctx.options.host + ":" + std::to_string(impl_->ws_port) + kChatPath;
}

std::string Simulator::control_url() const {
  return "http://" + impl_->ctx.options.host + ":" + std::to_string(impl_->control_port);
}

std::string Simulator::root_public_key_hex() const {
  const auto& pub = impl_->ctx.ca.root().pub;
  return util::hex_encode(pub.data(), pub.size());
}

std::optional<std::string> Simulator::scan(const std::string& qr, const ScanOptions& opts) {
  std::string why;
  auto fields = parse_qr(qr, &why);
  if (!fields) return why;
  if (!impl_->running) return std::string("the simulator is not running");
  PhoneFaults faults{opts.tamper_hmac, opts.tamper_account_signature};
  Impl& d = *impl_;
  try {
    return d.on_io_thread<std::optional<std::string>>(
        [&d, f = *fields, faults]() -> std::optional<std::string> {
          for (auto& [h, conn] : d.conns)
            if (conn->issued(f)) return conn->deliver_pair_success(f, faults);
          return std::string("no live unpaired connection issued this QR's ref for its noise key");
        });
  } catch (const std::exception& e) {
    return std::string(e.what());
  }
}

namespace {

SimSendResult bad_request(std::string why) {
  SimSendResult r;
  r.status = SimSendResult::Status::bad_request;
  r.why = std::move(why);
  return r;
}

SimSendResult not_running() {
  SimSendResult r;
  r.why = "the simulator is not running";
  return r;
}

}  // namespace

SimSendResult Simulator::send_contact_message(const ContactMessageRequest& request) {
  auto from = wa::Jid::parse(request.from);
  if (!from) return bad_request("not a JID: " + request.from);
  DeviceMessageSpec spec;
  spec.from_device = *from;
  spec.text = request.text;
  spec.push_name = request.push_name;
  if (request.kind == "image") spec.kind = MessageKind::image;
  else if (request.kind != "text") return bad_request("kind must be \"text\" or \"image\"");
  if (!impl_->running) return not_running();
  Impl& d = *impl_;
  try {
    return d.on_io_thread<SimSendResult>([&d, spec, corrupt = request.corrupt_times] {
      return d.deliver_device_message(spec, corrupt, [](const PairedDevice&) { return true; });
    });
  } catch (const std::exception& e) {
    SimSendResult r;
    r.why = e.what();
    return r;
  }
}

SimSendResult Simulator::send_phone_message(const std::string& to, const std::string& text) {
  auto chat = wa::Jid::parse(to);
  if (!chat) return bad_request("not a JID: " + to);
  Impl& d = *impl_;
  DeviceMessageSpec spec;
  // The phone addresses its own devices on the chat's server (as whatsmeow lists its own
  // devices under its LID when it sends to a LID), so the copy comes from the own user in
  // that form; the phone is device 0.
  const bool lid = chat->server == wa::kLidServer;
  spec.from_device = wa::Jid::user_jid(lid ? d.ctx.options.lid_user : d.ctx.options.phone_number,
                                       lid ? wa::kLidServer : wa::kServerJid);
  spec.text = text;
  spec.chat = *chat;
  if (!d.running) return not_running();
  const std::string own_phone = d.ctx.options.phone_number;
  try {
    return d.on_io_thread<SimSendResult>([&d, spec, own_phone] {
      // Only the companions of the account whose phone this is.
      return d.deliver_device_message(
          spec, 0, [&own_phone](const PairedDevice& c) { return c.phone == own_phone; });
    });
  } catch (const std::exception& e) {
    SimSendResult r;
    r.why = e.what();
    return r;
  }
}

SimSendResult Simulator::send_contact_receipt(const std::string& from, const std::string& type,
                                              const std::vector<std::string>& ids) {
  auto device = wa::Jid::parse(from);
  if (!device) return bad_request("not a JID: " + from);
  if (type != "delivered" && type != "read" && type != "played")
    return bad_request("type must be \"delivered\", \"read\" or \"played\"");
  if (ids.empty()) return bad_request("ids must name at least one message id");
  for (const std::string& id : ids)
    if (id.empty()) return bad_request("ids must not contain an empty id");
  if (!impl_->running) return not_running();
  Impl& d = *impl_;
  // A delivery receipt has no type attribute (PROTOCOL-ADDITIONS §3).
  const std::string wire_type = type == "delivered" ? "" : type;
  try {
    return d.on_io_thread<SimSendResult>([&d, j = *device, wire_type, ids] {
      SimSendResult r;
      DeviceMessageSpec as_writer;
      as_writer.from_device = j;
      if (auto why = device_message_problem(d.ctx.directory, as_writer)) return bad_request(*why);
      const wa::Node receipt = device_receipt(j, ids, wire_type, static_cast<int64_t>(std::time(nullptr)));
      for (auto& [h, conn] : d.conns) {
        auto companion = conn->logged_in_device();
        if (!companion || companion->phone != d.ctx.options.phone_number) continue;
        auto c = conn;
        send_receipt(d.ctx, companion->jid, receipt, [c](const wa::Node& n) { c->deliver(n); });
        ++r.delivered;
      }
      if (r.delivered == 0) {
        r.why = "no companion of the account is connected";
        return r;
      }
      r.status = SimSendResult::Status::sent;
      d.ctx.state.add_history("contact-receipt:" + (wire_type.empty() ? "delivered" : wire_type));
      return r;
    });
  } catch (const std::exception& e) {
    SimSendResult r;
    r.why = e.what();
    return r;
  }
}

std::optional<std::string> Simulator::send_from_contact(const std::string& device_jid,
                                                        const std::string& text,
                                                        std::string* message_id,
                                                        int corrupt_times) {
  ContactMessageRequest request;
  request.from = device_jid;
  request.text = text;
  request.corrupt_times = corrupt_times;
  SimSendResult r = send_contact_message(request);
  if (!r.ok()) return r.why;
  if (message_id) *message_id = r.id;
  return std::nullopt;
}

std::vector<RelayedReceipt> Simulator::relayed_receipts() const { return impl_->ctx.desk.relayed(); }
void Simulator::set_delivery_receipts(bool on) { impl_->ctx.faults.set_delivery_receipts(on); }
bool Simulator::delivery_receipts() const { return impl_->ctx.faults.delivery_receipts(); }

bool Simulator::forget_sessions(const std::string& device_jid) {
  auto jid = wa::Jid::parse(device_jid);
  if (!jid || !impl_->running) return false;
  Impl& d = *impl_;
  return d.on_io_thread<bool>([&d, j = *jid] {
    auto user = d.ctx.directory.find(j);
    SimDevice* dev = user ? d.ctx.directory.simulated(*user, j.device) : nullptr;
    if (!dev) return false;
    dev->forget_sessions();
    d.ctx.state.add_history("sessions-forgotten");
    return true;
  });
}

std::vector<ClientReceipt> Simulator::client_receipts() const { return impl_->ctx.desk.receipts(); }

std::vector<ClientMessageAck> Simulator::client_message_acks() const {
  return impl_->ctx.desk.message_acks();
}

bool Simulator::unlink_device(const std::string& jid) {
  auto parsed = wa::Jid::parse(jid);
  if (!parsed) return false;
  Impl& d = *impl_;
  auto forget = [&d, j = *parsed, jid] {
    // Live connections first, while the device is still known, then the record.
    for (auto& [h, conn] : d.conns) {
      auto companion = conn->logged_in_device();
      if (companion && companion->jid == jid) conn->send_device_removed_and_close();
    }
    const bool known = d.ctx.state.remove_device(j.user, j.device);
    if (known) d.ctx.state.add_history("unlinked:" + jid);
    return known;
  };
  if (!d.running) return forget();
  return d.on_io_thread<bool>(forget);
}

void Simulator::set_logout_error(int code) { impl_->ctx.state.set_logout_error(code); }
int Simulator::logout_error() const { return impl_->ctx.state.logout_error(); }
void Simulator::set_logout_observer(
    std::function<void(const std::string& jid, const std::string& reason)> fn) {
  impl_->ctx.state.set_logout_observer(std::move(fn));
}

int Simulator::send_stream_error(const std::string& code, const std::string& conflict_type,
                                 const std::string& jid) {
  if (!impl_->running) return 0;
  Impl& d = *impl_;
  return d.on_io_thread<int>([&d, code, conflict_type, jid] {
    // Collect first: closing may run the close handler, which edits the table.
    std::vector<std::shared_ptr<SimConnection>> targets;
    for (auto& [h, conn] : d.conns) {
      auto companion = conn->logged_in_device();
      if (companion && (jid.empty() || companion->jid == jid)) targets.push_back(conn);
    }
    for (auto& conn : targets) conn->send_stream_error_and_close(code, conflict_type);
    return static_cast<int>(targets.size());
  });
}

void Simulator::set_answer_pings(bool answer) { impl_->ctx.faults.set_answer_pings(answer); }
bool Simulator::answer_pings() const { return impl_->ctx.faults.answer_pings(); }
void Simulator::fail_next_logins(int count, int reason) {
  impl_->ctx.faults.fail_next_logins(count, reason);
}
int Simulator::pending_login_failures() const { return impl_->ctx.faults.pending_login_failures(); }
void Simulator::stall_next_logins(int count) { impl_->ctx.faults.stall_next_logins(count); }
int Simulator::pending_login_stalls() const { return impl_->ctx.faults.pending_login_stalls(); }

void Simulator::set_withhold_prekey_uploads(bool withhold) {
  Impl& d = *impl_;
  d.ctx.faults.set_withhold_prekey_uploads(withhold);
  if (withhold || !d.running) return;
  d.on_io_thread<int>([&d] {
    int n = 0;
    for (auto& [h, conn] : d.conns) n += conn->release_held_uploads();
    return n;
  });
}
bool Simulator::withhold_prekey_uploads() const { return impl_->ctx.faults.withhold_prekey_uploads(); }
int Simulator::held_prekey_uploads() const {
  Impl& d = *impl_;
  if (!d.running) return 0;
  return d.on_io_thread<int>([&d] {
    size_t n = 0;
    for (auto& [h, conn] : d.conns) n += conn->held_uploads();
    return static_cast<int>(n);
  });
}

void Simulator::set_withhold_usync(bool withhold) {
  impl_->ctx.faults.set_withhold_usync(withhold);
}
bool Simulator::withhold_usync() const { return impl_->ctx.faults.withhold_usync(); }

std::vector<LedgerEntry> Simulator::message_ledger() const { return impl_->ctx.observed.ledger(); }
std::vector<int64_t> Simulator::connection_times_ms() const {
  return impl_->ctx.observed.connection_times_ms();
}
std::vector<LoginSeen> Simulator::login_times() const { return impl_->ctx.observed.logins(); }
std::vector<PrekeyUploadSeen> Simulator::prekey_uploads() const {
  return impl_->ctx.observed.prekey_uploads();
}

int Simulator::push_to_companions(const wa::Node& node) {
  if (!impl_->running) return 0;
  Impl& d = *impl_;
  return d.on_io_thread<int>([&d, node] {
    int n = 0;
    for (auto& [h, conn] : d.conns) {
      if (!conn->logged_in_device()) continue;
      conn->deliver(node);
      ++n;
    }
    return n;
  });
}

void Simulator::disconnect_all() {
  if (!impl_->running) return;
  Impl& d = *impl_;
  d.on_io_thread<bool>([&d] {
    for (auto& [h, conn] : d.conns) conn->close_now();
    return true;
  });
}

int Simulator::logins() const { return impl_->ctx.state.logins(); }
int Simulator::registrations() const { return impl_->ctx.state.registrations(); }
int Simulator::connections() const { return impl_->ctx.state.connections(); }
const std::string& Simulator::phone_number() const { return impl_->ctx.options.phone_number; }
std::vector<PairedDevice> Simulator::paired_devices() const { return impl_->ctx.state.devices(); }
std::optional<PairingError> Simulator::last_pairing_error() const {
  return impl_->ctx.state.last_pairing_error();
}
PairingOutcome Simulator::last_pairing_outcome() const { return impl_->ctx.state.outcome(); }
PairingOutcome Simulator::wait_pairing_outcome(std::chrono::milliseconds timeout) const {
  return impl_->ctx.state.wait_outcome(timeout);
}
std::vector<std::string> Simulator::history() const { return impl_->ctx.state.history(); }
std::vector<std::string> Simulator::last_issued_refs() const {
  return impl_->ctx.state.issued_refs();
}
std::vector<std::string> Simulator::received_iqs() const { return impl_->ctx.state.iqs(); }
std::vector<std::string> Simulator::received_stanzas() const { return impl_->ctx.state.stanzas(); }
std::vector<std::string> Simulator::anomalies() const { return impl_->ctx.state.anomalies(); }

std::vector<ReceivedMessage> Simulator::received_messages() const {
  return impl_->ctx.state.received();
}
bool Simulator::wait_for_messages(size_t n, std::chrono::milliseconds timeout) const {
  return impl_->ctx.state.wait_received(n, timeout);
}
void Simulator::set_message_error(int code) { impl_->ctx.state.set_message_error(code); }
void Simulator::set_withhold_ack(bool withhold) { impl_->ctx.state.set_withhold_ack(withhold); }
int Simulator::message_error() const { return impl_->ctx.state.message_error(); }
bool Simulator::withhold_ack() const { return impl_->ctx.state.withhold_ack(); }

void Simulator::set_hold_retries(bool hold) { impl_->ctx.state.set_hold_retries(hold); }
size_t Simulator::held_retries() const { return impl_->ctx.state.held_retries(); }
int Simulator::release_retries() {
  int written = 0;
  for (const wa::Node& receipt : impl_->ctx.state.take_held_retries()) {
    written += push_to_companions(receipt);
  }
  return written;
}
const std::vector<SimContact>& Simulator::contacts() const { return impl_->ctx.options.contacts; }
const std::string& Simulator::lid_user() const { return impl_->ctx.options.lid_user; }

}  // namespace sim
