#include "fault_plan.hpp"

namespace sim {

using Lock = std::lock_guard<std::mutex>;

void FaultPlan::set_answer_pings(bool answer) { Lock l(mu_); answer_pings_ = answer; }
bool FaultPlan::answer_pings() const { Lock l(mu_); return answer_pings_; }

void FaultPlan::fail_next_logins(int count, int reason) {
  Lock l(mu_);
  login_failures_ = count > 0 ? count : 0;
  login_failure_reason_ = login_failures_ ? reason : 0;
}

std::optional<int> FaultPlan::take_login_failure() {
  Lock l(mu_);
  if (login_failures_ <= 0) return std::nullopt;
  const int reason = login_failure_reason_;
  if (--login_failures_ == 0) login_failure_reason_ = 0;
  return reason;
}

int FaultPlan::pending_login_failures() const { Lock l(mu_); return login_failures_; }
int FaultPlan::login_failure_reason() const { Lock l(mu_); return login_failure_reason_; }

void FaultPlan::set_withhold_prekey_uploads(bool withhold) { Lock l(mu_); withhold_uploads_ = withhold; }
bool FaultPlan::withhold_prekey_uploads() const { Lock l(mu_); return withhold_uploads_; }

void FaultPlan::set_withhold_usync(bool withhold) { Lock l(mu_); withhold_usync_ = withhold; }
bool FaultPlan::withhold_usync() const { Lock l(mu_); return withhold_usync_; }

void FaultPlan::set_delivery_receipts(bool on) { Lock l(mu_); delivery_receipts_ = on; }
bool FaultPlan::delivery_receipts() const { Lock l(mu_); return delivery_receipts_; }

void FaultPlan::stall_next_logins(int count) { Lock l(mu_); login_stalls_ = count > 0 ? count : 0; }
bool FaultPlan::take_login_stall() {
  Lock l(mu_);
  if (login_stalls_ <= 0) return false;
  --login_stalls_;
  return true;
}
int FaultPlan::pending_login_stalls() const { Lock l(mu_); return login_stalls_; }

}  // namespace sim
