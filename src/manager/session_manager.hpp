// The client manager: tenants -> sessions. Owns the network loop (one Asio io_context on its
// own thread, shared by every tenant's connection), restores stored sessions at start-up and
// answers the router through SessionService.
// Thread-safety: all public methods may be called from any thread.
#pragma once
#include <asio/io_context.hpp>
#include <condition_variable>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <thread>
#include "config/config.hpp"
#include "manager/session_service.hpp"
#include "wa/client.hpp"

namespace sidecar {

class SessionManager : public SessionService {
 public:
  explicit SessionManager(const Config& config);
  ~SessionManager() override;

  // Starts the network thread and reconnects every stored, paired session (no QR needed).
  void start();
  // Disconnects every session cleanly and stops the network thread. Idempotent.
  void shutdown();
  // Closes every WhatsApp connection without reconnecting, keeping the loop running: requests
  // still waiting on the server fail at once instead of running into their timeouts (the
  // shutdown's bound on sends that are still being prepared).
  void disconnect_all();

  CreateResult create_session(const std::string& tenant_id) override;
  std::optional<SessionView> status(const std::string& tenant_id) override;
  HealthView health() override;
  SendOutcome send_text(const std::string& tenant_id, const std::string& to,
                        const std::string& message) override;
  DeleteOutcome delete_session(const std::string& tenant_id) override;  // session_logout.cpp

 private:
  struct Session {
    std::string tenant;
    std::shared_ptr<wa::store::Store> store;
    std::shared_ptr<wa::Client> client;
    // QR image cache: rendering a PNG per status call would be wasted work.
    int qr_image_sequence = -1;
    std::string qr_image;
  };
  std::shared_ptr<Session> open_session(const std::string& tenant, bool create);
  SessionView view_of(Session& s);
  void notify();

  Config config_;
  wa::ClientOptions client_options_;
  int64_t started_ms_;
  asio::io_context io_;
  std::unique_ptr<asio::executor_work_guard<asio::io_context::executor_type>> work_;
  std::unique_ptr<wa::socket::WsConnector> ws_;
  std::thread io_thread_;

  std::mutex mu_;  // guards sessions_ and the Session fields above
  std::condition_variable cv_;
  std::map<std::string, std::shared_ptr<Session>> sessions_;
  bool shut_down_ = false;
  // Added (issue 4): tenants whose DELETE /session is in progress; a second DELETE for the same
  // tenant waits for the first (session_logout.cpp).
  std::set<std::string> deleting_;
};

// Maps what the client knows (transport facts) to the API status (README "Session life cycle").
std::string derive_status(const wa::ClientSnapshot& s, const wa::ClientOptions& opt, int64_t now_ms);

}  // namespace sidecar
