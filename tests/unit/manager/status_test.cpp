// The API status is derived from transport facts at request time (issue 2: "status must tell
// the truth"). Each row pins one fact pattern to the status a gateway sees.
#include <catch2/catch.hpp>

#include "manager/session_manager.hpp"

using sidecar::derive_status;
using wa::ClientSnapshot;
using wa::Phase;

namespace {

ClientSnapshot connected_at(int64_t t) {
  ClientSnapshot s;
  s.phase = Phase::connected;
  s.socket_open = true;
  s.logged_in = true;
  s.paired = true;
  s.ever_connected = true;
  s.last_keepalive_ok_ms = t;
  s.last_frame_ms = t;
  return s;
}

}  // namespace

TEST_CASE("a logged-in session with recent keepalives is connected") {
  wa::ClientOptions opt;
  const int64_t now = 1'000'000'000;
  CHECK(derive_status(connected_at(now - 1000), opt, now) == "connected");
}

TEST_CASE("a logged-in session whose pings stopped being answered is reconnecting") {
  wa::ClientOptions opt;
  const int64_t now = 1'000'000'000;
  const int64_t budget = opt.keepalive_max_ms + opt.keepalive_timeout_ms;
  CHECK(derive_status(connected_at(now - budget), opt, now) == "connected");
  CHECK(derive_status(connected_at(now - budget - 1), opt, now) == "reconnecting");
}

TEST_CASE("a connected phase without an open socket or login is not connected") {
  wa::ClientOptions opt;
  const int64_t now = 1'000'000'000;
  auto closed = connected_at(now);
  closed.socket_open = false;
  CHECK(derive_status(closed, opt, now) == "reconnecting");
  auto not_logged_in = connected_at(now);
  not_logged_in.logged_in = false;
  CHECK(derive_status(not_logged_in, opt, now) == "reconnecting");
}

TEST_CASE("phases map to the documented statuses") {
  wa::ClientOptions opt;
  const int64_t now = 1'000'000'000;
  struct Row {
    Phase phase;
    bool paired;
    bool ever_connected;
    int attempts;
    const char* status;
  };
  const Row rows[] = {
      {Phase::idle, false, false, 0, "initializing"},
      {Phase::connecting, false, false, 0, "initializing"},
      {Phase::handshaking, false, false, 0, "initializing"},
      {Phase::awaiting_qr, false, false, 0, "initializing"},
      {Phase::qr, false, false, 0, "qr_ready"},
      {Phase::pairing, false, false, 0, "pairing"},
      {Phase::logging_in, true, false, 0, "initializing"},   // restored, first login
      {Phase::logging_in, true, true, 0, "reconnecting"},    // after a drop
      {Phase::connecting, true, false, 2, "reconnecting"},   // restored, retrying
      {Phase::backoff, true, true, 1, "reconnecting"},
      {Phase::backoff, false, false, 1, "reconnecting"},
      {Phase::logged_out, false, false, 0, "logged_out"},
      {Phase::qr_timeout, false, false, 0, "qr_timeout"},
      {Phase::failed, false, false, 0, "error"},
  };
  for (const Row& r : rows) {
    ClientSnapshot s;
    s.phase = r.phase;
    s.paired = r.paired;
    s.ever_connected = r.ever_connected;
    s.reconnect_attempts = r.attempts;
    INFO("phase " << wa::phase_name(r.phase));
    CHECK(derive_status(s, opt, now) == r.status);
  }
}

TEST_CASE("the stream restart that ends pairing reads as pairing until the login") {
  wa::ClientOptions opt;
  const int64_t now = 1'000'000'000;
  // After pair-success the device is paired but was never connected; the 515 restart then
  // connects, handshakes and logs in with the new credentials.
  for (Phase phase : {Phase::connecting, Phase::handshaking, Phase::logging_in}) {
    ClientSnapshot s;
    s.phase = phase;
    s.paired = true;
    s.pair_restart = true;
    INFO("phase " << wa::phase_name(phase));
    CHECK(derive_status(s, opt, now) == "pairing");
    // Without the restart, the same facts are a restored session's first login.
    s.pair_restart = false;
    CHECK(derive_status(s, opt, now) == "initializing");
  }
  // Once the login succeeded, the restart is over.
  auto done = connected_at(now);
  done.pair_restart = true;
  CHECK(derive_status(done, opt, now) == "connected");
}
