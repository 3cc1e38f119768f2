#include "service_rig.hpp"

#include <catch2/catch.hpp>

namespace e2e {

std::vector<sim::ClientReceipt> receipts_for(const sim::Simulator& s, const std::string& id) {
  std::vector<sim::ClientReceipt> out;
  for (const auto& r : s.client_receipts())
    if (r.id == id) out.push_back(r);
  return out;
}

ServiceRig::ServiceRig(sim::SimOptions sim_options, std::map<std::string, std::string> extra_env)
    : sim_(std::move(sim_options)), sessions_dir_(dir_.path() + "/sessions") {
  sim_.start();
  context_ = std::make_unique<FailureContext>("simulator", [this] {
    std::string text = "history:";
    for (const auto& e : sim_.history()) text += " " + e + ";";
    text += "\nanomalies:";
    for (const auto& e : sim_.anomalies()) text += " " + e + ";";
    return text;
  });
  config_.sessions_dir = sessions_dir_;
  config_.wa_url = sim_.ws_url();
  config_.noise_root_key = sim_.root_public_key_hex();
  config_.extra_env = std::move(extra_env);
  start_service();
}

void ServiceRig::start_service() {
  service_.reset();
  service_ = std::make_unique<Sidecar>(config_, dir_.path() + "/sidecar-" + std::to_string(++starts_));
}

int ServiceRig::stop_service() { return service_->process().terminate(); }

json ServiceRig::pair_tenant(const std::string& tenant, const sim::ScanOptions& opts) {
  HttpResult created = api().post("/session", tenant);
  REQUIRE(created.status == 201);
  REQUIRE(created.body["data"]["qr"].is_string());
  REQUIRE(sim_.scan(created.body["data"]["qr"].get<std::string>(), opts) == std::nullopt);
  REQUIRE(sim_.wait_pairing_outcome(kWait).paired);
  json status = api().wait_status(tenant, {"connected"});
  REQUIRE(status.is_object());
  REQUIRE(status["status"] == "connected");
  return status;
}

}  // namespace e2e
