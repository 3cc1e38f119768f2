// The README's "Calling it from a gateway" example, request for request: the same three calls
// (create the session, read its status, send), with the same method, path, headers and body
// shape as the Worker snippet there, against the real binary and the simulator.
// KEEP IN STEP with README.md, section "Calling it from a gateway": change both together.
#include <catch2/catch.hpp>

#include <httplib.h>

#include <regex>
#include "service_rig.hpp"
#include "prometheus_sample.hpp"

using testing_support::prometheus_sample;

using namespace e2e;

namespace {

// The README's `call(method, path, body)`: the secret and the tenant on every request; a JSON
// body (with its Content-Type) only when there is one. Returns {status, ...envelope}.
struct Gateway {
  Gateway(uint16_t port, std::string secret, std::string tenant)
      : http("127.0.0.1", port), secret(std::move(secret)), tenant(std::move(tenant)) {
    http.set_read_timeout(30);  // POST /session waits for the first QR
  }

  std::pair<int, json> call(const std::string& method, const std::string& path,
                            const std::optional<json>& body = std::nullopt) {
    httplib::Headers headers{{"X-Internal-Secret", secret}, {"X-Tenant-Id", tenant}};
    REQUIRE((method == "POST" || (method == "GET" && !body)));
    httplib::Result r = method == "POST"
                            ? http.Post(path.c_str(), headers, body ? body->dump() : "", "application/json")
                            : http.Get(path.c_str(), headers);
    REQUIRE(r);
    INFO(method << " " << path << " -> " << r->status << " " << r->body);
    CHECK(r->get_header_value("Content-Type") == "application/json; charset=utf-8");
    json envelope = json::parse(r->body);
    REQUIRE(envelope.is_object());
    return {r->status, envelope};
  }

  httplib::Client http;
  std::string secret, tenant;
};

}  // namespace

TEST_CASE("e2e gateway example: create session, read status, send", "[e2e][gateway]") {
  ServiceRig rig;
  Gateway gw(rig.service().port(), rig.config().secret, "acme");

  // 1. create the session: 201 {data: {tenantId, status: "qr_ready", qr, qrImage, qrExpiresAt}}
  auto [created_status, created] = gw.call("POST", "/session", json::object());
  CHECK(created_status == 201);
  CHECK(created["success"] == true);
  const json& session = created["data"];
  CHECK(session["tenantId"] == "acme");
  CHECK(session["status"] == "qr_ready");
  REQUIRE(session["qr"].is_string());
  CHECK(session["qrImage"].get<std::string>().rfind("data:image/png;base64,", 0) == 0);
  CHECK(session["qrExpiresAt"].is_string());

  // The user scans data.qrImage with the phone; here the simulated phone scans data.qr.
  REQUIRE(rig.sim().scan(session["qr"].get<std::string>()) == std::nullopt);

  // 2. poll the status until data.status === "connected"
  json status;
  REQUIRE(wait_until([&] {
    auto [code, body] = gw.call("GET", "/status");
    status = body;
    return code == 200 && body["data"]["status"] == "connected";
  }));
  CHECK(status["success"] == true);
  CHECK(status["data"]["connected"] == true);
  CHECK(status["data"]["phoneNumber"] == rig.sim().phone_number());

  // 3. send: 200 {data: {messageId, to, timestamp}} only after WhatsApp's ack
  const sim::SimContact& contact = rig.sim().contacts().front();
  const std::string text = "Hello from the gateway example";
  auto [sent_status, sent] = gw.call("POST", "/send", json{{"to", "+" + contact.phone}, {"message", text}});
  REQUIRE(sent_status == 200);
  CHECK(sent["success"] == true);
  const std::string id = sent["data"]["messageId"];
  CHECK(std::regex_match(id, std::regex("^3EB0[0-9A-F]{18}$")));
  CHECK(sent["data"]["to"] == contact.phone + "@s.whatsapp.net");
  CHECK(sent["data"]["timestamp"].is_string());

  // The contact's devices decrypted exactly the text.
  REQUIRE(wait_until([&] {
    for (const auto& m : rig.sim().received_messages())
      if (m.id == id && m.text == text) return true;
    return false;
  }));

  // The README's error branch: an error answer is the envelope with error.code.
  auto [bad_status, bad] = gw.call("POST", "/send", json{{"to", "12345"}, {"message", text}});
  CHECK(bad_status == 400);
  CHECK(bad["success"] == false);
  CHECK(bad["error"]["code"] == "invalid_recipient");
}


TEST_CASE("e2e gateway: the operator's view of the same flow in GET /metrics",
          "[e2e][gateway][metrics]") {
  ServiceRig rig(sim::SimOptions{}, {{"SEND_ACK_TIMEOUT_MS", "1500"}});
  auto& sim = rig.sim();
  rig.pair_tenant("acme");
  httplib::Client http("127.0.0.1", rig.service().port());
  auto scrape = [&] {
    auto r = http.Get("/metrics", {{"X-Internal-Secret", rig.config().secret}});
    REQUIRE(r);
    REQUIRE(r->status == 200);
    CHECK(r->get_header_value("Content-Type") == "text/plain; version=0.0.4; charset=utf-8");
    return r->body;
  };

  const std::string phone = sim.contacts().front().phone;
  REQUIRE(rig.api().post("/send", "acme", json{{"to", phone}, {"message", "one"}}.dump()).status == 200);
  sim.set_withhold_ack(true);
  REQUIRE(rig.api().post("/send", "acme", json{{"to", phone}, {"message", "two"}}.dump()).status == 504);
  sim.set_withhold_ack(false);
  // The server drops the connection: the service reconnects on its own.
  sim.disconnect_all();
  REQUIRE(wait_until([&] {
    return prometheus_sample(scrape(), "wa_sidecar_reconnects_total{cause=\"dropped\"}") == 1;
  }));
  REQUIRE(rig.api().wait_status("acme", {"connected"})["status"] == "connected");

  const std::string m = scrape();
  INFO(m);
  CHECK(prometheus_sample(m, "wa_sidecar_sessions{status=\"connected\"}") == 1);
  CHECK(prometheus_sample(m, "wa_sidecar_sessions{status=\"qr_ready\"}") == 0);
  CHECK(prometheus_sample(m, "wa_sidecar_messages_sent_total") == 1);
  CHECK(prometheus_sample(m, "wa_sidecar_messages_failed_total{reason=\"ack_timeout\"}") == 1);
  CHECK(prometheus_sample(m, "wa_sidecar_ack_timeouts_total") == 1);
  CHECK(prometheus_sample(m, "wa_sidecar_send_latency_seconds_count") == 1);
  CHECK(prometheus_sample(m, "wa_sidecar_send_latency_seconds_bucket{le=\"+Inf\"}") == 1);
  // Pairing ends with the server's 515 stream restart (PROTOCOL.md §6).
  CHECK(prometheus_sample(m, "wa_sidecar_reconnects_total{cause=\"restart_515\"}") == 1);
  CHECK(prometheus_sample(m, "wa_sidecar_reconnects_total{cause=\"dropped\"}") == 1);
  double uploaded = 0;
  for (const auto& u : sim.prekey_uploads())
    if (u.answered) uploaded += u.count;
  CHECK(uploaded > 0);
  CHECK(prometheus_sample(m, "wa_sidecar_prekeys_uploaded_total") == uploaded);
  CHECK(prometheus_sample(m, "wa_sidecar_uptime_seconds") >= 0);
  CHECK(m.find("wa_sidecar_build_info{version=\"") != std::string::npos);
  CHECK(m.find("acme") == std::string::npos);  // tenants are never labels
}
