// End to end: DELETE /session and unlinking from the phone (issue 4, PROTOCOL.md §11), the real
// wa-sidecar binary over HTTP against the simulator.
#include <catch2/catch.hpp>

#include <algorithm>
#include <filesystem>
#include <mutex>
#include <thread>
#include <httplib.h>
#include "qr_code.hpp"
#include "service_rig.hpp"
#include "wa/store/device_store.hpp"

using namespace e2e;
namespace fs = std::filesystem;

namespace {

// ServiceApi has no DELETE; the same headers through a client of our own.
// The service waits up to its logout timeout for WhatsApp, within ServiceApi's 30 s read timeout.
HttpResult delete_session(ServiceRig& rig, const std::string& tenant) {
  return rig.api().del("/session", tenant);
}

std::string error_code(const HttpResult& r) {
  if (r.body.is_discarded() || !r.body.contains("error")) return "";
  return r.body["error"].value("code", std::string());
}

// POST /session, scan, wait for connected; returns the QR that was scanned.
std::string pair(ServiceRig& rig, const std::string& tenant) {
  HttpResult created = rig.api().post("/session", tenant);
  REQUIRE((created.status == 201 || created.status == 200));
  REQUIRE(created.body["data"]["qr"].is_string());
  const std::string qr = created.body["data"]["qr"];
  REQUIRE(rig.sim().scan(qr) == std::nullopt);
  REQUIRE(rig.sim().wait_pairing_outcome(kWait).paired);
  REQUIRE(rig.api().wait_status(tenant, {"connected"})["status"] == "connected");
  // Let the post-login iqs finish, so that later counts only see what the test provoked.
  REQUIRE(wait_until([&] { return contains(rig.sim().history(), "active"); }));
  return qr;
}

// What the simulator saw of remove-companion-device, and whether the tenant's files were still
// there at that moment (the service may delete them only after WhatsApp's answer).
struct LogoutSeen {
  std::mutex mu;
  std::vector<std::string> jids, reasons;
  std::vector<bool> files_present;
};

void observe(ServiceRig& rig, LogoutSeen& seen, const fs::path& tenant_dir) {
  rig.sim().set_logout_observer([&seen, tenant_dir](const std::string& jid, const std::string& reason) {
    std::error_code ec;
    const bool present = fs::is_regular_file(tenant_dir / "store.db", ec);
    std::lock_guard<std::mutex> lk(seen.mu);
    seen.jids.push_back(jid);
    seen.reasons.push_back(reason);
    seen.files_present.push_back(present);
  });
}

// The tenant's stored device, read after the service stopped.
std::optional<wa::store::Device> stored_device(const fs::path& tenant_dir, uint32_t* uploaded = nullptr) {
  auto store = wa::store::Store::open(tenant_dir.string());
  if (uploaded) *uploaded = store->uploaded_prekey_count();
  return store->load_device();
}

}  // namespace

TEST_CASE("e2e: DELETE /session unlinks the device, then deletes the files; pairing starts anew",
          "[e2e][logout]") {
  ServiceRig rig;
  auto& sim = rig.sim();
  const fs::path tenant_dir = fs::path(rig.sessions_dir()) / "acme";
  LogoutSeen seen;
  observe(rig, seen, tenant_dir);

  const std::string first_qr = pair(rig, "acme");
  REQUIRE(sim.paired_devices().size() == 1);
  const std::string jid = sim.paired_devices().at(0).jid;
  REQUIRE(fs::is_directory(tenant_dir));
  const int logins = sim.logins();
  const int registrations = sim.registrations();

  HttpResult deleted = delete_session(rig, "acme");
  REQUIRE(deleted.status == 200);
  CHECK(deleted.body["success"] == true);
  CHECK(deleted.body["data"]["tenantId"] == "acme");
  CHECK(deleted.body["data"]["status"] == "logged_out");

  // §11: exactly one <remove-companion-device jid=OWN reason="user_initiated"/>, sent while the
  // credentials were still on disk.
  {
    std::lock_guard<std::mutex> lk(seen.mu);
    REQUIRE(seen.jids.size() == 1);
    CHECK(seen.jids[0] == jid);
    CHECK(seen.reasons[0] == "user_initiated");
    CHECK(seen.files_present[0]);
  }
  CHECK(contains(sim.received_iqs(), "md set remove-companion-device"));
  CHECK(contains(sim.history(), "logged-out:" + jid));
  CHECK(sim.paired_devices().empty());

  // The files are gone by the time the 200 arrives, and the session with them.
  CHECK_FALSE(fs::exists(tenant_dir));
  HttpResult status = rig.api().get("/status", "acme");
  CHECK(status.status == 404);
  CHECK(error_code(status) == "session_not_found");

  // Repeating it is safe: 404, nothing else happens.
  HttpResult again = delete_session(rig, "acme");
  CHECK(again.status == 404);
  CHECK(error_code(again) == "session_not_found");

  // No reconnect after the logout.
  CHECK(wait_until([&] { return sim.connections() == 0; }));
  std::this_thread::sleep_for(std::chrono::seconds(2));
  CHECK(sim.logins() == logins);
  CHECK(sim.registrations() == registrations);
  CHECK(sim.connections() == 0);

  // A new POST /session pairs from fresh keys (§11: noise, identity, adv secret all new).
  const std::string second_qr = pair(rig, "acme");
  CHECK(second_qr != first_qr);
  auto a = sim::parse_qr(first_qr), b = sim::parse_qr(second_qr);
  REQUIRE(a);
  REQUIRE(b);
  CHECK(a->noise_pub != b->noise_pub);
  CHECK(a->identity_pub != b->identity_pub);
  CHECK(a->adv_secret != b->adv_secret);
  CHECK(sim.registrations() == registrations + 1);
  REQUIRE(sim.paired_devices().size() == 1);
  CHECK(sim.paired_devices().at(0).jid != jid);  // the server assigned a new device id
  CHECK(sim.anomalies().empty());
}

