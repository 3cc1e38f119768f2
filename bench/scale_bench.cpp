// Scale benchmark (issue 4): many tenants connected to wa-simulator from one wa-sidecar process.
//
//   build/bench/scale_bench [--tenants 1000] [--idle-seconds 60] [--pair-concurrency 16]
//                           [--http-threads 32] [--sidecar PATH] [--simulator PATH]
//                           [--hold-seconds 0]
//
// It starts wa-simulator and wa-sidecar as child processes on free loopback ports, then:
//   1. records the sidecar's resident memory with no session (RSS_0);
//   2. pairs `--tenants` tenants through the service's POST /session and the simulator's
//      POST /scan, `--pair-concurrency` at a time, until GET /health reports them all connected,
//      and waits for the post-login work (812-prekey uploads) to finish;
//   3. records RSS with N connected idle sessions, then the sidecar's CPU time over an idle
//      window of `--idle-seconds` (nothing but keepalives, PROTOCOL.md §8) and RSS after it;
//   4. SIGTERMs the sidecar, starts it again on the same SESSIONS_DIR and measures the wall time
//      from exec until GET /health reports N connected (polled every 50 ms), and RSS after that.
// Prints the machine, then a Markdown table (metric, value, target) for bench/RESULTS.md.
// --hold-seconds keeps both processes running after the measurements (their pids on stderr), to
// attach perf or read /proc/PID/smaps; --sidecar may name a wrapper script (heaptrack, valgrind).
// Every wait is bounded; traffic stays on 127.0.0.1; the temporary directory is removed.
#include <httplib.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iostream>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
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

// ---- command line ---------------------------------------------------------------------------


struct Args {
  int tenants = 1000;
  int idle_seconds = 60;
  int pair_concurrency = 16;
  int http_threads = 32;
  int hold_seconds = 0;
  std::string sidecar_bin = WA_SIDECAR_BIN;
  std::string simulator_bin = WA_SIMULATOR_BIN;
};

Args parse_args(int argc, char** argv) {
  Args a;
  a.tenants = std::stoi(arg(argc, argv, "tenants", "1000"));
  a.idle_seconds = std::stoi(arg(argc, argv, "idle-seconds", "60"));
  a.pair_concurrency = std::stoi(arg(argc, argv, "pair-concurrency", "16"));
  a.http_threads = std::stoi(arg(argc, argv, "http-threads", "32"));
  a.hold_seconds = std::stoi(arg(argc, argv, "hold-seconds", "0"));
  a.sidecar_bin = arg(argc, argv, "sidecar", a.sidecar_bin);
  a.simulator_bin = arg(argc, argv, "simulator", a.simulator_bin);
  if (a.tenants < 1 || a.idle_seconds < 1 || a.pair_concurrency < 1 || a.http_threads < 1)
    throw std::invalid_argument("--tenants, --idle-seconds, --pair-concurrency and --http-threads must be >= 1");
  return a;
}

// ---- /proc readings -------------------------------------------------------------------------


// A "Key:   value kB" line of /proc/PID/status (or /proc/meminfo); -1 when absent.
long status_field(const std::string& text, const std::string& key) {
  std::istringstream lines(text);
  for (std::string line; std::getline(lines, line);) {
    if (line.compare(0, key.size() + 1, key + ":") == 0) return std::stol(line.substr(key.size() + 1));
  }
  return -1;
}

struct Memory {
  long rss_kib = 0, anon_kib = 0, threads = 0;
};

Memory memory_of(pid_t pid) {
  const std::string s = slurp("/proc/" + std::to_string(pid) + "/status");
  return Memory{status_field(s, "VmRSS"), status_field(s, "RssAnon"), status_field(s, "Threads")};
}

size_t open_fds(pid_t pid) {
  std::error_code ec;
  size_t n = 0;
  for (auto it = std::filesystem::directory_iterator("/proc/" + std::to_string(pid) + "/fd", ec);
       !ec && it != std::filesystem::directory_iterator(); it.increment(ec))
    ++n;
  return n;
}


