#include "sim_connection.hpp"

#include <algorithm>
#include <cstdlib>
#include <ctime>
#include "bundle_fetch.hpp"
#include "message_inbox.hpp"
#include "prekey_upload.hpp"
#include "receipt_relay.hpp"
#include "retry_flow.hpp"
#include "usync_answer.hpp"
#include "util/crypto.hpp"
#include "wa/binary/codec.hpp"

namespace sim {
namespace {

using wa::Jid;
using wa::Node;
using wa::NodeList;

int64_t now_unix() { return static_cast<int64_t>(std::time(nullptr)); }

bool any_fault(const PhoneFaults& f) { return f.tamper_hmac || f.tamper_account_signature; }

std::string first_child_tag(const Node& n) {
  const NodeList* kids = n.children();
  return kids && !kids->empty() ? kids->front().tag : std::string();
}

// Pair-device refs look like the real ones ("2@" + base64 blob); they never contain ',' (§6 step 3
// splits the QR on commas).
std::string make_ref() { return "2@" + util::base64_encode(util::crypto::random_bytes(45)); }

}  // namespace

SimConnection::SimConnection(SimContext& ctx, ConnectionIo io) : ctx_(ctx), io_(std::move(io)) {
  // Server iq ids in the "<rand>.<rand>-<counter>" shape clients use (§8 IQ plumbing).
  id_prefix_ = std::to_string(util::crypto::random_u32() % 100000) + "." +
               std::to_string(util::crypto::random_u32() % 100000) + "-";
}

std::string SimConnection::next_iq_id() { return id_prefix_ + std::to_string(++id_counter_); }

void SimConnection::on_message(const uint8_t* data, size_t len) {
  if (phase_ == Phase::closing) return;
  try {
    reader_.feed(data, len);
    while (phase_ != Phase::closing) {
      auto frame = reader_.next();
      if (!frame) break;
      on_frame(*frame);
    }
  } catch (const wa::socket::FrameError&) {
    // Missing intro header 57 41 06 03 or an oversized frame (§1).
    fail_connection("bad-frame");
  }
}

void SimConnection::on_frame(const util::Bytes& frame) {
  switch (phase_) {
    case Phase::await_hello:
      try {
        noise_ = std::make_unique<NoiseResponder>(
            ctx_.server_static,
            ctx_.ca.chain_for(ctx_.server_static.pub, now_unix(), ctx_.options.cert_faults));
        io_.send(wa::socket::encode_frame(noise_->server_hello(frame)));
        phase_ = Phase::await_finish;
      } catch (const std::exception&) {
        fail_connection("handshake-failed: bad client hello");
      }
      return;
    case Phase::await_finish:
      on_client_finish(frame);
      return;
    case Phase::unpaired:
    case Phase::logged_in: {
      auto plain = transport_->decrypt(frame);
      if (!plain) return fail_connection("decrypt-failed");
      Node node;
      try {
        node = wa::unmarshal(*plain);
      } catch (const wa::DecodeError&) {
        return fail_connection("undecodable-node");
      }
      on_node(node);
      return;
    }
    case Phase::closing:
      return;
  }
}

void SimConnection::on_client_finish(const util::Bytes& frame) {
  util::Bytes payload;
  try {
    payload = noise_->client_finish(frame);
  } catch (const std::exception&) {
    return fail_connection("handshake-failed: bad client finish");
  }
  transport_ = noise_->transport();
  client_static_ = noise_->client_static();

  PayloadReading reading = read_client_payload(payload);
  if (auto* refusal = std::get_if<PayloadRefusal>(&reading)) {
    ctx_.state.add_anomaly("client payload refused: " + refusal->why);
    return send_failure(refusal->reason);
  }
  const uint32_t revision = std::visit(
      [](const auto& r) -> uint32_t {
        if constexpr (std::is_same_v<std::decay_t<decltype(r)>, PayloadRefusal>) return 0;
        else return r.app_revision;
      },
      reading);
  if (revision < ctx_.options.min_client_revision) return send_failure(405);  // client outdated
  if (auto* reg = std::get_if<Registration>(&reading)) return on_registration(*reg);
  on_login(std::get<Login>(reading));
}

void SimConnection::on_registration(const Registration& r) {
  phase_ = Phase::unpaired;
  identity_pub_ = r.identity_pub;
  registration_id_ = r.registration_id;
  registration_ = r;
  ctx_.state.registration_seen();

  // §6 step 1: <iq from=s.whatsapp.net type="set" id=ID><pair-device><ref>R</ref>…</pair-device></iq>
  NodeList refs;
  for (int i = 0; i < ctx_.options.qr_refs; ++i) {
    refs_.push_back(make_ref());
    refs.emplace_back("ref", std::vector<std::pair<std::string, wa::AttrValue>>{},
                      util::to_bytes(refs_.back()));
  }
  ctx_.state.set_issued_refs(refs_);
  pair_device_iq_ = next_iq_id();
  send_node(Node("iq", {{"from", Jid::server_jid()}, {"type", "set"}, {"id", pair_device_iq_}},
                 NodeList{Node("pair-device", {}, std::move(refs))}));
}

void SimConnection::on_login(const Login& l) {
  if (auto reason = ctx_.faults.take_login_failure()) return send_failure(*reason);  // issue 4
  if (ctx_.faults.take_login_stall()) {
    // Issue 4 fault: no answer; the socket stays open and everything after is ignored.
    ctx_.state.add_history("login-stalled");
    phase_ = Phase::closing;
    return;
  }
  const std::string phone = std::to_string(l.username);
  auto device = ctx_.state.find_device(phone, l.device);
  if (!device) {
    ctx_.state.add_history("login-refused: unknown device");
    return send_failure(401);
  }
  // The server binds a linked device to the Noise static key it registered with (§6 persist list).
  if (util::Bytes(client_static_.begin(), client_static_.end()) != device->noise_pub) {
    ctx_.state.add_history("login-refused: noise key differs from the paired one");
    return send_failure(401);
  }
  if (!l.passive) {  // §4: login payloads are passive until <active/> (§8 step 3)
    ctx_.state.add_anomaly("login payload is not passive");
    return send_failure(400);
  }
  device_ = *device;
  phase_ = Phase::logged_in;
  ctx_.state.login_succeeded();
  ctx_.observed.login(device_->jid);
  // §8: <success t=UNIX lid="LIDUSER:DEV@lid" …/>; the other attributes are the ones the real
  // server adds (clients ignore them).
  const int64_t now = now_unix();
  const std::string own_lid = ctx_.accounts.lid_user(ctx_.accounts.account_of(device_->phone));
  send_node(Node("success", {{"t", std::to_string(now)},
                             {"props", "3150"},
                             {"abprops", "16"},
                             {"location", "sim"},
                             {"creation", std::to_string(now)},
                             {"lid", Jid{own_lid, 0, device_->device, 0, wa::kLidServer}}}));
}

void SimConnection::on_node(const Node& node) {
  if (node.tag == "iq") {
    const std::string type = node.attr("type");
    if (type == "get" || type == "set") return on_client_iq(node);
    if (type == "result" || type == "error") return on_client_reply(node);
    ctx_.state.add_anomaly("iq with type '" + type + "'");
    return;
  }
  ctx_.state.add_stanza(node.tag);
  if (node.tag == "message") {
    if (phase_ != Phase::logged_in) {
      ctx_.state.add_anomaly("<message> before login");
      return;
    }
    // §9: the server answers every client message with <ack class="message"> (unless withheld).
    auto sender = ctx_.state.find_device(device_->phone, device_->device);
    if (!sender) return;
    const SendToCompanion to_companion = [this](const Node& n) { send_node(n); };
    // A resend answering a retry receipt goes to one device, without <participants> (§10
    // step 7); it is not a new message for the ack ledger.
    if (!node.child("participants")) {
      receive_resend(ctx_, *sender, node, now_unix(), to_companion);
      return;
    }
    Phone& phone = ctx_.accounts.phone(ctx_.accounts.account_of(sender->phone));
    ctx_.observed.message_arrived(node.attr("id"), sender->jid);
    const size_t first_entry = ctx_.state.received_count();
    if (auto ack = receive_message(node, *sender, phone, ctx_.directory,
                                   ctx_.state, now_unix())) {
      ctx_.observed.message_acked(node.attr("id"), std::atoi(ack->attr("error").c_str()));
      send_node(*ack);
    }
    // Devices that could not decrypt their copy ask for it again, the others confirm it
    // (after the ack, as the server relays their receipts later).
    const SendToCompanion retry_to_companion = [this](const Node& n) {
      if (ctx_.state.hold_retries()) {
        ctx_.state.hold_retry(n);
      } else {
        send_node(n);
      }
    };
    request_retries(ctx_, *sender, node.attr("id"), first_entry, now_unix(), retry_to_companion);
    relay_delivery_receipts(ctx_, *sender, node.attr("id"), first_entry, now_unix(), to_companion);
    return;
  }
  if (phase_ != Phase::logged_in) return;
  if (node.tag == "receipt") {
    receive_companion_receipt(ctx_, *device_, node, now_unix(),
                              [this](const Node& n) { send_node(n); });
  } else if (node.tag == "ack" && node.attr("class") == "message") {
    ctx_.desk.record(ClientMessageAck{device_->jid, node.attr("id"), node.attr("to"), node.attr("error")});
  } else if (node.tag == "ack" && node.attr("class") == "receipt") {
    receive_receipt_ack(ctx_, *device_, node);
  } else if (node.tag == "ack" && node.attr("class") == "notification") {
    ctx_.state.add_history("notification-acked:" + node.attr("id"));
  } else if (node.tag == "ib") {
    if (const Node* batch = node.child("offline_batch"))
      ctx_.state.add_history("offline_batch:" + batch->attr("count"));
  }
}

void SimConnection::on_client_iq(const Node& iq) {
  if (iq.attr("id").empty()) {
    ctx_.state.add_anomaly("client iq without id");
    return;
  }
  auto to = iq.jid_attr("to");
  if (!to || *to != Jid::server_jid()) {
    ctx_.state.add_anomaly("client iq not addressed to s.whatsapp.net");
    return reply_error(iq, 400, "bad-request");
  }
  const std::string xmlns = iq.attr("xmlns");
  const std::string type = iq.attr("type");
  const std::string child = first_child_tag(iq);
  ctx_.state.add_iq(xmlns + " " + type + (child.empty() ? "" : " " + child));

  if (xmlns == "w:p" && type == "get") {  // keepalive (§8)
    if (!ctx_.faults.answer_pings()) return ctx_.state.add_history("ping-unanswered");
    return reply_result(iq);
  }
  if (phase_ != Phase::logged_in) return reply_error(iq, 401, "not-authorized");

  if (xmlns == "encrypt" && type == "get" && child == "count") {
    // Uploaded one-time keys still on the server: bundle fetches consume them (§8, §9).
    auto d = ctx_.state.find_device(device_->phone, device_->device);
    const int n = d ? d->prekeys_available : 0;
    return reply_result(iq, NodeList{Node("count", {{"value", std::to_string(n)}})});
  }
  if (xmlns == "encrypt" && type == "set" && iq.child("registration")) return on_prekey_upload(iq);
  if (xmlns == "usync" && type == "get" && child == "usync") {
    if (ctx_.faults.withhold_usync()) return ctx_.state.add_history("usync-unanswered");
    std::vector<std::string> problems;
    Node answer = answer_usync(*iq.child("usync"), ctx_.directory, ctx_.state.devices(), now_unix(),
                               problems);
    for (const auto& p : problems) ctx_.state.add_anomaly(p);
    return reply_result(iq, NodeList{std::move(answer)});
  }
  if (xmlns == "encrypt" && type == "get" && child == "key") {
    auto requester = ctx_.state.find_device(device_->phone, device_->device);
    std::vector<std::string> problems;
    Node list = answer_key_fetch(*iq.child("key"), ctx_.directory, ctx_.state,
                                 requester.value_or(*device_), problems);
    for (const auto& p : problems) ctx_.state.add_anomaly(p);
    return reply_result(iq, NodeList{std::move(list)});
  }
  if (xmlns == "md" && type == "set" && child == "remove-companion-device")
    return on_remove_companion(iq);
  if (xmlns == "passive" && type == "set" && (child == "active" || child == "passive")) {
    ctx_.state.add_history(child);
    reply_result(iq);
    // After <active/> the server starts delivering; an empty offline backlog ends with this.
    if (child == "active")
      deliver_offline(ctx_, *device_, [this](const Node& n) { send_node(n); });
    return;
  }
  reply_result(iq);
}

void SimConnection::on_prekey_upload(const Node& iq) {
  if (!ctx_.faults.withhold_prekey_uploads()) return accept_prekey_upload(iq);
  // Withheld (issue 4 fault): neither stored nor answered, as if the server were slow.
  auto upload = read_prekey_upload(iq, util::curve::to_key32(device_->identity_pub));
  PrekeyUploadSeen seen{device_->jid, 0, 0, 0, false};
  if (auto* u = std::get_if<PrekeyUpload>(&upload); u && !u->key_ids.empty()) {
    seen.count = static_cast<int>(u->key_ids.size());
    seen.first_id = u->key_ids.front();
    seen.last_id = u->key_ids.back();
  }
  ctx_.observed.prekey_upload(seen);
  ctx_.state.add_history("prekeys-held:" + std::to_string(seen.count));
  held_uploads_.push_back(iq);
}

int SimConnection::release_held_uploads() {
  auto held = std::move(held_uploads_);
  held_uploads_.clear();
  int n = 0;
  for (const Node& iq : held) {
    if (phase_ != Phase::logged_in) break;
    accept_prekey_upload(iq);
    ++n;
  }
  return n;
}

void SimConnection::accept_prekey_upload(const Node& iq) {
  auto upload = read_prekey_upload(iq, util::curve::to_key32(device_->identity_pub));
  if (auto* why = std::get_if<std::string>(&upload)) {
    ctx_.state.add_anomaly("prekey upload refused: " + *why);
    return reply_error(iq, 400, "bad-request");
  }
  const PrekeyUpload& u = std::get<PrekeyUpload>(upload);
  const int n = static_cast<int>(u.key_ids.size());
  ctx_.observed.prekey_upload(PrekeyUploadSeen{device_->jid, n, n ? u.key_ids.front() : 0,
                                               n ? u.key_ids.back() : 0, true});
  ctx_.state.store_upload(device_->phone, device_->device, u);
  ctx_.state.add_history("prekeys:" + std::to_string(n));
  reply_result(iq);
}

// §11: <iq xmlns="md" type="set" to=s.whatsapp.net id=…><remove-companion-device
// jid="OWN_PN_USER:DEV@s.whatsapp.net" reason="user_initiated"/></iq>. The server forgets the
// device and answers with a result. What the real server sends afterwards is not observed in
// either library (whatsmeow disconnects as soon as the result arrives, Baileys does not wait);
// this one then treats the connection like an unlinked one: stream:error 401 device_removed and
// close, so a client that lingers after the result meets the harshest plausible follow-up.
void SimConnection::on_remove_companion(const Node& iq) {
  const Node* rc = iq.child("remove-companion-device");
  const wa::AttrValue* jid_value = rc->find_attr("jid");
  const std::string jid = jid_value ? jid_value->str() : "";
  const std::string reason = rc->attr("reason");
  ctx_.state.add_history("remove-companion-device:" + jid + " " + reason);
  // Both libraries put a device JID there, which the codec writes as a JID (AD_JID), not text.
  if (!jid_value || !jid_value->is_jid())
    ctx_.state.add_anomaly("remove-companion-device jid is not a JID");
  if (reason != "user_initiated")
    ctx_.state.add_anomaly("remove-companion-device reason '" + reason + "'");
  ctx_.state.observe_logout(jid, reason);
  if (jid != device_->jid) {
    ctx_.state.add_anomaly("remove-companion-device for another device: " + jid);
    return reply_error(iq, 403, "forbidden");
  }
  if (const int code = ctx_.state.logout_error()) {
    ctx_.state.add_history("logout-refused:" + std::to_string(code));
    return reply_error(iq, code, "internal-server-error");
  }
  ctx_.state.remove_device(device_->phone, device_->device);
  ctx_.state.add_history("logged-out:" + jid);
  reply_result(iq);
  send_device_removed_and_close();
}

void SimConnection::send_device_removed_and_close() {
  if (phase_ == Phase::closing) return;
  // §8 stream-error table / §11: the phone removed this companion.
  ctx_.state.add_history("stream-error:401 device_removed");
  send_node(Node("stream:error", {{"code", "401"}},
                 NodeList{Node("conflict", {{"type", "device_removed"}})}));
  phase_ = Phase::closing;
  io_.close();
}

void SimConnection::on_client_reply(const Node& iq) {
  auto to = iq.jid_attr("to");
  if (!to || *to != Jid::server_jid())
    ctx_.state.add_anomaly("iq " + iq.attr("type") + " not addressed to s.whatsapp.net");
  const std::string id = iq.attr("id");
  if (!pair_device_iq_.empty() && id == pair_device_iq_) {
    pair_device_iq_.clear();
    if (iq.attr("type") == "result") ctx_.state.add_history("pair-device-acked");
    else ctx_.state.add_anomaly("client answered pair-device with an error");
    return;
  }
  auto it = pending_pairs_.find(id);
  if (it == pending_pairs_.end()) {
    ctx_.state.add_anomaly("reply to unknown iq id " + id);
    return;
  }
  PendingPair pending = std::move(it->second);
  pending_pairs_.erase(it);
  on_pair_reply(iq, pending);
}

void SimConnection::on_pair_reply(const Node& iq, const PendingPair& pending) {
  PairingOutcome out;
  if (iq.attr("type") == "error") {
    // §6: <iq type="error"><error code="401" text="hmac-mismatch"/></iq>
    const Node* e = iq.child("error");
    out.error = PairingError{e ? e->attr("code") : "", e ? e->attr("text") : "", true};
    ctx_.state.add_history("pair-refused:" + out.error->code + " " + out.error->text);
    if (!any_fault(pending.faults))
      ctx_.state.add_anomaly("client refused a valid pair-success");
    ctx_.state.finish_scan(std::move(out));
    return;
  }
  std::optional<std::string> problem;
  const Node* sign = iq.child("pair-device-sign");
  const Node* identity = sign ? sign->child("device-identity") : nullptr;
  if (any_fault(pending.faults)) {
    problem = "client accepted a pair-success the phone had tampered with";
  } else if (!identity) {
    problem = "result lacks <pair-device-sign><device-identity>";
  } else {
    problem = ctx_.accounts.phone(pending.account)
                  .check_device_sign(pending.signed_companion, identity->bytes(),
                                     identity->attr("key-index"));
  }
  if (problem) {
    out.error = PairingError{"sim", *problem, false};
    ctx_.state.add_history("pair-sign-refused");
    ctx_.state.add_anomaly("pair-device-sign refused: " + *problem);
    ctx_.state.finish_scan(std::move(out));
    phase_ = Phase::closing;
    io_.close();
    return;
  }
  PairedDevice d;
  d.phone = ctx_.accounts.phone_number(pending.account);
  d.device = pending.device;
  d.jid = Jid{d.phone, 0, d.device, 0, wa::kServerJid}.str();
  d.lid = Jid{ctx_.accounts.lid_user(pending.account), 0, d.device, 0, wa::kLidServer}.str();
  d.noise_pub = util::Bytes(client_static_.begin(), client_static_.end());
  d.identity_pub = util::Bytes(identity_pub_.begin(), identity_pub_.end());
  d.registration_id = registration_id_;
  d.key_index = pending.signed_companion.key_index;
  // Until the first upload, bundles carry the signed prekey the device registered with (§4).
  d.signed_pre_key_id = registration_.signed_pre_key_id;
  d.signed_pre_key_pub = util::Bytes(registration_.signed_pre_key_pub.begin(),
                                     registration_.signed_pre_key_pub.end());
  d.signed_pre_key_signature = registration_.signed_pre_key_signature;
  ctx_.state.add_device(d);
  ctx_.state.add_history("paired");
  out.paired = true;
  out.jid = d.jid;
  ctx_.state.finish_scan(std::move(out));
  // §6 step 8: the server forces a reconnect so the companion logs in with its new identity.
  send_stream_error_and_close("515");
}

bool SimConnection::issued(const QrFields& qr) const {
  return phase_ == Phase::unpaired && qr.noise_pub == client_static_ &&
         std::find(refs_.begin(), refs_.end(), qr.ref) != refs_.end();
}

std::optional<std::string> SimConnection::deliver_pair_success(const QrFields& qr,
                                                               const PhoneFaults& faults) {
  if (phase_ != Phase::unpaired) return "the connection is not waiting for a scan";
  if (!pending_pairs_.empty()) return "a pair-success on this connection is still unanswered";
  if (qr.identity_pub != identity_pub_)
    return "the QR's identity key differs from the eIdent the client registered";
  const int64_t now = now_unix();
  PendingPair pending;
  // 254 companions per account, then the next simulated account (accounts.hpp, issue 4).
  const DeviceSlot slot = ctx_.state.next_device_slot();
  pending.device = slot.device;
  pending.account = slot.account;
  pending.faults = faults;
  pending.signed_companion =
      ctx_.accounts.phone(slot.account).sign_companion(qr.identity_pub, qr.adv_secret, now, faults);
  const std::string phone_number = ctx_.accounts.phone_number(slot.account);
  const std::string lid_user = ctx_.accounts.lid_user(slot.account);

  // §6 step 5.
  const std::string id = next_iq_id();
  Node pair_success(
      "pair-success", {},
      NodeList{Node("device-identity", {}, pending.signed_companion.device_identity),
               Node("platform", {{"name", "android"}}),
               Node("device", {{"jid", Jid{phone_number, 0, pending.device, 0,
                                           wa::kServerJid}},
                               {"lid", Jid{lid_user, 0, pending.device, 0,
                                           wa::kLidServer}}})});
  pending_pairs_.emplace(id, std::move(pending));
  ctx_.state.begin_scan();
  ctx_.state.add_history("pair-success-sent");
  send_node(Node("iq",
                 {{"from", Jid::server_jid()}, {"type", "set"}, {"id", id},
                  {"t", std::to_string(now)}},
                 NodeList{std::move(pair_success)}));
  return std::nullopt;
}

void SimConnection::on_closed() {
  if (!pending_pairs_.empty()) {
    PairingOutcome out;
    out.error = PairingError{"sim", "connection closed before the client answered pair-success",
                             false};
    ctx_.state.finish_scan(std::move(out));
    pending_pairs_.clear();
  }
  phase_ = Phase::closing;
}

void SimConnection::close_now() {
  phase_ = Phase::closing;
  io_.close();
}

void SimConnection::send_node(const Node& node) {
  io_.send(wa::socket::encode_frame(transport_->encrypt(wa::marshal(node))));
}

void SimConnection::send_failure(int reason) {
  // §8: <failure reason=N/>, then the server closes.
  ctx_.state.add_history("failure:" + std::to_string(reason));
  send_node(Node("failure", {{"reason", std::to_string(reason)}}));
  phase_ = Phase::closing;
  io_.close();
}

void SimConnection::send_stream_error_and_close(const std::string& code) {
  ctx_.state.add_history("stream-error:" + code);
  send_node(Node("stream:error", {{"code", code}}));
  phase_ = Phase::closing;
  io_.close();
}

void SimConnection::send_stream_error_and_close(const std::string& code,
                                                const std::string& conflict_type) {
  if (phase_ == Phase::closing) return;
  ctx_.state.add_history("stream-error:" + code + (conflict_type.empty() ? "" : " " + conflict_type));
  std::vector<std::pair<std::string, wa::AttrValue>> attrs;
  if (!code.empty()) attrs.emplace_back("code", code);
  if (conflict_type.empty()) send_node(Node("stream:error", std::move(attrs)));
  else send_node(Node("stream:error", std::move(attrs), NodeList{Node("conflict", {{"type", conflict_type}})}));
  phase_ = Phase::closing;
  io_.close();
}

void SimConnection::reply_result(const Node& iq, NodeList children) {
  std::vector<std::pair<std::string, wa::AttrValue>> attrs{
      {"from", Jid::server_jid()}, {"type", "result"}, {"id", iq.attr("id")}};
  if (children.empty()) send_node(Node("iq", std::move(attrs)));
  else send_node(Node("iq", std::move(attrs), std::move(children)));
}

void SimConnection::reply_error(const Node& iq, int code, const std::string& text) {
  send_node(Node("iq", {{"from", Jid::server_jid()}, {"type", "error"}, {"id", iq.attr("id")}},
                 NodeList{Node("error", {{"code", std::to_string(code)}, {"text", text}})}));
}

void SimConnection::fail_connection(const std::string& event) {
  ctx_.state.add_history(event);
  phase_ = Phase::closing;
  io_.close();
}

}  // namespace sim
