// End to end: the real wa-sidecar binary over HTTP against the simulator — create a session,
// scan its QR, reach connected, restart and reconnect without a QR (issue 2).
#include <catch2/catch.hpp>

#include <sys/stat.h>
#include <algorithm>
#include <filesystem>
#include <regex>
#include "qr_code.hpp"
#include "service_rig.hpp"
#include "util/bytes.hpp"

using namespace e2e;

namespace {

long index_of(const std::vector<std::string>& v, const std::string& x) {
  auto it = std::find(v.begin(), v.end(), x);
  return it == v.end() ? -1 : static_cast<long>(it - v.begin());
}

unsigned mode_of(const std::filesystem::path& p) {
  struct stat st{};
  REQUIRE(::stat(p.c_str(), &st) == 0);
  return st.st_mode & 07777;
}

}  // namespace

TEST_CASE("e2e: create then scan reaches connected; session files are private", "[e2e]") {
  ServiceRig rig;
  auto& api = rig.api();
  auto& sim = rig.sim();

  HttpResult created = api.post("/session", "acme");
  REQUIRE(created.status == 201);
  REQUIRE(created.body["success"] == true);
  json data = created.body["data"];
  CHECK(data["tenantId"] == "acme");
  CHECK(data["status"] == "qr_ready");
  REQUIRE(data["qr"].is_string());
  const std::string qr = data["qr"];

  // §6 step 3: prefix, REF, three 32-byte padded base64 values, one platform character; the
  // first QR carries the first of the refs the server sent.
  static const std::regex shape(
      R"(^https://wa\.me/settings/linked_devices#[^,]+,[A-Za-z0-9+/]{43}=,[A-Za-z0-9+/]{43}=,[A-Za-z0-9+/]{43}=,[0-9a-z]$)");
  CHECK(std::regex_match(qr, shape));
  auto fields = sim::parse_qr(qr);
  REQUIRE(fields);
  const auto refs = sim.last_issued_refs();
  REQUIRE(refs.size() == 6);
  CHECK(fields->ref == refs.front());

  REQUIRE(data["qrImage"].is_string());
  const std::string image = data["qrImage"];
  const std::string prefix = "data:image/png;base64,";
  REQUIRE(image.rfind(prefix, 0) == 0);
  auto png = util::base64_decode(image.substr(prefix.size()));
  REQUIRE(png);
  REQUIRE(png->size() > 8);
  CHECK(std::equal(png->begin(), png->begin() + 8,
                   util::Bytes{0x89, 'P', 'N', 'G', 0x0d, 0x0a, 0x1a, 0x0a}.begin()));
  CHECK(!data["qrExpiresAt"].is_null());

  // A second POST returns the same session (200) and does not open another connection.
  HttpResult again = api.post("/session", "acme");
  CHECK(again.status == 200);
  CHECK(again.body["data"]["tenantId"] == "acme");
  CHECK(again.body["data"]["qr"] == qr);
  CHECK(sim.registrations() == 1);

  // The phone scans: the service must verify, sign, follow the 515 and log in.
  REQUIRE(sim.scan(qr) == std::nullopt);
  sim::PairingOutcome out = sim.wait_pairing_outcome(kWait);
  REQUIRE(out.paired);
  json status = api.wait_status("acme", {"connected"});
  REQUIRE(status["status"] == "connected");
  CHECK(status["connected"] == true);
  CHECK(status["phoneNumber"] == sim.phone_number());
  CHECK(status["jid"] == out.jid);
  CHECK(out.jid == sim.phone_number() + ":2@s.whatsapp.net");
  CHECK(status["qr"].is_null());
  CHECK(status["lastError"].is_null());

  CHECK(sim.registrations() == 1);
  CHECK(sim.logins() == 1);
  const auto history = sim.history();
  CHECK(index_of(history, "registration") >= 0);
  CHECK(index_of(history, "registration") < index_of(history, "paired"));
  CHECK(index_of(history, "paired") < index_of(history, "login"));

  CHECK(sim.anomalies().empty());

  // Credentials: SESSIONS_DIR/<tenant>/ is 0700, every file in it 0600.
  const std::filesystem::path tenant_dir = std::filesystem::path(rig.sessions_dir()) / "acme";
  REQUIRE(std::filesystem::is_directory(tenant_dir));
  CHECK(mode_of(tenant_dir) == 0700);
  int files = 0;
  for (const auto& entry : std::filesystem::recursive_directory_iterator(tenant_dir)) {
    INFO(entry.path().string());
    if (entry.is_directory()) CHECK(mode_of(entry.path()) == 0700);
    else if (entry.is_regular_file()) { CHECK(mode_of(entry.path()) == 0600); ++files; }
  }
  CHECK(files > 0);
}

