// Status derivation: the API status is computed from transport facts at the time of the
// request (socket open, logged in, last answered keepalive, last frame), never from what the
// service last intended.
#include "manager/session_manager.hpp"

namespace sidecar {

std::string derive_status(const wa::ClientSnapshot& s, const wa::ClientOptions& opt, int64_t now_ms) {
  using wa::Phase;
  switch (s.phase) {
    case Phase::logged_out: return kStatusLoggedOut;
    case Phase::qr_timeout: return kStatusQrTimeout;
    case Phase::failed: return kStatusError;
    case Phase::qr: return kStatusQrReady;
    case Phase::pairing: return kStatusPairing;
    case Phase::connected: {
      // A link is alive while pings are answered: the longest healthy gap is one keepalive
      // interval plus its answer deadline. Past that, the session is really reconnecting even
      // if the socket has not noticed yet.
      const int64_t budget = opt.keepalive_max_ms + opt.keepalive_timeout_ms;
      const int64_t last_sign = std::max(s.last_keepalive_ok_ms, s.last_frame_ms);
      if (s.socket_open && s.logged_in && now_ms - last_sign <= budget) return kStatusConnected;
      return kStatusReconnecting;
    }
    case Phase::backoff:
      return kStatusReconnecting;
    case Phase::idle:
    case Phase::connecting:
    case Phase::handshaking:
    case Phase::awaiting_qr:
    case Phase::logging_in:
      // The restart that ends pairing is still pairing (README life cycle: pairing -515->
      // login -> connected), whatever the paired flag says by now.
      if (s.pair_restart) return kStatusPairing;
      // A paired device that was connected before is reconnecting; otherwise it is starting.
      if (s.paired && s.ever_connected) return kStatusReconnecting;
      if (s.paired && s.reconnect_attempts > 0) return kStatusReconnecting;
      return kStatusInitializing;
  }
  return kStatusError;
}

}  // namespace sidecar
