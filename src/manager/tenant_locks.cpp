#include "manager/tenant_locks.hpp"

namespace sidecar {

TenantLocks::Turn::Turn(TenantLocks& owner, std::string tenant)
    : owner_(owner), tenant_(std::move(tenant)) {}

TenantLocks::Turn::~Turn() { owner_.release(tenant_); }

TenantLocks::Turn TenantLocks::acquire(const std::string& tenant) {
  std::unique_lock<std::mutex> lk(mu_);
  cv_.wait(lk, [&] { return held_.count(tenant) == 0; });
  held_.insert(tenant);
  return Turn(*this, tenant);
}

void TenantLocks::release(const std::string& tenant) {
  {
    std::lock_guard<std::mutex> lk(mu_);
    held_.erase(tenant);
  }
  // Waiters for other tenants wake too and wait again; turns are short and rarely contended.
  cv_.notify_all();
}

}  // namespace sidecar
