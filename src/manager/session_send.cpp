// POST /send through the manager: recipient normalisation, then the tenant's client, waited
// for on the HTTP thread with a bound slightly past the ack timeout.
#include <future>

#include "manager/session_manager.hpp"
#include "wa/recipient.hpp"

namespace sidecar {

SendOutcome SessionManager::send_text(const std::string& tenant, const std::string& to,
                                      const std::string& message) {
  SendOutcome out;
  auto jid = wa::normalize_recipient(to);
  if (!jid) {
    out.kind = SendOutcome::Kind::invalid_recipient;
    out.message = "The recipient must be a phone number with country code (7 to 15 digits) or a user JID.";
    return out;
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
    return out;
  }
  const std::string status = derive_status(s->client->snapshot(), client_options_, wa::now_ms());
  if (status != kStatusConnected) {
    out.kind = SendOutcome::Kind::not_connected;
    out.status = status;
    out.message = "The session is not connected (status " + status + ").";
    return out;
  }

  auto promise = std::make_shared<std::promise<wa::SendResult>>();
  auto future = promise->get_future();
  s->client->send_text(*jid, message, config_.send_ack_timeout_ms,
                       [promise](wa::SendResult r) { promise->set_value(std::move(r)); });
  // The client always answers (its ack timer fires at send_ack_timeout_ms); the extra margin
  // covers the lookups before the message is on the wire.
  const auto bound = std::chrono::milliseconds(4 * config_.send_ack_timeout_ms + 1000);
  if (future.wait_for(bound) != std::future_status::ready) {
    out.kind = SendOutcome::Kind::ack_timeout;
    out.message = "No answer from WhatsApp in time; the outcome is unknown.";
    return out;
  }
  wa::SendResult r = future.get();
  out.message_id = r.message_id;
  out.timestamp = r.timestamp;
  out.message = r.detail;
  switch (r.kind) {
    case wa::SendResult::Kind::sent: out.kind = SendOutcome::Kind::sent; break;
    case wa::SendResult::Kind::not_connected:
      out.kind = SendOutcome::Kind::not_connected;
      out.status = derive_status(s->client->snapshot(), client_options_, wa::now_ms());
      break;
    case wa::SendResult::Kind::not_on_whatsapp: out.kind = SendOutcome::Kind::not_on_whatsapp; break;
    case wa::SendResult::Kind::server_error:
      out.kind = SendOutcome::Kind::send_failed;
      out.server_code = r.code;
      break;
    case wa::SendResult::Kind::ack_timeout: out.kind = SendOutcome::Kind::ack_timeout; break;
    case wa::SendResult::Kind::failed:
      out.kind = SendOutcome::Kind::send_failed;
      break;
  }
  return out;
}

}  // namespace sidecar
