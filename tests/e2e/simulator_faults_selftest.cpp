// Self-test of the simulator's issue-4 fault injection through its control HTTP API (POST
// /faults, POST /stream-error, GET /ledger), with the real wa-sidecar as the companion.
#include <catch2/catch.hpp>

#include <algorithm>
#include <httplib.h>
#include "service_rig.hpp"

using namespace e2e;

namespace {

json post(httplib::Client& c, const std::string& path, const std::string& body, int* status) {
  auto r = c.Post(path.c_str(), body, "application/json");
  REQUIRE(r);
  *status = r->status;
  return json::parse(r->body, nullptr, false);
}

}  // namespace

TEST_CASE("simulator control API: fault switches, stream errors and the ledger", "[sim][faults]") {
  ServiceRig rig;
  auto& sim = rig.sim();
  rig.pair_tenant("acme");
  REQUIRE(wait_until([&] {
    auto h = sim.history();
    return std::find(h.begin(), h.end(), "active") != h.end();
  }));
  httplib::Client c(sim.control_url());
  c.set_read_timeout(30);
  int status = 0;

  // Fault switches, echoed in the answer and in GET /state.
  json r = post(c, "/faults",
                R"({"answerPings":false,"withholdPrekeyUploads":true,"failLogins":{"count":2,"reason":503},"stallLogins":1,)"
                R"("withholdUsync":true})",
                &status);
  CHECK(status == 200);
  CHECK(r["data"]["answerPings"] == false);
  CHECK(r["data"]["withholdPrekeyUploads"] == true);
  CHECK(r["data"]["withholdUsync"] == true);
  CHECK(r["data"]["pendingLoginFailures"] == 2);
  CHECK(r["data"]["pendingLoginStalls"] == 1);
  CHECK(!sim.answer_pings());
  CHECK(sim.withhold_prekey_uploads());
  CHECK(sim.withhold_usync());
  CHECK(sim.pending_login_failures() == 2);
  auto state = c.Get("/state");
  REQUIRE(state);
  CHECK(json::parse(state->body)["data"]["faults"]["pendingLoginFailures"] == 2);
  r = post(c, "/faults",
           R"({"answerPings":true,"withholdPrekeyUploads":false,"failLogins":null,"stallLogins":0,)"
           R"("withholdUsync":false})",
           &status);
  CHECK(status == 200);
  CHECK(sim.answer_pings());
  CHECK(!sim.withhold_prekey_uploads());
  CHECK(!sim.withhold_usync());
  CHECK(sim.pending_login_failures() == 0);
  CHECK(sim.pending_login_stalls() == 0);
  for (const char* bad : {R"({"answerPings":"no"})", R"({"failLogins":{"count":-1,"reason":503}})",
                          R"({"failLogins":{"count":1}})", R"({"failLogins":3})",
                          R"({"stallLogins":"x"})", R"({"withholdPrekeyUploads":1})",
                          R"({"withholdUsync":"yes"})"}) {
    INFO(bad);
    post(c, "/faults", bad, &status);
    CHECK(status == 400);
  }

  // A stream error to one companion by JID: 515 makes it log in again.
  const std::string jid = sim.paired_devices().at(0).jid;
  const int logins = sim.logins();
  r = post(c, "/stream-error", json{{"code", "515"}, {"jid", jid}}.dump(), &status);
  CHECK(status == 200);
  CHECK(r["data"]["sent"] == 1);
  CHECK(wait_until([&] { return sim.logins() == logins + 1; }));
  CHECK(rig.api().wait_status("acme", {"connected"})["status"] == "connected");
  r = post(c, "/stream-error", json{{"code", "503"}, {"jid", "15550000000:9@s.whatsapp.net"}}.dump(),
           &status);
  CHECK(status == 200);
  CHECK(r["data"]["sent"] == 0);
  for (const char* bad : {"{}", R"({"code":515})", R"({"conflict":["replaced"]})", "nope"}) {
    INFO(bad);
    post(c, "/stream-error", bad, &status);
    CHECK(status == 400);
  }

  // The ledger: a sent message arrived once and was acked once; logins and uploads are listed.
  HttpResult sent = rig.api().post(
      "/send", "acme", json{{"to", sim.contacts().front().phone}, {"message", "ledger"}}.dump());
  REQUIRE(sent.status == 200);
  const std::string id = sent.body["data"]["messageId"];
  auto ledger = c.Get("/ledger");
  REQUIRE(ledger);
  CHECK(ledger->status == 200);
  json data = json::parse(ledger->body)["data"];
  bool found = false;
  for (const json& m : data["messages"]) {
    if (m["id"] != id) continue;
    found = true;
    CHECK(m["arrivals"] == 1);
    CHECK(m["acks"] == 1);
    CHECK(m["ackError"] == 0);
    CHECK(m["sender"] == jid);
  }
  CHECK(found);
  CHECK(data["logins"].size() == static_cast<size_t>(sim.logins()));
  REQUIRE(!data["prekeyUploads"].empty());
  CHECK(data["prekeyUploads"][0]["jid"] == jid);
  CHECK(data["prekeyUploads"][0]["answered"] == true);
  CHECK(data["prekeyUploads"][0]["firstId"] == 1);

  // The replaced conflict without a code, through the API: the service stops (§8).
  r = post(c, "/stream-error", R"({"conflict":"replaced"})", &status);
  CHECK(status == 200);
  CHECK(r["data"]["sent"] == 1);
  json s = rig.api().wait_status("acme", {"error"});
  CHECK(s["lastError"]["code"] == "replaced");
  CHECK(sim.anomalies().empty());
}
