// GET /metrics and GET /openapi.json through the real router (a fake SessionService), and the
// exposition of render_metrics(): scrape-time gauges and the send counters.
#include <catch2/catch.hpp>

#include <memory>
#include <stdexcept>
#include <string>

#include <httplib.h>
#include <nlohmann/json.hpp>

#include "http/metrics_route.hpp"
#include "http/openapi.hpp"
#include "http/router.hpp"
#include "metrics/service_metrics.hpp"
#include "prometheus_sample.hpp"
#include "fake_events.hpp"

using testing_support::prometheus_sample;

using nlohmann::json;

namespace {

constexpr const char* kSecret = "metrics-route-secret-0123456789";

class Sessions : public sidecar::SessionService {
 public:
  CreateResult create_session(const std::string&) override { return {}; }
  std::optional<sidecar::SessionView> status(const std::string&) override { return std::nullopt; }
  sidecar::HealthView health() override {
    sidecar::HealthView h;
    h.total = 4;
    h.connected = 3;
    h.uptime_seconds = 125;
    h.version = "9.8.7";
    h.by_status = {{"connected", 3}, {"qr_ready", 1}};
    return h;
  }
  void send_text(const std::string& tenant, const std::string&, const std::string&,
                 SendDone done) override {
    if (tenant == "boom") throw std::runtime_error("sqlite: disk I/O error");
    done(next);
  }
  sidecar::DeleteOutcome delete_session(const std::string&) override { return {}; }
  sidecar::SendOutcome next;
};

struct Server {
  Server() {
    config.internal_secret = kSecret;
    config.host = "127.0.0.1";
    config.port = 0;
    config.http_threads = 2;
    config.wa_version = "2.3000.1";
    router = std::make_unique<sidecar::Router>(config, sessions, events);
    port = router->start();
  }
  ~Server() { router->stop(); }
  httplib::Result get(const std::string& path, bool secret = true) {
    httplib::Client c("127.0.0.1", port);
    httplib::Headers h;
    if (secret) h.emplace("X-Internal-Secret", kSecret);
    return c.Get(path.c_str(), h);
  }
  httplib::Result send(const json& body, const std::string& tenant = "acme") {
    httplib::Client c("127.0.0.1", port);
    return c.Post("/send", {{"X-Internal-Secret", kSecret}, {"X-Tenant-Id", tenant}},
                  body.dump(), "application/json");
  }
  Sessions sessions;
  FakeEvents events;
  sidecar::Config config;
  std::unique_ptr<sidecar::Router> router;
  int port = 0;
};


}  // namespace

TEST_CASE("metrics route: scrape-time gauges in the exposition format", "[http][metrics]") {
  Sessions s;
  const std::string text = sidecar::http::render_metrics(s.health(), "2.3000.1");
  const std::string head =
      "# HELP wa_sidecar_sessions Sessions held, by status (GET /status).\n"
      "# TYPE wa_sidecar_sessions gauge\n"
      "wa_sidecar_sessions{status=\"connected\"} 3\n"
      "wa_sidecar_sessions{status=\"error\"} 0\n"
      "wa_sidecar_sessions{status=\"initializing\"} 0\n"
      "wa_sidecar_sessions{status=\"logged_out\"} 0\n"
      "wa_sidecar_sessions{status=\"pairing\"} 0\n"
      "wa_sidecar_sessions{status=\"qr_ready\"} 1\n"
      "wa_sidecar_sessions{status=\"qr_timeout\"} 0\n"
      "wa_sidecar_sessions{status=\"reconnecting\"} 0\n"
      "# HELP wa_sidecar_uptime_seconds Seconds since the service started.\n"
      "# TYPE wa_sidecar_uptime_seconds gauge\n"
      "wa_sidecar_uptime_seconds 125\n"
      "# HELP wa_sidecar_build_info Always 1; the labels carry the service version and the "
      "WhatsApp Web version it announces.\n"
      "# TYPE wa_sidecar_build_info gauge\n"
      "wa_sidecar_build_info{version=\"9.8.7\",wa_version=\"2.3000.1\"} 1\n";
  CHECK(text.substr(0, head.size()) == head);
  CHECK(text.find("# TYPE wa_sidecar_messages_failed_total counter\n") != std::string::npos);
  CHECK(text.find("# TYPE wa_sidecar_send_latency_seconds histogram\n") != std::string::npos);
  CHECK(text.back() == '\n');
}

