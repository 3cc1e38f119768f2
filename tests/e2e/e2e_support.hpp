// Shared pieces of the end-to-end tests: a temporary directory, free ports, bounded polling, an
// HTTP client for the service's API and a launcher for the wa-sidecar binary.
#pragma once
#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <nlohmann/json.hpp>
#include "child_process.hpp"
#include "failure_context.hpp"

namespace httplib { class Client; }

namespace e2e {

using nlohmann::json;
using namespace std::chrono_literals;

constexpr std::chrono::milliseconds kWait = 15s;  // bound of every poll in these tests

class TempDir {
 public:
  TempDir();   // mkdtemp under $TMPDIR or /tmp
  ~TempDir();  // removes it unless WA_E2E_KEEP is set
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

uint16_t free_port();  // binds 127.0.0.1:0 and returns the port the kernel picked

// A LID device JID's text form: device 0 (the phone) carries no ":0" (whatsmeow's
// JID.String()).
std::string lid_device_jid(const std::string& user, uint16_t device);

// Whether `events` (e.g. the simulator's history) holds exactly `event`.
bool contains(const std::vector<std::string>& events, const std::string& event);

// Polls pred every 50 ms until it returns true or `timeout` passes; returns its last value.
bool wait_until(const std::function<bool()>& pred, std::chrono::milliseconds timeout = kWait);

struct HttpResult {
  int status = 0;  // 0 when the request failed
  json body;       // discarded value when not JSON
  std::string raw;  // the body, or why the request failed
};

// The service's HTTP API with the internal secret.
class ServiceApi {
 public:
  ServiceApi(uint16_t port, std::string secret);
  ~ServiceApi();
  // Reuse one connection for every request (default: one connection per request).
  void set_keep_alive(bool keep);
  HttpResult get(const std::string& path, const std::optional<std::string>& tenant);
  HttpResult post(const std::string& path, const std::optional<std::string>& tenant,
                  const std::string& body = "{}");
  HttpResult del(const std::string& path, const std::optional<std::string>& tenant);
  // GET /status until data.status is one of `wanted`; returns the last data (null if none).
  json wait_status(const std::string& tenant, const std::vector<std::string>& wanted,
                   std::chrono::milliseconds timeout = kWait);

 private:
  std::unique_ptr<httplib::Client> client_;
  std::string secret_;
};

struct SidecarConfig {
  std::string secret = "e2e-internal-secret-0123456789";
  std::string sessions_dir;
  std::string wa_url;
  std::string noise_root_key;
  std::map<std::string, std::string> extra_env;
};

// wa-sidecar as a child process on a free port; waits until GET /health answers.
class Sidecar {
 public:
  Sidecar(const SidecarConfig& cfg, const std::string& log_prefix);
  Sidecar(const Sidecar&) = delete;
  Sidecar& operator=(const Sidecar&) = delete;
  ServiceApi& api() { return *api_; }
  ChildProcess& process() { return *process_; }
  uint16_t port() const { return port_; }
  std::string logs() const;  // stderr and stdout, for failure messages

 private:
  uint16_t port_;
  std::unique_ptr<ChildProcess> process_;
  std::unique_ptr<ServiceApi> api_;
  std::unique_ptr<FailureContext> context_;  // prints logs() when an assertion fails
};

}  // namespace e2e
