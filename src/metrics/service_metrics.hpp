// The service's own metrics (README "Metrics"), on one process-wide registry, and one-line
// helpers for the places that count. Label values come from fixed sets (anything else is
// counted as "other"), so no series is ever created per tenant, number or message.
// Sessions by status, uptime and build info are computed at scrape time (http/metrics_route).
#pragma once
#include <cstdint>
#include <string>
#include "metrics/registry.hpp"

namespace metrics {

Registry& service_registry();

// POST /send outcomes (the router, once per validated request): "" for a send acked by
// WhatsApp, else the response's error.code (invalid_recipient, not_connected, ...).
void count_send(const std::string& error_code);
// Seconds from the request's validation to WhatsApp's ack, for acked sends only.
void observe_send_latency(double seconds);

// A reconnect the client decided (wa/client.cpp on_close); cause from reconnect_cause().
void count_reconnect(const std::string& cause);
// The label of a reconnect:
//   restart: the server asked for a stream restart (515 after pairing) -> "restart_515";
//   close_code: the ClientError code / event the client closed for ("" when the server or the
//     network closed the socket): keepalive_failed -> "ping_timeout", stream_error,
//     stream_end, server_unavailable -> "login_failure", connection_failed / handshake_failed /
//     server_certificate_invalid -> "connect_failed", pairing_failed, other codes -> "other";
//   established: the Noise handshake had completed ("" close_code: "dropped", else
//     "connect_failed").
std::string reconnect_cause(bool restart, const std::string& close_code, bool established);

// A message not acked within the ack timeout (wa/send.cpp).
void count_ack_timeout();
// An incoming message or receipt whose event could not be stored (wa/receive.cpp, receipts.cpp).
void count_event_store_failure();
// A sync of a tenant's store that failed (wa/client.cpp, the frames waiting for it).
void count_store_sync_failure();
// One-time prekeys the server accepted (wa/client_prekeys.cpp).
void count_prekeys_uploaded(uint64_t keys);

// The label sets, for documentation and tests.
const std::vector<std::string>& send_failure_reasons();
const std::vector<std::string>& reconnect_causes();

}  // namespace metrics