std::string load_average() {
  std::istringstream in(slurp("/proc/loadavg"));
  std::string a, b, c;
  in >> a >> b >> c;
  return a + " " + b + " " + c;
}

std::string machine_description() {
  std::string model = "unknown CPU";
  std::istringstream cpu(slurp("/proc/cpuinfo"));
  for (std::string line; std::getline(cpu, line);) {
    if (line.rfind("model name", 0) == 0) {
      model = line.substr(line.find(':') + 2);
      break;
    }
  }
  const long mem_kib = status_field(slurp("/proc/meminfo"), "MemTotal");
  char buf[512];
  std::snprintf(buf, sizeof buf, "%ld cores (nproc), %s, %.1f GiB RAM", sysconf(_SC_NPROCESSORS_ONLN),
                model.c_str(), mem_kib / 1048576.0);
  return buf;
}

// ---- helpers --------------------------------------------------------------------------------

// Distinct free loopback ports: every probe socket stays bound until all are chosen, so the
// kernel cannot hand the same port out twice.
std::vector<uint16_t> free_ports(size_t count) {
  std::vector<int> fds;
  std::vector<uint16_t> ports;
  for (size_t i = 0; i < count; ++i) {
    int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof addr;
    if (fd < 0 || ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 ||
        ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
      if (fd >= 0) ::close(fd);
      break;
    }
    fds.push_back(fd);
    ports.push_back(ntohs(addr.sin_port));
  }
  for (int fd : fds) ::close(fd);
  if (ports.size() != count) throw std::runtime_error("cannot find free loopback ports");
  return ports;
}

bool wait_for(const std::function<bool()>& pred, std::chrono::milliseconds limit,
              std::chrono::milliseconds step = std::chrono::milliseconds(20)) {
  const auto deadline = Clock::now() + limit;
  while (Clock::now() < deadline) {
    if (pred()) return true;
    std::this_thread::sleep_for(step);
  }
  return false;
}

double seconds_since(Clock::time_point t0) {
  return std::chrono::duration<double>(Clock::now() - t0).count();
}


json data_of(const httplib::Result& r) {
  if (!r) return json();
  json body = json::parse(r->body, nullptr, false);
  if (body.is_discarded() || !body.is_object() || !body.contains("data")) return json();
  return body["data"];
}

std::string text_or_empty(const json& j, const char* key) {
  return j.is_object() && j.contains(key) && j[key].is_string() ? j[key].get<std::string>() : "";
}

// GET /health -> (total, connected); nullopt while the service does not answer.
std::optional<std::pair<long, long>> health(uint16_t port) {
  httplib::Client c("127.0.0.1", port);
  c.set_connection_timeout(0, 200000);
  c.set_read_timeout(5, 0);
  json d = data_of(c.Get("/health", headers("")));
  if (!d.is_object() || !d.contains("sessions")) return std::nullopt;
  return std::make_pair(d["sessions"].value("total", -1L), d["sessions"].value("connected", -1L));
}

std::string tail(const std::string& text, size_t n = 2000) {
  return text.size() > n ? text.substr(text.size() - n) : text;
}

std::string tenant_name(int i) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "scale%05d", i);
  return buf;
}

// ---- the two processes ----------------------------------------------------------------------

struct SimulatorInfo {
  std::string ws_url, noise_root_key;
  uint16_t control_port = 0;
};

