// One operation at a time per tenant. Creating, restoring, restarting and deleting a tenant's
// session each hold the tenant's turn, so two callers can never both find "no session" and both
// create one, and no session is opened on files a DELETE is removing. Tenants nobody is working
// on cost nothing: an entry exists only while a turn is held.
// Thread-safety: acquire() may be called from any thread; a Turn is released by its owner.
#pragma once
#include <condition_variable>
#include <mutex>
#include <set>
#include <string>

namespace sidecar {

class TenantLocks {
 public:
  // A held turn; destroying it lets the next caller for the same tenant in.
  class Turn {
   public:
    Turn(const Turn&) = delete;
    Turn& operator=(const Turn&) = delete;
    ~Turn();

   private:
    friend class TenantLocks;
    Turn(TenantLocks& owner, std::string tenant);
    TenantLocks& owner_;
    std::string tenant_;
  };

  // Blocks until no other caller holds the tenant's turn, then takes it. The wait is as long as
  // the holder's operation, which is itself bounded (a DELETE by the logout timeout).
  [[nodiscard]] Turn acquire(const std::string& tenant);

 private:
  void release(const std::string& tenant);

  std::mutex mu_;
  std::condition_variable cv_;  // a turn was released
  std::set<std::string> held_;
};

}  // namespace sidecar