TEST_CASE("metrics route: GET /metrics needs the secret but no tenant", "[http][metrics]") {
  Server srv;
  auto denied = srv.get("/metrics", false);
  REQUIRE(denied);
  CHECK(denied->status == 401);
  CHECK(json::parse(denied->body)["error"]["code"] == "unauthorized");

  auto r = srv.get("/metrics");
  REQUIRE(r);
  CHECK(r->status == 200);
  CHECK(r->get_header_value("Content-Type") == "text/plain; version=0.0.4; charset=utf-8");
  CHECK(prometheus_sample(r->body, "wa_sidecar_sessions{status=\"connected\"}") == 3);
  CHECK(prometheus_sample(r->body, "wa_sidecar_build_info{version=\"9.8.7\",wa_version=\"2.3000.1\"}") == 1);

  httplib::Client c("127.0.0.1", srv.port);
  auto post = c.Post("/metrics", {{"X-Internal-Secret", kSecret}}, "{}", "application/json");
  REQUIRE(post);
  CHECK(post->status == 405);
  CHECK(post->get_header_value("Allow") == "GET, HEAD");
}

TEST_CASE("metrics route: POST /send outcomes are counted by error code", "[http][metrics]") {
  Server srv;
  auto scrape = [&] { return srv.get("/metrics")->body; };
  const std::string sent = "wa_sidecar_messages_sent_total";
  const std::string not_connected = "wa_sidecar_messages_failed_total{reason=\"not_connected\"}";
  const std::string invalid = "wa_sidecar_messages_failed_total{reason=\"invalid_message\"}";
  const std::string latency_count = "wa_sidecar_send_latency_seconds_count";
  const std::string internal = "wa_sidecar_messages_failed_total{reason=\"internal_error\"}";
  const std::string before = scrape();

  srv.sessions.next.kind = sidecar::SendOutcome::Kind::sent;
  srv.sessions.next.message_id = "3EB0AAAAAAAAAAAAAAAAAA";
  REQUIRE(srv.send({{"to", "15551234567"}, {"message", "hi"}})->status == 200);
  srv.sessions.next.kind = sidecar::SendOutcome::Kind::not_connected;
  srv.sessions.next.status = "reconnecting";
  REQUIRE(srv.send({{"to", "15551234567"}, {"message", "hi"}})->status == 409);
  REQUIRE(srv.send({{"to", "15551234567"}, {"message", ""}})->status == 400);
  REQUIRE(srv.send({{"to", "15551234567"}, {"message", "hi"}}, "boom")->status == 500);

  const std::string after = scrape();
  CHECK(prometheus_sample(after, sent) == prometheus_sample(before, sent) + 1);
  CHECK(prometheus_sample(after, not_connected) == prometheus_sample(before, not_connected) + 1);
  CHECK(prometheus_sample(after, invalid) == prometheus_sample(before, invalid) + 1);
  CHECK(prometheus_sample(after, latency_count) == prometheus_sample(before, latency_count) + 1);
  CHECK(prometheus_sample(after, internal) == prometheus_sample(before, internal) + 1);
  // No tenant id, number or text ever becomes a label.
  CHECK(after.find("acme") == std::string::npos);
  CHECK(after.find("15551234567") == std::string::npos);
}

TEST_CASE("openapi route: GET /openapi.json serves the built-in document", "[http][openapi]") {
  Server srv;
  CHECK(srv.get("/openapi.json", false)->status == 401);
  auto r = srv.get("/openapi.json");
  REQUIRE(r);
  CHECK(r->status == 200);
  CHECK(r->get_header_value("Content-Type") == "application/json; charset=utf-8");
  CHECK(r->body == std::string(sidecar::http::openapi_document()));
  CHECK(json::parse(r->body)["paths"].contains("/metrics"));
}
