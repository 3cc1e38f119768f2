// What the simulated server observed that the crash and reconnect tests judge the client by
// (issue 4): the message ledger (every <message> id that arrived, how often, and whether it was
// acked), when connections opened and logins succeeded, and every prekey upload's key ids.
// Thread-safe: written on the simulator's io thread, read from tests and the control API.
#pragma once
#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <vector>
#include "simulator.hpp"

namespace sim {

// Milliseconds of std::chrono::steady_clock (only differences mean anything).
int64_t steady_ms();

class Observations {
 public:
  void message_arrived(const std::string& id, const std::string& sender);
  void message_acked(const std::string& id, int error);
  std::vector<LedgerEntry> ledger() const;  // in order of first arrival

  void connection_opened();
  std::vector<int64_t> connection_times_ms() const;
  void login(const std::string& jid);
  std::vector<LoginSeen> logins() const;

  void prekey_upload(PrekeyUploadSeen seen);
  std::vector<PrekeyUploadSeen> prekey_uploads() const;

 private:
  mutable std::mutex mu_;
  std::vector<LedgerEntry> ledger_;
  std::map<std::string, size_t> ledger_index_;  // message id -> position in ledger_
  std::vector<int64_t> connections_;
  std::vector<LoginSeen> logins_;
  std::vector<PrekeyUploadSeen> uploads_;
};

}  // namespace sim