TEST_CASE("e2e: DELETE /session of an unknown tenant is 404 and creates nothing",
          "[e2e][logout]") {
  ServiceRig rig;
  HttpResult r = delete_session(rig, "ghost");
  CHECK(r.status == 404);
  CHECK(error_code(r) == "session_not_found");
  CHECK_FALSE(fs::exists(fs::path(rig.sessions_dir()) / "ghost"));
  CHECK(rig.sim().registrations() == 0);
}

TEST_CASE("e2e: DELETE /session of an unpaired session (QR showing) deletes it",
          "[e2e][logout]") {
  ServiceRig rig;
  auto& sim = rig.sim();
  const fs::path tenant_dir = fs::path(rig.sessions_dir()) / "acme";
  HttpResult created = rig.api().post("/session", "acme");
  REQUIRE(created.status == 201);
  REQUIRE(created.body["data"]["status"] == "qr_ready");
  REQUIRE(fs::is_directory(tenant_dir));
  REQUIRE(sim.connections() == 1);

  HttpResult deleted = delete_session(rig, "acme");
  REQUIRE(deleted.status == 200);
  CHECK(deleted.body["data"]["status"] == "logged_out");
  CHECK_FALSE(fs::exists(tenant_dir));
  // Nothing to unlink: no logout iq (the connection was not logged in).
  CHECK_FALSE(contains(sim.received_iqs(), "md set remove-companion-device"));
  CHECK(rig.api().get("/status", "acme").status == 404);
  // The QR connection is closed and not re-opened.
  CHECK(wait_until([&] { return sim.connections() == 0; }));
  std::this_thread::sleep_for(std::chrono::seconds(2));
  CHECK(sim.registrations() == 1);
  CHECK(delete_session(rig, "acme").status == 404);
  CHECK(sim.anomalies().empty());
}

TEST_CASE("e2e: a logout WhatsApp refuses is 502 and deletes nothing", "[e2e][logout]") {
  ServiceRig rig;
  auto& sim = rig.sim();
  const fs::path tenant_dir = fs::path(rig.sessions_dir()) / "acme";
  pair(rig, "acme");
  const int logins = sim.logins();

  sim.set_logout_error(500);
  HttpResult refused = delete_session(rig, "acme");
  CHECK(refused.status == 502);
  CHECK(error_code(refused) == "logout_failed");
  CHECK(fs::is_regular_file(tenant_dir / "store.db"));
  CHECK(sim.paired_devices().size() == 1);
  CHECK(contains(sim.history(), "logout-refused:500"));
  // The session carries on as it was.
  json status = rig.api().get("/status", "acme").body["data"];
  CHECK(status["status"] == "connected");
  CHECK(sim.logins() == logins);

  // Once WhatsApp accepts it, the same request succeeds.
  sim.set_logout_error(0);
  HttpResult deleted = delete_session(rig, "acme");
  CHECK(deleted.status == 200);
  CHECK_FALSE(fs::exists(tenant_dir));
  CHECK(sim.paired_devices().empty());
  CHECK(sim.anomalies().empty());
}

