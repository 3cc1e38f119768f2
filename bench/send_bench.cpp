// POST /send benchmark: the real wa-sidecar against wa-simulator on this machine.
//
//   build/bench/send_bench [--requests 2000] [--tenants 8] [--concurrency 1,16,64]
//                          [--slow-fsync-ms 20] [--burst 32]
//
// It starts wa-simulator and wa-sidecar as child processes on free loopback ports, pairs
// `--tenants` tenants (each a new linked device of the simulated account), then measures:
//   * the first send of each tenant to the simulator's contact (no Signal sessions yet: user
//     lookup, device lists, prekey bundles, X3DH for three devices);
//   * steady-state latency of POST /send (p50, p99, max) at each concurrency, the requests
//     spread over the tenants, sessions existing;
//   * throughput, and messages per CPU-second of the wa-sidecar process (utime+stime from
//     /proc), i.e. messages per second per core; fairness as p99 / mean (a closed loop of N
//     clients has mean = N / throughput, so only the spread shows who waited);
//   * with --burst N: one tenant sending from N keep-alive clients at once while another sends
//     one message at a time: the quiet tenant's latency and the bursting tenant's throughput.
// --slow-fsync-ms loads bench/slow_fsync.c into wa-sidecar: every fsync/fdatasync that much
// slower, as on a network volume.
// Prints a Markdown table for bench/RESULTS.md. Every loop is bounded; traffic stays on
// 127.0.0.1.
#include <httplib.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iostream>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <sstream>
#include <thread>
#include <vector>

#include "bench_support.hpp"
#include "child_process.hpp"

using json = nlohmann::json;
using Clock = std::chrono::steady_clock;

using bench::arg;
using bench::cpu_seconds;
using bench::headers;
using bench::kSecret;
using bench::slurp;

