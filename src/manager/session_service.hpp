// What the HTTP router needs from the client manager. The router depends only on this
// interface, so it can be tested with a fake; SessionManager implements it.
// Thread-safety: every method may be called concurrently from HTTP worker threads.
#pragma once
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>

namespace sidecar {

// Session statuses (the contract of GET /status; README "Session life cycle").
inline constexpr const char* kStatusInitializing = "initializing";
inline constexpr const char* kStatusQrReady = "qr_ready";
inline constexpr const char* kStatusPairing = "pairing";
inline constexpr const char* kStatusConnected = "connected";
inline constexpr const char* kStatusReconnecting = "reconnecting";
inline constexpr const char* kStatusLoggedOut = "logged_out";
inline constexpr const char* kStatusQrTimeout = "qr_timeout";
inline constexpr const char* kStatusError = "error";

struct ErrorInfo {
  std::string code;     // snake_case
  std::string message;  // human sentence, no secrets
  int64_t at_ms = 0;    // unix milliseconds
};

struct SessionView {
  std::string tenant_id;
  std::string status;
  bool connected = false;
  std::optional<std::string> phone_number;  // digits, e.g. "15551234567"
  std::optional<std::string> jid;           // own JID with device
  std::optional<std::string> qr;            // current QR string (only while qr_ready)
  std::optional<std::string> qr_image;      // PNG data URL of qr
  std::optional<int64_t> qr_expires_at_ms;
  int qr_sequence = 0;                      // bumps with every new QR
  int64_t since_ms = 0;                     // when the current status began
  std::optional<int64_t> last_activity_ms;  // last frame received from the server
  std::optional<ErrorInfo> last_error;
  int reconnect_attempts = 0;
};

struct HealthView {
  size_t total = 0;
  size_t connected = 0;
  int64_t uptime_seconds = 0;
  std::string version;
  // Sessions per status (GET /metrics); statuses without sessions are absent.
  std::map<std::string, size_t> by_status;
};

// The outcome of POST /send (README "Sending"); the router maps kind to an HTTP status.
struct SendOutcome {
  enum class Kind {
    sent,               // 200: acked by the server
    session_not_found,  // 404
    not_connected,      // 409 (status says why)
    invalid_recipient,  // 400
    not_on_whatsapp,    // 422
    send_failed,        // 502: the server refused it (server_code) or it could not be built
    ack_timeout,        // 504: sent, but no ack in time: outcome unknown
    too_many_pending,   // 429: the tenant has max_pending_sends sends unanswered; not sent
  };
  Kind kind = Kind::send_failed;
  std::string message_id;
  std::string to;          // the recipient's JID
  int64_t timestamp = 0;   // unix seconds of the server ack
  std::string status;      // current session status (not_connected)
  std::string server_code; // the server's error code (send_failed), if any
  std::string message;     // human sentence
};

// The outcome of DELETE /session (README "Logout").
struct DeleteOutcome {
  enum class Kind {
    deleted,    // 200: unlinked on WhatsApp's side (when it could be told) and files removed
    not_found,  // 404: no session in memory and no stored directory (also a repeated DELETE)
    failed,     // 502: WhatsApp refused or did not answer the logout; nothing was deleted
  };
  Kind kind = Kind::failed;
  std::string message;  // human sentence, no secrets
};

class SessionService {
 public:
  virtual ~SessionService() = default;

  struct CreateResult {
    bool created = false;  // false: the session existed already
    SessionView view;
  };
  // Creates the tenant's session (or finds it) and starts connecting; waits up to the configured
  // time for the first QR of an unpaired session. Concurrent calls for one tenant create one
  // session; a DELETE that removes it during the wait makes the answer's status logged_out.
  // Throws std::runtime_error on storage failure.
  virtual CreateResult create_session(const std::string& tenant_id) = 0;
  virtual std::optional<SessionView> status(const std::string& tenant_id) = 0;
  virtual HealthView health() = 0;
  using SendDone = std::function<void(SendOutcome)>;
  // Sends a text message without blocking the caller: `done` runs exactly once, on the calling
  // thread for an outcome known at once (bad recipient, no session, not connected, too many
  // pending), else on the network thread once the server acked it, refused it, the ack timeout
  // passed or the connection closed. `done` must not block. `message` is already validated
  // (non-empty UTF-8, at most 65,536 bytes); `to` is the caller's raw recipient.
  virtual void send_text(const std::string& tenant_id, const std::string& to,
                         const std::string& message, SendDone done) = 0;
  // Logs the tenant's device out on WhatsApp's side, then stops the session and deletes its
  // files once its connection is closed and its store is closed. Blocks the calling (HTTP)
  // thread for at most the logout timeout plus that teardown. Throws std::runtime_error when
  // the files cannot be removed (or the stopped session is still in use, so they were kept).
  virtual DeleteOutcome delete_session(const std::string& tenant_id) = 0;
};

}  // namespace sidecar
