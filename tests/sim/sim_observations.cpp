#include "sim_observations.hpp"

#include <chrono>

namespace sim {

using Lock = std::lock_guard<std::mutex>;

int64_t steady_ms() {
  using namespace std::chrono;
  return duration_cast<milliseconds>(steady_clock::now().time_since_epoch()).count();
}

void Observations::message_arrived(const std::string& id, const std::string& sender) {
  Lock l(mu_);
  auto [it, fresh] = ledger_index_.emplace(id, ledger_.size());
  if (fresh) {
    LedgerEntry e;
    e.id = id;
    e.sender = sender;
    ledger_.push_back(std::move(e));
  }
  ++ledger_[it->second].arrivals;
}

void Observations::message_acked(const std::string& id, int error) {
  Lock l(mu_);
  auto it = ledger_index_.find(id);
  if (it == ledger_index_.end()) return;
  LedgerEntry& e = ledger_[it->second];
  ++e.acks;
  e.ack_error = error;
}

std::vector<LedgerEntry> Observations::ledger() const { Lock l(mu_); return ledger_; }

void Observations::connection_opened() { Lock l(mu_); connections_.push_back(steady_ms()); }
std::vector<int64_t> Observations::connection_times_ms() const { Lock l(mu_); return connections_; }

void Observations::login(const std::string& jid) {
  Lock l(mu_);
  logins_.push_back(LoginSeen{jid, steady_ms()});
}
std::vector<LoginSeen> Observations::logins() const { Lock l(mu_); return logins_; }

void Observations::prekey_upload(PrekeyUploadSeen seen) { Lock l(mu_); uploads_.push_back(std::move(seen)); }
std::vector<PrekeyUploadSeen> Observations::prekey_uploads() const { Lock l(mu_); return uploads_; }

}  // namespace sim
