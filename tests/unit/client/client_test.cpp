// The protocol library on its own (no HTTP, no manager): a wa::Client against the in-process
// simulator — pairing, login, keepalive, QR rotation to qr_timeout, a refused chain.
#include <catch2/catch.hpp>

#include <asio/executor_work_guard.hpp>
#include <chrono>
#include <algorithm>
#include <filesystem>
#include <set>
#include <thread>

#include "eventually.hpp"
#include "simulator.hpp"
#include "wa/client.hpp"

namespace {

using namespace std::chrono_literals;

using client_test::eventually;

// An io thread, a connector and one client with its own store in a temp directory.
struct Harness {
  sim::Simulator sim;
  asio::io_context io;
  asio::executor_work_guard<asio::io_context::executor_type> work{io.get_executor()};
  wa::socket::WsConnector ws{io};
  std::thread thread;
  std::string dir;
  std::shared_ptr<wa::store::Store> store;
  std::shared_ptr<wa::Client> client;

  explicit Harness(wa::ClientOptions opt = {}, sim::SimOptions sim_opt = {}) : sim(sim_opt) {
    sim.start();
    char tmpl[] = "/tmp/wa-client-test-XXXXXX";
    dir = mkdtemp(tmpl);
    store = wa::store::Store::open(dir + "/t");
    auto device = wa::store::Device::generate();
    store->save_device(device);
    opt.url = sim.ws_url();
    if (opt.noise_root == util::curve::Key32{}) {
      opt.noise_root = util::curve::to_key32(*util::hex_decode(sim.root_public_key_hex()));
    }
    client = std::make_shared<wa::Client>(io, ws, store, device, opt, "t", [] {});
    thread = std::thread([this] { io.run(); });
  }
  ~Harness() {
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

TEST_CASE("client: pairs through the QR, follows the 515 and logs in", "[client]") {
  Harness h;
  h.client->start();
  REQUIRE(eventually([&] { return h.snap().phase == wa::Phase::qr; }));
  const auto qr = h.snap().qr;
  CHECK(h.snap().qr_sequence == 1);
  REQUIRE(h.sim.scan(qr) == std::nullopt);
  REQUIRE(eventually([&] { return h.snap().phase == wa::Phase::connected; }));
  const auto s = h.snap();
  CHECK(s.logged_in);
  CHECK(s.socket_open);
  CHECK(s.jid.rfind(h.sim.phone_number() + ":", 0) == 0);
  CHECK(s.lid.find("@lid") != std::string::npos);
  CHECK(h.sim.registrations() == 1);
  CHECK(h.sim.logins() == 1);
  // The credentials are durable: a fresh read of the store has the paired device.
  auto stored = h.store->load_device();
  REQUIRE(stored);
  CHECK(stored->paired());
  CHECK(stored->jid == s.jid);
}

TEST_CASE("client: keepalive pings are sent and answered", "[client]") {
  wa::ClientOptions opt;
  opt.keepalive_min_ms = 100;
  opt.keepalive_max_ms = 150;
  Harness h(opt);
  h.client->start();
  REQUIRE(eventually([&] { return h.snap().phase == wa::Phase::qr; }));
  REQUIRE(h.sim.scan(h.snap().qr) == std::nullopt);
  REQUIRE(eventually([&] { return h.snap().phase == wa::Phase::connected; }));
  const int64_t first_ok = h.snap().last_keepalive_ok_ms;
  REQUIRE(eventually([&] { return h.snap().last_keepalive_ok_ms > first_ok; }));
  auto iqs = h.sim.received_iqs();
  CHECK(std::count(iqs.begin(), iqs.end(), "w:p get") >= 1);
}

TEST_CASE("client: QR refs rotate, then the session ends in qr_timeout", "[client]") {
  wa::ClientOptions opt;
  opt.qr_first_ref_ms = 150;
  opt.qr_next_ref_ms = 100;
  Harness h(opt);
  h.client->start();
  std::set<std::string> seen;
  REQUIRE(eventually([&] {
    auto s = h.snap();
    if (!s.qr.empty()) seen.insert(s.qr);
    return s.phase == wa::Phase::qr_timeout;
  }));
  // Six refs from the server, each its own QR, then the connection is closed (§6 step 4).
  CHECK(h.snap().qr_sequence == 6);
  CHECK(seen.size() >= 2);
  CHECK(eventually([&] { return !h.snap().socket_open; }));
}

TEST_CASE("client: a server chain from another root is refused", "[client]") {
  wa::ClientOptions opt;
  opt.noise_root = util::curve::KeyPair::generate().pub;
  Harness h(opt);
  h.client->start();
  REQUIRE(eventually([&] { return h.snap().phase == wa::Phase::failed; }));
  REQUIRE(h.snap().last_error);
  CHECK(h.snap().last_error->code == "server_certificate_invalid");
  CHECK(h.sim.registrations() == 0);
}
