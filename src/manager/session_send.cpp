// POST /send through the manager: recipient normalisation, the tenant's backpressure, then
// the tenant's client. Nothing here waits: the client answers on the network thread.
#include "manager/session_manager.hpp"
#include "wa/recipient.hpp"

namespace sidecar {
namespace {

SendOutcome outcome_of(wa::SendResult r) {
  SendOutcome out;
  out.message_id = r.message_id;
  out.timestamp = r.timestamp;
  out.message = r.detail;
  switch (r.kind) {
    case wa::SendResult::Kind::sent: out.kind = SendOutcome::Kind::sent; break;
    case wa::SendResult::Kind::not_connected: out.kind = SendOutcome::Kind::not_connected; break;
    case wa::SendResult::Kind::not_on_whatsapp: out.kind = SendOutcome::Kind::not_on_whatsapp; break;
    case wa::SendResult::Kind::server_error:
      out.kind = SendOutcome::Kind::send_failed;
      out.server_code = r.code;
      break;
    case wa::SendResult::Kind::ack_timeout: out.kind = SendOutcome::Kind::ack_timeout; break;
    case wa::SendResult::Kind::failed: out.kind = SendOutcome::Kind::send_failed; break;
  }
  return out;
}

}  // namespace

void SessionManager::send_text(const std::string& tenant, const std::string& to,
                               const std::string& message, SendDone done) {
  SendOutcome out;
  auto jid = wa::normalize_recipient(to);
  if (!jid) {
    out.kind = SendOutcome::Kind::invalid_recipient;
    out.message = "The recipient must be a phone number with country code (7 to 15 digits) or a user JID.";
    return done(std::move(out));
  }
  out.to = jid->str();
  auto s = [&]() -> std::shared_ptr<Session> {
    std::lock_guard<std::mutex> lk(mu_);
    auto it = sessions_.find(tenant);
    return it == sessions_.end() ? nullptr : it->second;
  }();
  if (!s) {
    out.kind = SendOutcome::Kind::session_not_found;
    out.message = "No session exists for this tenant.";
    return done(std::move(out));
  }
  const std::string status = derive_status(s->client->snapshot(), client_options_, wa::now_ms());
  if (status != kStatusConnected) {
    out.kind = SendOutcome::Kind::not_connected;
    out.status = status;
    out.message = "The session is not connected (status " + status + ").";
    return done(std::move(out));
  }
  // One tenant's burst is bounded here, before it costs memory or delays anyone: each
  // accepted send holds its text until the server's ack (or the ack timeout).
  std::shared_ptr<std::atomic<int>> pending = s->pending_sends;
  if (pending->fetch_add(1) >= config_.max_pending_sends) {
    pending->fetch_sub(1);
    out.kind = SendOutcome::Kind::too_many_pending;
    out.message = "This tenant has " + std::to_string(config_.max_pending_sends) +
                  " messages waiting for WhatsApp already; retry shortly.";
    return done(std::move(out));
  }

  // The callback runs on the network thread, inside the client: it holds neither the Session
  // nor the Client strongly, so the last reference to either is never dropped there.
  std::weak_ptr<wa::Client> client = s->client;
  const wa::ClientOptions& options = client_options_;
  s->client->send_text(
      *jid, message, config_.send_ack_timeout_ms,
      [done = std::move(done), pending, client, to_jid = out.to, &options](wa::SendResult r) {
        pending->fetch_sub(1);
        SendOutcome result = outcome_of(std::move(r));
        result.to = to_jid;
        if (result.kind == SendOutcome::Kind::not_connected) {
          auto c = client.lock();
          result.status = c ? derive_status(c->snapshot(), options, wa::now_ms())
                             : std::string(kStatusLoggedOut);
        }
        done(std::move(result));
      });
}

}  // namespace sidecar
