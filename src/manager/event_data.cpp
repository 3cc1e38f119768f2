#include "manager/event_data.hpp"

#include "util/iso_time.hpp"

namespace sidecar {
namespace {

using nlohmann::json;

template <typename T>
json or_null(const std::optional<T>& v) {
  return v ? json(*v) : json(nullptr);
}

json jid_or_null(const std::optional<wa::Jid>& jid) {
  return jid ? json(jid->str()) : json(nullptr);
}

json seconds_or_null(int64_t unix_s) {
  return unix_s > 0 ? json(util::iso8601_utc_ms(unix_s * 1000)) : json(nullptr);
}

}  // namespace

json message_received_data(const wa::IncomingMessage& m) {
  const std::optional<wa::Jid> from_jid = m.sender_pn ? m.sender_pn : m.sender_lid;
  return json{{"messageId", m.id},
              {"from", m.sender_pn ? json(m.sender_pn->user) : json(nullptr)},
              {"fromJid", from_jid ? json(from_jid->str()) : json(m.sender.to_non_ad().str())},
              {"fromLid", jid_or_null(m.sender_lid)},
              {"chat", m.chat.str()},
              {"fromMe", m.from_me},
              {"pushName", m.push_name.empty() ? json(nullptr) : json(m.push_name)},
              {"timestamp", seconds_or_null(m.timestamp_s)},
              {"offline", m.offline},
              {"type", m.content.kind},
              {"text", or_null(m.content.text)}};
}

json message_status_data(const wa::MessageStatusUpdate& u) {
  return json{{"messageId", u.message_id},
              {"to", u.recipient},
              {"status", wa::receipt_status_name(u.status)},
              {"timestamp", seconds_or_null(u.timestamp_s)}};
}

json session_status_data(const SessionView& v, const std::optional<std::string>& previous_status) {
  json last_error = nullptr;
  if (v.last_error) {
    last_error = json{{"code", v.last_error->code},
                      {"message", v.last_error->message},
                      {"at", v.last_error->at_ms > 0 ? json(util::iso8601_utc_ms(v.last_error->at_ms))
                                                     : json(nullptr)}};
  }
  return json{{"status", v.status},
              {"previousStatus", or_null(previous_status)},
              {"phoneNumber", or_null(v.phone_number)},
              {"jid", or_null(v.jid)},
              {"qr", or_null(v.qr)},
              {"qrSequence", v.qr_sequence},
              {"lastError", std::move(last_error)}};
}

}  // namespace sidecar