std::unique_ptr<e2e::ChildProcess> start_simulator(const Args& a, const std::string& dir,
                                                   uint16_t ws_port, uint16_t control_port,
                                                   SimulatorInfo* info) {
  info->control_port = control_port;
  auto sim = std::make_unique<e2e::ChildProcess>(
      a.simulator_bin,
      std::vector<std::string>{"--port", std::to_string(ws_port), "--control-port",
                               std::to_string(info->control_port)},
      std::map<std::string, std::string>{}, dir + "/simulator");
  json first_line;
  if (!wait_for([&] {
        std::istringstream lines(sim->stdout_text());
        std::string first;
        if (!std::getline(lines, first)) return false;
        first_line = json::parse(first, nullptr, false);
        return first_line.is_object();
      }, std::chrono::seconds(10)))
    throw std::runtime_error("the simulator did not start: " + tail(sim->stderr_text()));
  info->ws_url = first_line["wsUrl"].get<std::string>();
  info->noise_root_key = first_line["noiseRootKey"].get<std::string>();
  return sim;
}

std::unique_ptr<e2e::ChildProcess> start_sidecar(const Args& a, const std::string& dir,
                                                 const SimulatorInfo& sim, uint16_t http_port,
                                                 const std::string& log_name) {
  return std::make_unique<e2e::ChildProcess>(
      a.sidecar_bin, std::vector<std::string>{},
      std::map<std::string, std::string>{{"INTERNAL_SECRET", kSecret},
                                         {"HOST", "127.0.0.1"},
                                         {"PORT", std::to_string(http_port)},
                                         {"SESSIONS_DIR", dir + "/sessions"},
                                         {"WA_URL", sim.ws_url},
                                         {"WA_NOISE_ROOT_KEY", sim.noise_root_key},
                                         {"LOG_LEVEL", "warn"},
                                         {"HTTP_THREADS", std::to_string(a.http_threads)}},
      dir + "/" + log_name);
}

// Each session holds a WebSocket and its SQLite store (database, -wal and -shm): about four
// descriptors. Children inherit this process's limit, so raise the soft limit to the hard one.
void ensure_fd_limit(int tenants) {
  rlimit lim{};
  if (getrlimit(RLIMIT_NOFILE, &lim) != 0) return;
  const rlim_t wanted = static_cast<rlim_t>(tenants) * 5 + 256;
  if (lim.rlim_cur < wanted && lim.rlim_cur < lim.rlim_max) {
    lim.rlim_cur = std::min(lim.rlim_max, wanted);
    setrlimit(RLIMIT_NOFILE, &lim);
  }
  getrlimit(RLIMIT_NOFILE, &lim);
  if (lim.rlim_cur < wanted)
    std::cerr << "warning: RLIMIT_NOFILE " << lim.rlim_cur << " may be too low for " << tenants
              << " sessions (about " << wanted << " wanted)\n";
}

// ---- pairing --------------------------------------------------------------------------------

// Pairs one tenant: POST /session for its QR, the simulated phone scans it (wait=false: the
// simulator's "latest scan" outcome is global, so concurrent scans must not wait on it), then
// GET /status until the tenant is connected. Returns an error sentence, or nullopt.
std::optional<std::string> pair_tenant(const std::string& tenant, uint16_t http_port,
                                       uint16_t control_port) {
  httplib::Client api("127.0.0.1", http_port);
  httplib::Client control("127.0.0.1", control_port);
  api.set_read_timeout(30, 0);
  control.set_read_timeout(30, 0);
  // POST /session is idempotent per tenant: a request that got no answer (a slow, profiled
  // service) is simply repeated.
  auto created = api.Post("/session", headers(tenant), "{}", "application/json");
  for (int retry = 0; !created && retry < 2; ++retry)
    created = api.Post("/session", headers(tenant), "{}", "application/json");
  if (!created || (created->status != 200 && created->status != 201))
    return "POST /session failed (" + (created ? std::to_string(created->status) : "no answer") + ")";
  std::string qr = text_or_empty(data_of(created), "qr");
  for (int attempt = 0; attempt < 3; ++attempt) {
    if (qr.empty() && !wait_for([&] {
          qr = text_or_empty(data_of(api.Get("/status", headers(tenant))), "qr");
          return !qr.empty();
        }, std::chrono::seconds(30), std::chrono::milliseconds(100)))
      return std::string("no QR within 30 s");
    auto scanned = control.Post("/scan", json{{"qr", qr}, {"wait", false}}.dump(), "application/json");
    if (scanned && scanned->status == 200) break;
    // 404: the QR rotated between reading and scanning; read the current one and try again.
    const std::string why = scanned ? scanned->body.substr(0, 300) : "no answer";
    if (attempt == 2) return "POST /scan failed: " + why;
    qr.clear();
  }
  std::string last;
  if (!wait_for([&] {
        last = text_or_empty(data_of(api.Get("/status", headers(tenant))), "status");
        return last == "connected";
      }, std::chrono::seconds(120), std::chrono::milliseconds(100)))
    return "not connected within 120 s after the scan (status " + last + ")";
  return std::nullopt;
}

