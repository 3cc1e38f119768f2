// wa::Client's reconnect policy against the in-process simulator's faults (issue 4, PROTOCOL.md
// §8 "Reconnect policy"): a login that is never answered times out, the first reconnect after a
// drop is jittered inside the first backoff window, and backoff windows grow to the cap.
#include <catch2/catch.hpp>

#include <asio/executor_work_guard.hpp>
#include <algorithm>
#include <chrono>
#include <filesystem>
#include <thread>

#include "sim_observations.hpp"
#include "eventually.hpp"
#include "simulator.hpp"
#include "wa/client.hpp"

namespace {

using namespace std::chrono_literals;

using client_test::eventually;

// An io thread, a connector and one client with its own store, paired through the simulator.
struct PairedClient {
  sim::Simulator sim;
  asio::io_context io;
  asio::executor_work_guard<asio::io_context::executor_type> work{io.get_executor()};
  wa::socket::WsConnector ws{io};
  std::thread thread;
  std::string dir;
  std::shared_ptr<wa::store::Store> store;
  std::shared_ptr<wa::Client> client;

  explicit PairedClient(wa::ClientOptions opt) {
    sim.start();
    char tmpl[] = "/tmp/wa-reconnect-test-XXXXXX";
    dir = mkdtemp(tmpl);
    store = wa::store::Store::open(dir + "/t");
    auto device = wa::store::Device::generate();
    store->save_device(device);
    opt.url = sim.ws_url();
    opt.noise_root = util::curve::to_key32(*util::hex_decode(sim.root_public_key_hex()));
    client = std::make_shared<wa::Client>(io, ws, store, device, opt, "t", [] {});
    thread = std::thread([this] { io.run(); });
    client->start();
    REQUIRE(eventually([&] { return snap().phase == wa::Phase::qr; }));
    REQUIRE(sim.scan(snap().qr) == std::nullopt);
    REQUIRE(eventually([&] { return snap().phase == wa::Phase::connected; }));
  }
  ~PairedClient() {
    client->stop();
    eventually([&] { return !client->snapshot().socket_open; }, 3s);
    work.reset();
    io.stop();
    thread.join();
    client.reset();
    store.reset();
    sim.stop();
    std::filesystem::remove_all(dir);
  }
  wa::ClientSnapshot snap() { return client->snapshot(); }
};

}  // namespace

TEST_CASE("client: a login the server never answers times out and is retried", "[client][reconnect]") {
  wa::ClientOptions opt;
  opt.connect_timeout_ms = 600;
  PairedClient c(opt);
  const int logins = c.sim.logins();
  c.sim.stall_next_logins(1);
  c.sim.disconnect_all();
  // The stalled connection stays open; the connect timeout covers the login answer too.
  REQUIRE(eventually([&] {
    auto s = c.snap();
    return s.last_error && s.last_error->code == "connection_failed";
  }));
  CHECK(c.snap().last_error->message.find("login") != std::string::npos);
  REQUIRE(eventually([&] { return c.snap().phase == wa::Phase::connected; }));
  CHECK(c.sim.logins() == logins + 1);
  const auto h = c.sim.history();
  CHECK(std::count(h.begin(), h.end(), "login-stalled") == 1);
}

TEST_CASE("client: the first reconnect after a drop waits a jittered part of the first window",
          "[client][reconnect]") {
  wa::ClientOptions opt;
  opt.reconnect_base_ms = 400;
  PairedClient c(opt);
  std::vector<int64_t> delays;
  for (int i = 0; i < 6; ++i) {
    const size_t before = c.sim.connection_times_ms().size();
    const int64_t dropped = sim::steady_ms();
    c.sim.disconnect_all();
    REQUIRE(eventually([&] { return c.snap().phase == wa::Phase::backoff; }));
    CHECK(c.snap().reconnect_attempts == 1);
    REQUIRE(eventually([&] { return c.sim.connection_times_ms().size() > before; }));
    delays.push_back(c.sim.connection_times_ms().at(before) - dropped);
    REQUIRE(eventually([&] { return c.snap().phase == wa::Phase::connected; }));
    CHECK(c.snap().reconnect_attempts == 0);  // reset by <success>
  }
  // Within [base/2, base] (plus scheduling slack), and not all the same.
  int64_t lo = delays.front(), hi = delays.front();
  for (int64_t d : delays) {
    INFO("delay " << d << " ms");
    CHECK(d >= 190);
    CHECK(d <= 400 + 250);
    lo = std::min(lo, d);
    hi = std::max(hi, d);
  }
  CHECK(hi - lo >= 5);
}

TEST_CASE("client: refused logins back off in growing windows up to the cap", "[client][reconnect]") {
  wa::ClientOptions opt;
  opt.reconnect_base_ms = 100;
  opt.reconnect_cap_ms = 400;
  PairedClient c(opt);
  const size_t before = c.sim.connection_times_ms().size();
  c.sim.fail_next_logins(5, 503);
  c.sim.disconnect_all();
  REQUIRE(eventually([&] { return c.sim.logins() >= 2; }));  // pairing's login, then this one
  REQUIRE(eventually([&] { return c.snap().phase == wa::Phase::connected; }));
  CHECK(c.snap().last_error->code == "server_unavailable");
  const auto t = c.sim.connection_times_ms();
  REQUIRE(t.size() == before + 6);  // 5 refused, 1 accepted
  // Attempt k waits within [w/2, w], w = min(100 ms * 2^(k-1), 400 ms); attempt 1 is the drop.
  const int64_t window[] = {200, 400, 400, 400, 400};  // attempts 2..6
  for (size_t k = 0; k < 5; ++k) {
    const int64_t gap = t[before + k + 1] - t[before + k];
    INFO("gap before connection " << k + 2 << ": " << gap << " ms");
    CHECK(gap >= window[k] / 2 - 10);
    CHECK(gap <= window[k] + 300);  // the cap holds (plus handshake and scheduling)
  }
}
