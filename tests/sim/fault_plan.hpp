// Faults the simulated server injects on request (issue 4, "stay connected and lose nothing"),
// each one a behaviour of the real server that clients must survive (PROTOCOL.md §8):
//   - keepalive pings left unanswered while the socket stays open (a half-dead link);
//   - the next N logins refused with <failure reason=R/> (500/503 outages, 405 outdated, ...);
//   - the next N logins never answered (a link that dies right after the handshake);
//   - prekey uploads withheld: neither stored nor answered until released (lets a test kill
//     the client while its upload is in flight);
//   - user lookups (usync queries) left unanswered while the socket stays open: a send waits
//     in preparation, before its stanza exists (lets a test close the connection under it);
//   - delivery receipts switched off: the simulated devices still decrypt, but the server
//     relays none of their receipts (a recipient that is offline or never gets the message).
// Stream errors are one-shot and need the connection table, so Simulator sends them directly.
// Thread-safe: set from the test or control thread, read on the simulator's io thread.
#pragma once
#include <mutex>
#include <optional>

namespace sim {

class FaultPlan {
 public:
  void set_answer_pings(bool answer);
  bool answer_pings() const;

  // The next `count` logins get <failure reason=reason/>; count 0 clears it.
  void fail_next_logins(int count, int reason);
  // Consumes one planned login failure: its reason, or nullopt when logins are let through.
  std::optional<int> take_login_failure();
  int pending_login_failures() const;
  int login_failure_reason() const;

  void set_withhold_prekey_uploads(bool withhold);
  bool withhold_prekey_uploads() const;

  void set_withhold_usync(bool withhold);
  bool withhold_usync() const;

  // On by default: every simulated device that decrypts a companion's message answers with
  // its receipt (receipt_relay.hpp).
  void set_delivery_receipts(bool on);
  bool delivery_receipts() const;

  // The next `count` logins get no answer at all (socket left open, frames ignored).
  void stall_next_logins(int count);
  bool take_login_stall();
  int pending_login_stalls() const;

 private:
  mutable std::mutex mu_;
  bool answer_pings_ = true;
  int login_failures_ = 0;
  int login_failure_reason_ = 0;
  bool withhold_uploads_ = false;
  bool withhold_usync_ = false;
  bool delivery_receipts_ = true;
  int login_stalls_ = 0;
};

}  // namespace sim