// Pairs tenants [0, n) with `concurrency` workers; returns the failures (tenant: why).
std::vector<std::string> pair_all(int n, int concurrency, uint16_t http_port, uint16_t control_port) {
  std::atomic<int> next{0};
  std::atomic<int> done{0};
  std::mutex mu;
  std::vector<std::string> failures;
  std::vector<std::thread> workers;
  const auto t0 = Clock::now();
  for (int w = 0; w < std::min(concurrency, n); ++w) {
    workers.emplace_back([&] {
      for (int i = next++; i < n; i = next++) {
        auto err = pair_tenant(tenant_name(i), http_port, control_port);
        if (err) {
          std::lock_guard<std::mutex> lk(mu);
          failures.push_back(tenant_name(i) + ": " + *err);
          // One failure often means every later pairing fails the same way: stop early.
          if (failures.size() >= 5) next = n;
        }
        const int d = ++done;
        if (d % 100 == 0) {
          std::lock_guard<std::mutex> lk(mu);
          std::cerr << "  paired " << d << "/" << n << " in " << static_cast<int>(seconds_since(t0))
                    << " s\n";
        }
      }
    });
  }
  for (auto& t : workers) t.join();
  return failures;
}

// Waits until the process has been quiet (under 2 % of a core over a second) for three seconds
// in a row, so post-login work (prekey uploads, §8) is not counted as idle. Bounded.
bool wait_quiet(pid_t pid, std::chrono::seconds limit) {
  int quiet = 0;
  return wait_for([&] {
    const double c0 = cpu_seconds(pid);
    std::this_thread::sleep_for(std::chrono::seconds(1));
    quiet = cpu_seconds(pid) - c0 < 0.02 ? quiet + 1 : 0;
    return quiet >= 3;
  }, limit, std::chrono::milliseconds(0));
}

// ---- report ---------------------------------------------------------------------------------

struct Row {
  std::string metric, value, target;
};

std::string fmt(const char* f, double v) {
  char buf[64];
  std::snprintf(buf, sizeof buf, f, v);
  return buf;
}

}  // namespace

