#include "http/send_route.hpp"

#include "util/iso_time.hpp"

namespace sidecar::http {

std::variant<SendRequest, ApiError> validate_send_body(const nlohmann::json& body) {
  auto to = body.find("to");
  if (to == body.end() || !to->is_string() || to->get_ref<const std::string&>().empty()) {
    return ApiError{400, "invalid_recipient",
                    "\"to\" must be a phone number with country code or a user JID."};
  }
  auto message = body.find("message");
  if (message == body.end() || !message->is_string()) {
    return ApiError{400, "invalid_message", "\"message\" must be a string."};
  }
  const std::string& text = message->get_ref<const std::string&>();
  if (text.empty()) return ApiError{400, "invalid_message", "\"message\" must not be empty."};
  if (text.size() > kMaxMessageBytes) {
    return ApiError{400, "invalid_message", "\"message\" is longer than 65536 bytes."};
  }
  return SendRequest{to->get<std::string>(), text};
}

std::pair<int, nlohmann::json> send_response(const SendOutcome& o) {
  using Kind = SendOutcome::Kind;
  auto error = [](int status, const char* code, const std::string& message,
                  nlohmann::json details = nullptr) {
    nlohmann::json env = error_envelope(code, message);
    if (!details.is_null()) env["error"]["details"] = std::move(details);
    return std::make_pair(status, env);
  };
  switch (o.kind) {
    case Kind::sent:
      return {200, success_envelope({{"messageId", o.message_id},
                                     {"to", o.to},
                                     {"timestamp", util::iso8601_utc_ms(o.timestamp * 1000)}})};
    case Kind::session_not_found:
      return error(404, "session_not_found", "No session exists for this tenant.");
    case Kind::not_connected:
      return error(409, "not_connected", o.message, {{"status", o.status}});
    case Kind::invalid_recipient:
      return error(400, "invalid_recipient", o.message);
    case Kind::not_on_whatsapp:
      return error(422, "not_on_whatsapp", "The recipient has no WhatsApp account.",
                   {{"to", o.to}});
    case Kind::send_failed: {
      nlohmann::json details = {{"to", o.to}};
      if (!o.server_code.empty()) details["serverCode"] = o.server_code;
      if (!o.message_id.empty()) details["messageId"] = o.message_id;
      return error(502, "send_failed",
                   o.server_code.empty() ? "The message could not be sent: " + o.message
                                         : "WhatsApp refused the message (error " + o.server_code + ").",
                   details);
    }
    case Kind::too_many_pending:
      return error(429, "too_many_pending", o.message);
    case Kind::ack_timeout:
      return error(504, "ack_timeout",
                   "WhatsApp did not acknowledge the message in time; the outcome is unknown "
                   "(it may still be delivered). Do not resend blindly: check with the messageId.",
                   {{"messageId", o.message_id.empty() ? nlohmann::json(nullptr) : nlohmann::json(o.message_id)},
                    {"to", o.to}});
  }
  return error(500, "internal_error", "Internal error.");
}

}  // namespace sidecar::http