TEST_CASE("e2e: unlinking from the phone logs the session out, wipes it, and never reconnects",
          "[e2e][logout]") {
  ServiceRig rig;
  auto& sim = rig.sim();
  const fs::path tenant_dir = fs::path(rig.sessions_dir()) / "acme";
  pair(rig, "acme");
  const std::string jid = sim.paired_devices().at(0).jid;
  REQUIRE(sim.paired_devices().at(0).prekeys_uploaded > 0);
  const int logins = sim.logins();
  const int registrations = sim.registrations();

  // Through the control API, as a person trying the service would.
  httplib::Client control(sim.control_url());
  auto unknown = control.Post("/unlink", R"({"jid":"15551234567:99@s.whatsapp.net"})", "application/json");
  REQUIRE(unknown);
  CHECK(unknown->status == 404);
  auto unlinked = control.Post("/unlink", json{{"jid", jid}}.dump(), "application/json");
  REQUIRE(unlinked);
  CHECK(unlinked->status == 200);
  CHECK(contains(sim.history(), "stream-error:401 device_removed"));

  // §8/§11: stream:error 401 device_removed -> logged_out, credentials wiped, no reconnect.
  json status = rig.api().wait_status("acme", {"logged_out"});
  REQUIRE(status["status"] == "logged_out");
  CHECK(status["connected"] == false);
  CHECK(status["phoneNumber"].is_null());
  CHECK(status["jid"].is_null());
  REQUIRE(status["lastError"].is_object());
  CHECK(status["lastError"]["code"] == "logged_out");
  CHECK(wait_until([&] { return sim.connections() == 0; }));
  std::this_thread::sleep_for(std::chrono::seconds(3));
  CHECK(sim.logins() == logins);
  CHECK(sim.registrations() == registrations);
  CHECK(sim.connections() == 0);
  CHECK(rig.api().get("/status", "acme").body["data"]["status"] == "logged_out");

  // On disk: an unpaired device with fresh keys, none of the uploaded prekeys.
  CHECK(rig.stop_service() == 0);
  uint32_t uploaded = 99;
  auto device = stored_device(tenant_dir, &uploaded);
  REQUIRE(device);
  CHECK_FALSE(device->paired());
  CHECK(device->jid.empty());
  CHECK(device->account.empty());
  CHECK(uploaded == 0);

  // After a restart there is nothing to restore; the leftover directory can still be deleted.
  rig.start_service();
  CHECK(rig.api().get("/status", "acme").status == 404);
  CHECK(sim.logins() == logins);
  HttpResult deleted = delete_session(rig, "acme");
  CHECK(deleted.status == 200);
  CHECK_FALSE(fs::exists(tenant_dir));
  CHECK(delete_session(rig, "acme").status == 404);
  CHECK(sim.anomalies().empty());
}

TEST_CASE("e2e: a device unlinked while the service was down ends logged_out at login",
          "[e2e][logout]") {
  ServiceRig rig;
  auto& sim = rig.sim();
  const fs::path tenant_dir = fs::path(rig.sessions_dir()) / "acme";
  pair(rig, "acme");
  const std::string jid = sim.paired_devices().at(0).jid;
  CHECK(rig.stop_service() == 0);
  REQUIRE(wait_until([&] { return sim.connections() == 0; }));
  REQUIRE(sim.unlink_device(jid));
  const int logins = sim.logins();
  const int registrations = sim.registrations();

  // The restored session logs in and gets <failure reason="401"/> (§8 failure table).
  rig.start_service();
  json status = rig.api().wait_status("acme", {"logged_out"});
  REQUIRE(status["status"] == "logged_out");
  CHECK(status["phoneNumber"].is_null());
  CHECK(contains(sim.history(), "failure:401"));
  CHECK(wait_until([&] { return sim.connections() == 0; }));
  const auto history = sim.history();
  const long refusals = std::count(history.begin(), history.end(), "failure:401");
  std::this_thread::sleep_for(std::chrono::seconds(3));
  CHECK(sim.logins() == logins);
  CHECK(sim.registrations() == registrations);
  const auto later = sim.history();
  CHECK(std::count(later.begin(), later.end(), "failure:401") == refusals);  // no retry

  CHECK(rig.stop_service() == 0);
  auto device = stored_device(tenant_dir);
  REQUIRE(device);
  CHECK_FALSE(device->paired());
  CHECK(sim.anomalies().empty());
}