namespace {

// A port the kernel considers free now: bind 127.0.0.1:0, read it back, close.
uint16_t free_port() {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof addr;
  if (fd < 0 || ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 ||
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
    throw std::runtime_error("cannot find a free port");
  }
  ::close(fd);
  return ntohs(addr.sin_port);
}


bool wait_for(const std::function<bool()>& pred, std::chrono::seconds limit) {
  auto deadline = Clock::now() + limit;
  while (Clock::now() < deadline) {
    if (pred()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return false;
}


double percentile(std::vector<double> v, double p) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  size_t i = static_cast<size_t>(p * (v.size() - 1) + 0.5);
  return v[std::min(i, v.size() - 1)];
}


}  // namespace

int main(int argc, char** argv) {
  const int requests = std::stoi(arg(argc, argv, "requests", "2000"));
  const int tenants = std::stoi(arg(argc, argv, "tenants", "8"));
  std::vector<int> levels;
  {
    std::stringstream ss(arg(argc, argv, "concurrency", "1,16,64"));
    for (std::string x; std::getline(ss, x, ',');) levels.push_back(std::stoi(x));
  }
  const int slow_fsync_ms = std::stoi(arg(argc, argv, "slow-fsync-ms", "0"));
  const int burst = std::stoi(arg(argc, argv, "burst", "0"));
  char tmpl[] = "/tmp/wa-bench-XXXXXX";
  const std::string dir = mkdtemp(tmpl);

  const uint16_t ws_port = free_port(), control_port = free_port(), http_port = free_port();
  e2e::ChildProcess simulator(WA_SIMULATOR_BIN,
                              {"--port", std::to_string(ws_port), "--control-port",
                               std::to_string(control_port)},
                              {}, dir + "/simulator");
  json sim_info;
  if (!wait_for([&] {
        std::istringstream lines(simulator.stdout_text());
        std::string first;
        if (!std::getline(lines, first)) return false;
        sim_info = json::parse(first, nullptr, false);
        return sim_info.is_object();
      }, std::chrono::seconds(10))) {
    std::cerr << "simulator did not start\n";
    return 1;
  }
  std::map<std::string, std::string> env{
      {"INTERNAL_SECRET", kSecret},
      {"HOST", "127.0.0.1"},
      {"PORT", std::to_string(http_port)},
      {"SESSIONS_DIR", dir + "/sessions"},
      {"WA_URL", sim_info["wsUrl"].get<std::string>()},
      {"WA_NOISE_ROOT_KEY", sim_info["noiseRootKey"].get<std::string>()},
      {"LOG_LEVEL", "warn"},
      {"MAX_PENDING_SENDS", "100000"}};
  if (slow_fsync_ms > 0) {
    env["LD_PRELOAD"] = WA_SLOW_FSYNC_LIB;
    env["SLOW_FSYNC_MS"] = std::to_string(slow_fsync_ms);
  }
  e2e::ChildProcess sidecar(WA_SIDECAR_BIN, {}, env, dir + "/sidecar");
  httplib::Client api("127.0.0.1", http_port);
  httplib::Client control("127.0.0.1", control_port);
  if (!wait_for([&] { return static_cast<bool>(api.Get("/health", headers(""))); },
                std::chrono::seconds(10))) {
    std::cerr << "sidecar did not start\n";
    return 1;
  }

  // Pair the tenants.
  for (int t = 0; t < tenants; ++t) {
    const std::string tenant = "bench" + std::to_string(t);
    auto created = api.Post("/session", headers(tenant), "{}", "application/json");
    if (!created) return 1;
    std::string qr = json::parse(created->body)["data"]["qr"];
    auto scanned = control.Post("/scan", json{{"qr", qr}}.dump(), "application/json");
    if (!scanned || scanned->status != 200) {
      std::cerr << "scan failed for " << tenant << "\n";
      return 1;
    }
    if (!wait_for([&] {
          auto st = api.Get("/status", headers(tenant));
          return st && json::parse(st->body)["data"]["status"] == "connected";
        }, std::chrono::seconds(15))) {
      std::cerr << tenant << " did not connect\n";
      return 1;
    }
  }
  // Give each tenant's post-login prekey upload time to finish before measuring.
  std::this_thread::sleep_for(std::chrono::seconds(2));

  json contacts = json::parse(control.Get("/state")->body);
  std::string contact = "15557654321";
  if (contacts.contains("contacts") && !contacts["contacts"].empty())
    contact = contacts["contacts"][0].value("phone", contact);
  const std::string body = json{{"to", contact}, {"message", "benchmark message"}}.dump();

  auto send_once = [&](httplib::Client& c, const std::string& tenant) -> double {
    auto t0 = Clock::now();
    auto r = c.Post("/send", headers(tenant), body, "application/json");
    double ms = std::chrono::duration<double, std::milli>(Clock::now() - t0).count();
    if (!r) return -1000 - static_cast<int>(r.error());
    if (r->status != 200) return -r->status;
    return ms;
  };

  // First send per tenant: new Signal sessions.
  std::vector<double> first;
  for (int t = 0; t < tenants; ++t) {
    httplib::Client c("127.0.0.1", http_port);
    double ms = send_once(c, "bench" + std::to_string(t));
    if (ms < 0) {
      std::cerr << "first send failed\n" << sidecar.stderr_text().substr(0, 4000);
      return 1;
    }
    first.push_back(ms);
  }

  auto mean = [](const std::vector<double>& v) {
    double sum = 0;
    for (double x : v) sum += x;
    return v.empty() ? 0.0 : sum / static_cast<double>(v.size());
  };
  auto keep_alive_client = [&] {
    auto c = std::make_unique<httplib::Client>("127.0.0.1", http_port);
    c->set_keep_alive(true);
    c->set_tcp_nodelay(true);
    c->set_read_timeout(120, 0);  // latency is measured, not cut off
    return c;
  };

  if (burst > 0) {
    // bench0 bursts from `burst` clients until the quiet tenant (bench1) has sent `requests`
    // messages one at a time.
    std::atomic<bool> quiet_done{false};
    std::atomic<int> burst_sent{0}, failures{0};
    std::vector<double> quiet;
    std::vector<std::thread> bursters;
    const auto t0 = Clock::now();
    for (int i = 0; i < burst; ++i) {
      bursters.emplace_back([&] {
        auto c = keep_alive_client();
        while (!quiet_done) {
          if (send_once(*c, "bench0") >= 0) ++burst_sent; else ++failures;
        }
      });
    }
    {
      auto c = keep_alive_client();
      for (int n = 0; n < requests; ++n) {
        const double ms = send_once(*c, "bench1");
        if (ms >= 0) quiet.push_back(ms); else ++failures;
      }
    }
    quiet_done = true;
    const double wall = std::chrono::duration<double>(Clock::now() - t0).count();
    for (auto& th : bursters) th.join();
    char line[512];
    std::snprintf(line, sizeof line,
                  "| slow fsync ms | burst clients | quiet sends | quiet p50 ms | quiet p99 ms | "
                  "quiet max ms | burst msg/s | failed |\n|---|---|---|---|---|---|---|---|\n"
                  "| %d | %d | %zu | %.2f | %.2f | %.2f | %.0f | %d |\n",
                  slow_fsync_ms, burst, quiet.size(), percentile(quiet, 0.5),
                  percentile(quiet, 0.99), percentile(quiet, 1.0), burst_sent / wall,
                  failures.load());
    std::cout << line;
    sidecar.terminate();
    simulator.terminate();
    std::filesystem::remove_all(dir);
    return 0;
  }

  std::cout << "| concurrency | requests | p50 ms | mean ms | p99 ms | p99/mean | max ms | msg/s | "
               "msg per CPU-second |\n|---|---|---|---|---|---|---|---|---|\n";
  for (int level : levels) {
    std::vector<std::vector<double>> per_thread(level);
    std::atomic<int> next{0}, failures{0};
    const double cpu0 = cpu_seconds(sidecar.pid());
    auto t0 = Clock::now();
    std::vector<std::thread> threads;
    for (int i = 0; i < level; ++i) {
      threads.emplace_back([&, i] {
        auto c = keep_alive_client();
        for (int n = next++; n < requests; n = next++) {
          double ms = send_once(*c, "bench" + std::to_string(n % tenants));
          if (ms < 0) {
            if (failures++ == 0) std::cerr << "first failure: " << -ms << " (HTTP status, or 1000+httplib error)\n";
          } else {
            per_thread[i].push_back(ms);
          }
        }
      });
    }
    for (auto& th : threads) th.join();
    const double wall = std::chrono::duration<double>(Clock::now() - t0).count();
    const double cpu = cpu_seconds(sidecar.pid()) - cpu0;
    std::vector<double> all;
    for (auto& v : per_thread) all.insert(all.end(), v.begin(), v.end());
    char line[256];
    const double avg = mean(all);
    std::snprintf(line, sizeof line,
                  "| %d | %zu (%d failed) | %.2f | %.2f | %.2f | %.2f | %.2f | %.0f | %.0f |\n",
                  level, all.size(), failures.load(), percentile(all, 0.5), avg,
                  percentile(all, 0.99), avg > 0 ? percentile(all, 0.99) / avg : 0.0,
                  percentile(all, 1.0), all.size() / wall, cpu > 0 ? all.size() / cpu : 0.0);
    std::cout << line << std::flush;
  }
  char line[256];
  std::snprintf(line, sizeof line,
                "\nFirst send to a new contact (3 devices, new sessions), %d tenants: "
                "p50 %.2f ms, max %.2f ms\n",
                tenants, percentile(first, 0.5), percentile(first, 1.0));
  std::cout << line;
  sidecar.terminate();
  simulator.terminate();
  std::filesystem::remove_all(dir);
  return 0;
}
