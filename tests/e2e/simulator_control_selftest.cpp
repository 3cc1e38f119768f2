// Self-tests of the simulator's control HTTP API and of the wa-simulator executable.
#include <catch2/catch.hpp>

#include <httplib.h>
#include "e2e_support.hpp"
#include "fake_companion.hpp"
#include "mini_client.hpp"
#include "simulator.hpp"
#include "util/bytes.hpp"

using namespace e2e;

namespace {

util::curve::Key32 root_of(const sim::Simulator& s) {
  return util::curve::to_key32(*util::hex_decode(s.root_public_key_hex()));
}

httplib::Client control_client(const std::string& url) {
  httplib::Client c(url);
  c.set_read_timeout(30);
  return c;
}

}  // namespace

TEST_CASE("simulator control API: state and scan errors and a scan that pairs", "[sim]") {
  sim::Simulator s;
  s.start();
  httplib::Client c = control_client(s.control_url());

  auto state = c.Get("/state");
  REQUIRE(state);
  CHECK(state->status == 200);
  json body = json::parse(state->body);
  CHECK(body["success"] == true);
  CHECK(body["data"]["registrations"] == 0);
  CHECK(body["data"]["pairedDevices"].empty());
  CHECK(body["data"]["phoneNumber"] == s.phone_number());

  auto bad_body = c.Post("/scan", "{not json", "application/json");
  REQUIRE(bad_body);
  CHECK(bad_body->status == 400);
  CHECK(json::parse(bad_body->body)["success"] == false);

  auto bad_qr = c.Post("/scan", R"({"qr":"hello"})", "application/json");
  REQUIRE(bad_qr);
  CHECK(bad_qr->status == 400);
  CHECK(json::parse(bad_qr->body)["error"]["code"] == "invalid_qr");

  CompanionKeys k;
  auto unknown = c.Post("/scan", json{{"qr", qr_string("2@nobody", k)}}.dump(), "application/json");
  REQUIRE(unknown);
  CHECK(unknown->status == 404);

  // A companion that answers pair-success from a background thread while /scan waits.
  MiniClient client(s.ws_url());
  REQUIRE(client.wait_open() == 101);
  client.handshake(k.noise, root_of(s), registration_payload(k));
  auto pd = client.next_node();
  REQUIRE(pd);
  std::string ref = util::to_string(pd->child("pair-device")->children_by_tag("ref").at(0)->bytes());
  client.send_node(wa::Node("iq", {{"to", wa::Jid::server_jid()}, {"type", "result"}, {"id", pd->attr("id")}}));
  std::thread companion([&] {
    auto iq = client.next_node(10s);
    if (iq) client.send_node(answer_pair_success(*iq, k).reply);
  });
  auto scan = c.Post("/scan", json{{"qr", qr_string(ref, k)}}.dump(), "application/json");
  companion.join();
  REQUIRE(scan);
  CHECK(scan->status == 200);
  json out = json::parse(scan->body);
  CHECK(out["data"]["paired"] == true);
  CHECK(out["data"]["jid"] == s.phone_number() + ":2@s.whatsapp.net");

  state = c.Get("/state");
  REQUIRE(state);
  body = json::parse(state->body);
  REQUIRE(body["data"]["pairedDevices"].size() == 1);
  CHECK(body["data"]["pairedDevices"][0]["device"] == 2);
  CHECK(body["data"]["pairedDevices"][0].count("noisePub") == 0);
  CHECK(body["data"]["registrations"] == 1);
}

TEST_CASE("wa-simulator executable prints its URLs and serves until SIGTERM", "[sim]") {
  TempDir dir;
  const uint16_t ws_port = free_port(), control_port = free_port();
  ChildProcess p(WA_SIMULATOR_BIN,
                 {"--port", std::to_string(ws_port), "--control-port", std::to_string(control_port),
                  "--phone", "4915112345678"},
                 {}, dir.path() + "/sim");
  json line;
  REQUIRE(wait_until([&] {
    std::string out = p.stdout_text();
    auto nl = out.find('\n');
    if (nl == std::string::npos) return false;
    line = json::parse(out.substr(0, nl), nullptr, false);
    return !line.is_discarded();
  }));
  CHECK(line["wsUrl"] == "ws://127.0.0.1:" + std::to_string(ws_port) + "/ws/chat");
  CHECK(line["controlUrl"] == "http://127.0.0.1:" + std::to_string(control_port));
  REQUIRE(line["noiseRootKey"].is_string());
  CHECK(util::hex_decode(line["noiseRootKey"].get<std::string>())->size() == 32);
  CHECK(p.stderr_text().find("WA_NOISE_ROOT_KEY=" + line["noiseRootKey"].get<std::string>()) !=
        std::string::npos);

  httplib::Client c = control_client(line["controlUrl"].get<std::string>());
  auto state = c.Get("/state");
  REQUIRE(state);
  CHECK(json::parse(state->body)["data"]["phoneNumber"] == "4915112345678");
  CHECK(p.terminate() == 0);
}

TEST_CASE("wa-simulator scan reports a service it cannot reach", "[sim]") {
  TempDir dir;
  ChildProcess p(WA_SIMULATOR_BIN,
                 {"scan", "--tenant", "acme", "--sidecar",
                  "http://127.0.0.1:" + std::to_string(free_port()), "--secret", "0123456789abcdef"},
                 {}, dir.path() + "/scan");
  auto status = p.wait_exit(20s);
  REQUIRE(status);
  CHECK(*status == 1);
  CHECK(p.stderr_text().find("cannot reach the service") != std::string::npos);
  CHECK(p.stderr_text().find("0123456789abcdef") == std::string::npos);
}

TEST_CASE("wa-simulator --contacts defines the contacts; a malformed list is refused", "[sim]") {
  TempDir dir;
  const uint16_t ws_port = free_port(), control_port = free_port();
  ChildProcess p(WA_SIMULATOR_BIN,
                 {"--port", std::to_string(ws_port), "--control-port", std::to_string(control_port),
                  "--lid", "55544433322211", "--contacts", "15550000001/111222/0,3;15550000002/333444/0"},
                 {}, dir.path() + "/sim");
  REQUIRE(wait_until([&] { return p.stdout_text().find('\n') != std::string::npos; }));
  httplib::Client c = control_client("http://127.0.0.1:" + std::to_string(control_port));
  auto state = c.Get("/state");
  REQUIRE(state);
  json data = json::parse(state->body)["data"];
  CHECK(data["lidUser"] == "55544433322211");
  REQUIRE(data["contacts"].size() == 2);
  CHECK(data["contacts"][0]["phone"] == "15550000001");
  CHECK(data["contacts"][0]["lid"] == "111222");
  CHECK(data["contacts"][0]["devices"] == json::array({0, 3}));
  CHECK(data["contacts"][1]["devices"] == json::array({0}));
  CHECK(data["faults"]["messageError"] == 0);
  CHECK(data["faults"]["withholdAck"] == false);
  CHECK(p.terminate() == 0);

  ChildProcess bad(WA_SIMULATOR_BIN, {"--contacts", "15550000001/abc/0"}, {}, dir.path() + "/bad");
  auto status = bad.wait_exit(10s);
  REQUIRE(status);
  CHECK(*status == 2);
}
