// SessionService views -> the "data" objects of the API. Every documented key is always
// present; absent values are JSON null, so the gateway never has to test for missing keys.
#pragma once
#include <nlohmann/json.hpp>
#include "manager/session_service.hpp"

namespace sidecar::http {

// POST /session: {tenantId, status, qr, qrImage, qrExpiresAt}
nlohmann::json session_created_json(const SessionView& view);
// GET /status: {tenantId, status, connected, phoneNumber, jid, qr, qrImage, qrExpiresAt,
//   qrSequence, since, lastActivityAt, lastError: {code, message, at} | null, reconnectAttempts}
nlohmann::json session_status_json(const SessionView& view);
// GET /health: {status: "ok", sessions: {total, connected}, uptimeSeconds, version}
nlohmann::json health_json(const HealthView& view);

}  // namespace sidecar::http
