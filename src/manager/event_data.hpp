// The data objects of the webhook events (README "Webhooks"), built from what the client and
// the manager know. Every time is ISO-8601 UTC like the rest of the API; absent values are null.
// Pure functions.
#pragma once
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "manager/session_service.hpp"
#include "wa/incoming.hpp"

namespace sidecar {

// message.received: {messageId, from, fromJid, fromLid, chat, fromMe, pushName, timestamp,
// offline, type, text}. `from` is the digits of the sender's phone number (null when only its
// LID is known), fromJid the sender's bare phone-number JID (else its LID), fromLid its bare LID.
nlohmann::json message_received_data(const wa::IncomingMessage& m);

// message.status: {messageId, to, status, timestamp}.
nlohmann::json message_status_data(const wa::MessageStatusUpdate& u);

// session.status: {status, previousStatus, phoneNumber, jid, qr, qrSequence, lastError}.
nlohmann::json session_status_data(const SessionView& view,
                                   const std::optional<std::string>& previous_status);

}  // namespace sidecar
