// A test rig for end-to-end tests of wa-sidecar: an in-process simulator, a temporary
// SESSIONS_DIR and the service started against them (restartable with the same directory).
#pragma once
#include <memory>
#include <string>
#include "e2e_support.hpp"
#include "simulator.hpp"

namespace e2e {

// The receipts the companion sent for one message id, in order.
std::vector<sim::ClientReceipt> receipts_for(const sim::Simulator& s, const std::string& id);

class ServiceRig {
 public:
  explicit ServiceRig(sim::SimOptions sim_options = {},
                      std::map<std::string, std::string> extra_env = {});
  sim::Simulator& sim() { return sim_; }
  Sidecar& service() { return *service_; }
  ServiceApi& api() { return service_->api(); }
  const std::string& sessions_dir() const { return sessions_dir_; }
  std::string logs() const { return service_ ? service_->logs() : std::string(); }

  void start_service();          // (re)starts wa-sidecar with the rig's configuration
  int stop_service();            // SIGTERM (then SIGKILL); returns the exit status
  SidecarConfig& config() { return config_; }

  // POST /session for the tenant, scan its QR with the simulated phone, and wait for the
  // service to report connected. Returns the final GET /status data.
  json pair_tenant(const std::string& tenant, const sim::ScanOptions& opts = {});

 private:
  TempDir dir_;
  sim::Simulator sim_;
  std::string sessions_dir_;
  SidecarConfig config_;
  std::unique_ptr<Sidecar> service_;
  int starts_ = 0;
  std::unique_ptr<FailureContext> context_;  // the simulator's history on failure
};

}  // namespace e2e