TEST_CASE("e2e: after a restart the paired tenant reconnects without a QR", "[e2e]") {
  ServiceRig rig;
  rig.pair_tenant("acme");
  auto& sim = rig.sim();
  REQUIRE(sim.logins() == 1);
  REQUIRE(sim.registrations() == 1);

  CHECK(rig.stop_service() == 0);
  CHECK(wait_until([&] { return sim.connections() == 0; }));
  rig.start_service();

  // No POST /session: the stored session is restored at start-up.
  json status = rig.api().wait_status("acme", {"connected"});
  REQUIRE(status["status"] == "connected");
  CHECK(status["qr"].is_null());
  CHECK(status["phoneNumber"] == sim.phone_number());
  CHECK(status["jid"] == sim.paired_devices().at(0).jid);
  CHECK(sim.logins() == 2);
  CHECK(sim.registrations() == 1);
  CHECK(sim.anomalies().empty());
}

TEST_CASE("e2e: the service reconnects when the server drops the connection", "[e2e]") {
  ServiceRig rig;
  rig.pair_tenant("acme");
  auto& sim = rig.sim();
  sim.disconnect_all();
  CHECK(wait_until([&] { return sim.logins() == 2; }));
  json status = rig.api().wait_status("acme", {"connected"});
  CHECK(status["status"] == "connected");
  CHECK(sim.registrations() == 1);
}

TEST_CASE("e2e: /health counts sessions", "[e2e]") {
  ServiceRig rig;
  auto& api = rig.api();

  HttpResult h = api.get("/health", std::nullopt);
  REQUIRE(h.status == 200);
  json data = h.body["data"];
  CHECK(data["status"] == "ok");
  CHECK(data["sessions"]["total"] == 0);
  CHECK(data["sessions"]["connected"] == 0);
  CHECK(data["uptimeSeconds"].is_number());
  CHECK(data["version"].is_string());

  ServiceApi no_secret(rig.service().port(), "wrong-secret-0123456789");
  CHECK(no_secret.get("/health", std::nullopt).status == 401);

  rig.pair_tenant("tenant-a");
  REQUIRE(api.post("/session", "tenant-b").status == 201);
  h = api.get("/health", std::nullopt);
  REQUIRE(h.status == 200);
  CHECK(h.body["data"]["sessions"]["total"] == 2);
  CHECK(h.body["data"]["sessions"]["connected"] == 1);
}

TEST_CASE("e2e: after login the service counts and uploads prekeys then goes active",
          "[e2e][post-login]") {
  ServiceRig rig;
  rig.pair_tenant("acme");
  auto& sim = rig.sim();
  // §8 post-login sequence: count -> upload -> passive/active.
  CHECK(wait_until([&] { return index_of(sim.history(), "active") >= 0; }));
  const auto iqs = sim.received_iqs();
  CHECK(index_of(iqs, "encrypt get count") >= 0);
  CHECK(index_of(iqs, "encrypt set registration") > index_of(iqs, "encrypt get count"));
  CHECK(index_of(iqs, "passive set active") > index_of(iqs, "encrypt set registration"));
  CHECK(sim.paired_devices().at(0).prekeys_uploaded > 0);
  CHECK(sim.anomalies().empty());
}

TEST_CASE("e2e: QR refs rotate and running out of them ends in qr_timeout", "[e2e]") {
  sim::SimOptions o;
  o.qr_refs = 3;
  ServiceRig rig(o, {{"QR_FIRST_REF_MS", "1000"}, {"QR_NEXT_REF_MS", "1000"}});
  auto& api = rig.api();
  auto& sim = rig.sim();

  HttpResult created = api.post("/session", "acme");
  REQUIRE(created.status == 201);
  const auto refs = sim.last_issued_refs();
  REQUIRE(refs.size() == 3);
  auto first = sim::parse_qr(created.body["data"]["qr"].get<std::string>());
  REQUIRE(first);
  CHECK(first->ref == refs[0]);

  // §6 step 4: each ref in turn; every new QR bumps qrSequence.
  json rotated;
  CHECK(wait_until([&] {
    HttpResult r = api.get("/status", "acme");
    if (r.status != 200 || !r.body["data"]["qr"].is_string()) return false;
    auto f = sim::parse_qr(r.body["data"]["qr"].get<std::string>());
    rotated = r.body["data"];
    return f && f->ref == refs[1];
  }));
  REQUIRE(rotated.is_object());
  CHECK(rotated["qrSequence"].is_number());
  if (created.body["data"].contains("qrSequence") && created.body["data"]["qrSequence"].is_number())
    CHECK(rotated["qrSequence"].get<int>() > created.body["data"]["qrSequence"].get<int>());

  // After the last ref the client gives up and closes the connection.
  json timed_out = api.wait_status("acme", {"qr_timeout"});
  REQUIRE(timed_out["status"] == "qr_timeout");
  CHECK(timed_out["qr"].is_null());
  CHECK(wait_until([&] { return sim.connections() == 0; }));
  CHECK(sim.registrations() == 1);

  // A new POST /session starts over with fresh refs.
  HttpResult again = api.post("/session", "acme");
  CHECK((again.status == 200 || again.status == 201));
  CHECK(again.body["data"]["status"] == "qr_ready");
  REQUIRE(again.body["data"]["qr"].is_string());
  CHECK(sim.registrations() == 2);
  auto fresh = sim::parse_qr(again.body["data"]["qr"].get<std::string>());
  REQUIRE(fresh);
  CHECK(fresh->ref == sim.last_issued_refs().at(0));
  CHECK(fresh->ref != refs[0]);
}