int main(int argc, char** argv) {
  Args a;
  try {
    a = parse_args(argc, argv);
  } catch (const std::exception& e) {
    std::cerr << "scale_bench: " << e.what() << "\n";
    return 2;
  }
  const int n = a.tenants;
  ensure_fd_limit(n);
  char tmpl[] = "/tmp/wa-scale-XXXXXX";
  const std::string dir = mkdtemp(tmpl);
  std::vector<Row> rows;
  const std::string load_at_start = load_average();
  int exit_code = 0;

  try {
    const std::vector<uint16_t> ports = free_ports(3);
    SimulatorInfo sim_info;
    auto simulator = start_simulator(a, dir, ports[0], ports[1], &sim_info);
    const uint16_t http_port = ports[2];
    auto sidecar = start_sidecar(a, dir, sim_info, http_port, "sidecar1");
    if (!wait_for([&] { return health(http_port).has_value(); }, std::chrono::seconds(10)))
      throw std::runtime_error("the sidecar did not start: " + tail(sidecar->stderr_text()));
    // Let start-up allocations (thread pool, TLS contexts) settle before the baseline.
    std::this_thread::sleep_for(std::chrono::seconds(1));
    const Memory m0 = memory_of(sidecar->pid());

    // ---- pair N tenants ----
    std::cerr << "pairing " << n << " tenants, " << a.pair_concurrency << " at a time\n";
    const auto pair_t0 = Clock::now();
    const double pair_cpu0 = cpu_seconds(sidecar->pid());
    auto failures = pair_all(n, a.pair_concurrency, http_port, sim_info.control_port);
    const double pair_wall = seconds_since(pair_t0);
    const double pair_cpu = cpu_seconds(sidecar->pid()) - pair_cpu0;
    if (!failures.empty()) {
      std::cerr << failures.size() << " pairing(s) failed, first ones:\n";
      for (const auto& f : failures) std::cerr << "  " << f << "\n";
      auto h = health(http_port);
      std::cerr << "health: " << (h ? std::to_string(h->second) + "/" + std::to_string(h->first) : "none")
                << " connected\nsidecar stderr (tail):\n" << tail(sidecar->stderr_text())
                << "\nsimulator stderr (tail):\n" << tail(simulator->stderr_text()) << "\n";
      throw std::runtime_error("pairing failed");
    }
    if (!wait_for([&] {
          auto h = health(http_port);
          return h && h->second == n;
        }, std::chrono::seconds(60), std::chrono::milliseconds(200)))
      throw std::runtime_error("not all sessions report connected after pairing");
    std::cerr << "all " << n << " connected after " << static_cast<int>(pair_wall)
              << " s; waiting for post-login work to finish\n";
    if (!wait_quiet(sidecar->pid(), std::chrono::seconds(300)))
      std::cerr << "warning: the sidecar did not become quiet within 300 s\n";
    const Memory m_n = memory_of(sidecar->pid());
    const size_t fds = open_fds(sidecar->pid());

    // ---- idle window: nothing but keepalives; the bench does not call the service ----
    std::cerr << "idle window of " << a.idle_seconds << " s\n";
    const std::string load_idle = load_average();
    const double idle_cpu0 = cpu_seconds(sidecar->pid());
    const double sim_cpu0 = cpu_seconds(simulator->pid());
    const auto idle_t0 = Clock::now();
    std::this_thread::sleep_for(std::chrono::seconds(a.idle_seconds));
    const double idle_wall = seconds_since(idle_t0);
    const double idle_cpu = cpu_seconds(sidecar->pid()) - idle_cpu0;
    const double sim_idle_cpu = cpu_seconds(simulator->pid()) - sim_cpu0;
    const Memory m_idle = memory_of(sidecar->pid());
    auto h_idle = health(http_port);
    if (!h_idle || h_idle->second != n)
      std::cerr << "warning: after the idle window " << (h_idle ? h_idle->second : -1) << "/" << n
                << " sessions report connected\n";

    // ---- restart on the same SESSIONS_DIR ----
    std::cerr << "restarting the sidecar\n";
    const auto stop_t0 = Clock::now();
    const int stop_status = sidecar->terminate(std::chrono::seconds(30));
    const double stop_wall = seconds_since(stop_t0);
    sidecar.reset();
    const auto restart_t0 = Clock::now();
    sidecar = start_sidecar(a, dir, sim_info, http_port, "sidecar2");
    std::optional<double> t_http, t_all;
    long last_connected = -1;
    wait_for([&] {
      auto h = health(http_port);
      if (h && !t_http) t_http = seconds_since(restart_t0);
      if (h) last_connected = h->second;
      if (h && h->second == n) t_all = seconds_since(restart_t0);
      return t_all.has_value();
    }, std::chrono::seconds(180), std::chrono::milliseconds(50));
    const double restore_cpu = cpu_seconds(sidecar->pid());
    if (!t_all)
      std::cerr << "warning: only " << last_connected << "/" << n << " connected 180 s after the restart\n";
    wait_quiet(sidecar->pid(), std::chrono::seconds(120));
    const Memory m_restored = memory_of(sidecar->pid());

    // ---- table ----
    auto per_session = [&](long kib) { return static_cast<double>(kib - m0.rss_kib) / n; };
    auto anon_per_session = [&](long kib) { return static_cast<double>(kib - m0.anon_kib) / n; };
    const double idle_core_pct = 100.0 * idle_cpu / idle_wall;
    rows = {
        {"tenants connected (one sidecar process)", std::to_string(n), "1,000"},
        {"RSS at start, no session (VmRSS)", fmt("%.1f MiB", m0.rss_kib / 1024.0), ""},
        {"RSS with N connected idle sessions", fmt("%.1f MiB", m_n.rss_kib / 1024.0), ""},
        {"RSS per connected idle session, after pairing", fmt("%.1f KiB", per_session(m_n.rss_kib)),
         "<= 128 KiB (Baileys ~590 KiB)"},
        {"  of which anonymous memory (RssAnon)", fmt("%.1f KiB", anon_per_session(m_n.anon_kib)), ""},
        {"RSS per session after " + std::to_string(a.idle_seconds) + " s idle",
         fmt("%.1f KiB", per_session(m_idle.rss_kib)), "<= 128 KiB"},
        {"RSS per session after restart (restored, no pairing)",
         fmt("%.1f KiB", per_session(m_restored.rss_kib)), "<= 128 KiB"},
        {"idle CPU, whole process (" + fmt("%.0f", idle_wall) + " s window)",
         fmt("%.3f %% of a core", idle_core_pct), ""},
        {"idle CPU per 100 sessions", fmt("%.4f %% of a core", idle_core_pct * 100.0 / n),
         "<= 0.1 % of a core"},
        {"restart: exec -> all N connected",
         t_all ? fmt("%.2f s", *t_all) : "not reached (" + std::to_string(last_connected) + "/" +
                                                 std::to_string(n) + " in 180 s)",
         "<= 10 s on 2 cores"},
        {"restart: exec -> first /health answer (stores opened)",
         t_http ? fmt("%.2f s", *t_http) : "never", ""},
        {"restart: sidecar CPU until all connected", fmt("%.2f s", restore_cpu), ""},
        {"shutdown on SIGTERM (exit " + std::to_string(stop_status) + ")", fmt("%.2f s", stop_wall), ""},
        {"pairing N tenants (" + std::to_string(a.pair_concurrency) + " at a time)",
         fmt("%.1f s", pair_wall) + ", sidecar CPU " + fmt("%.1f s", pair_cpu), ""},
        {"sidecar threads / open fds with N sessions",
         std::to_string(m_n.threads) + " / " + std::to_string(fds), ""},
        {"simulator CPU in the idle window", fmt("%.3f %% of a core", 100.0 * sim_idle_cpu / idle_wall), ""},
    };
    std::cout << "Machine: " << machine_description() << "\n"
              << "Load average (1/5/15 min): " << load_at_start << " at start, " << load_idle
              << " at the idle window, " << load_average() << " at the end\n"
              << "Command: scale_bench --tenants " << n << " --idle-seconds " << a.idle_seconds
              << " --pair-concurrency " << a.pair_concurrency << " --http-threads " << a.http_threads
              << "\n\n| metric | value | target |\n|---|---|---|\n";
    for (const auto& r : rows) std::cout << "| " << r.metric << " | " << r.value << " | " << r.target << " |\n";
    std::cout << std::flush;
    if (a.hold_seconds > 0) {
      std::cerr << "holding " << a.hold_seconds << " s: sidecar pid " << sidecar->pid()
                << ", simulator pid " << simulator->pid() << ", sessions " << dir << "/sessions\n";
      std::this_thread::sleep_for(std::chrono::seconds(a.hold_seconds));
    }
    sidecar->terminate();
    simulator->terminate();
  } catch (const std::exception& e) {
    std::cerr << "scale_bench: " << e.what() << "\n";
    exit_code = 1;
  }
  std::filesystem::remove_all(dir);
  return exit_code;
}
