#include "e2e_support.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>
#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <stdexcept>
#include <thread>
#include <vector>
#include <httplib.h>

namespace e2e {

TempDir::TempDir() {
  const char* base = std::getenv("TMPDIR");
  std::string pattern = std::string(base && *base ? base : "/tmp") + "/wa-e2e-XXXXXX";
  std::vector<char> buf(pattern.begin(), pattern.end());
  buf.push_back('\0');
  if (!::mkdtemp(buf.data())) throw std::runtime_error("mkdtemp failed");
  path_ = buf.data();
}

TempDir::~TempDir() {
  if (std::getenv("WA_E2E_KEEP")) return;
  std::error_code ec;
  std::filesystem::remove_all(path_, ec);
}

uint16_t free_port() {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) throw std::runtime_error("socket failed");
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  socklen_t len = sizeof addr;
  if (::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 ||
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
    ::close(fd);
    throw std::runtime_error("cannot pick a free port");
  }
  ::close(fd);
  return ntohs(addr.sin_port);
}

std::string lid_device_jid(const std::string& user, uint16_t device) {
  return device == 0 ? user + "@lid" : user + ":" + std::to_string(device) + "@lid";
}

bool contains(const std::vector<std::string>& events, const std::string& event) {
  return std::find(events.begin(), events.end(), event) != events.end();
}

bool wait_until(const std::function<bool()>& pred, std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (true) {
    if (pred()) return true;
    if (std::chrono::steady_clock::now() >= deadline) return false;
    std::this_thread::sleep_for(50ms);
  }
}

namespace {
HttpResult to_result(const httplib::Result& r) {
  HttpResult out;
  if (!r) {
    out.raw = "request failed: " + httplib::to_string(r.error());  // for failure messages
    return out;
  }
  out.status = r->status;
  out.raw = r->body;
  out.body = json::parse(r->body, nullptr, false);
  return out;
}
}  // namespace

ServiceApi::ServiceApi(uint16_t port, std::string secret)
    : client_(std::make_unique<httplib::Client>("127.0.0.1", port)), secret_(std::move(secret)) {
  client_->set_connection_timeout(5);
  client_->set_read_timeout(30);  // POST /session waits for the first QR, DELETE for WhatsApp
}

ServiceApi::~ServiceApi() = default;

void ServiceApi::set_keep_alive(bool keep) { client_->set_keep_alive(keep); }

HttpResult ServiceApi::get(const std::string& path, const std::optional<std::string>& tenant) {
  httplib::Headers h{{"X-Internal-Secret", secret_}};
  if (tenant) h.emplace("X-Tenant-Id", *tenant);
  return to_result(client_->Get(path.c_str(), h));
}

HttpResult ServiceApi::post(const std::string& path, const std::optional<std::string>& tenant,
                            const std::string& body) {
  httplib::Headers h{{"X-Internal-Secret", secret_}};
  if (tenant) h.emplace("X-Tenant-Id", *tenant);
  return to_result(client_->Post(path.c_str(), h, body, "application/json"));
}

HttpResult ServiceApi::del(const std::string& path, const std::optional<std::string>& tenant) {
  httplib::Headers h{{"X-Internal-Secret", secret_}};
  if (tenant) h.emplace("X-Tenant-Id", *tenant);
  return to_result(client_->Delete(path.c_str(), h));
}

json ServiceApi::wait_status(const std::string& tenant, const std::vector<std::string>& wanted,
                             std::chrono::milliseconds timeout) {
  json last = nullptr;
  wait_until(
      [&] {
        HttpResult r = get("/status", tenant);
        if (r.status != 200 || r.body.is_discarded() || !r.body.contains("data")) return false;
        last = r.body["data"];
        const std::string s = last.value("status", std::string());
        for (const auto& w : wanted)
          if (s == w) return true;
        return false;
      },
      timeout);
  return last;
}

Sidecar::Sidecar(const SidecarConfig& cfg, const std::string& log_prefix) : port_(free_port()) {
  std::map<std::string, std::string> env{
      {"INTERNAL_SECRET", cfg.secret},       {"PORT", std::to_string(port_)},
      {"HOST", "127.0.0.1"},                 {"SESSIONS_DIR", cfg.sessions_dir},
      {"WA_URL", cfg.wa_url},                {"WA_NOISE_ROOT_KEY", cfg.noise_root_key},
      {"LOG_LEVEL", "debug"},
  };
  for (const auto& [k, v] : cfg.extra_env) env[k] = v;
  process_ = std::make_unique<ChildProcess>(WA_SIDECAR_BIN, std::vector<std::string>{}, env,
                                            log_prefix);
  api_ = std::make_unique<ServiceApi>(port_, cfg.secret);
  context_ = std::make_unique<FailureContext>("wa-sidecar " + log_prefix, [this] { return logs(); });
  const bool up = wait_until([&] {
    if (!process_->running()) return false;
    return api_->get("/health", std::nullopt).status == 200;
  });
  if (!up)
    throw std::runtime_error("wa-sidecar did not become healthy; its log:\n" + logs());
}

std::string Sidecar::logs() const {
  return "--- stderr ---\n" + process_->stderr_text() + "\n--- stdout ---\n" +
         process_->stdout_text();
}

}  // namespace e2e
