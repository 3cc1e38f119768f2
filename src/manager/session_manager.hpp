// The client manager: tenants -> sessions. Owns the threads of the WhatsApp side (README
// "Threads"): the network threads every tenant's connection lives on (network_threads.hpp), the
// SyncPool that makes the tenants' stores durable, and one background worker for the blocking
// work around them (the webhook outbox, closing stores). Restores stored sessions at start-up
// and answers the router through SessionService. Each session's events (status changes,
// messages, receipts) go to the webhook deliverer through its TenantEvents.
// Thread-safety: all public methods may be called from any thread; they block at most on a
// tenant's own work (POST /session's QR wait, DELETE's logout), never on a network thread.
#pragma once
#include <asio/io_context.hpp>
#include <atomic>
#include <condition_variable>
#include <future>
#include <map>
#include <memory>
#include <mutex>
#include <thread>
#include "config/config.hpp"
#include "manager/network_threads.hpp"
#include "manager/session_service.hpp"
#include "manager/tenant_events.hpp"
#include "manager/tenant_locks.hpp"
#include "util/worker_threads.hpp"
#include "wa/client.hpp"
#include "wa/store/sync_pool.hpp"

namespace sidecar {

class SessionManager : public SessionService {
 public:
  // `deliverer` must outlive the manager.
  SessionManager(const Config& config, webhooks::Deliverer& deliverer);
  ~SessionManager() override;

  // Starts the network threads and reconnects every stored, paired session (no QR needed).
  void start();
  // Disconnects every session cleanly and stops the threads. Idempotent.
  void shutdown();
  // Closes every WhatsApp connection without reconnecting, keeping the loop running: requests
  // still waiting on the server fail at once instead of running into their timeouts (the
  // shutdown's bound on sends that are still being prepared).
  void disconnect_all();

  CreateResult create_session(const std::string& tenant_id) override;
  std::optional<SessionView> status(const std::string& tenant_id) override;
  HealthView health() override;
  void send_text(const std::string& tenant_id, const std::string& to, const std::string& message,
                 SendDone done) override;  // session_send.cpp
  DeleteOutcome delete_session(const std::string& tenant_id) override;  // session_logout.cpp

 private:
  struct Session {
    std::string tenant;
    asio::io_context* io = nullptr;  // the network thread's context the client lives on
    std::shared_ptr<wa::store::Store> store;
    std::shared_ptr<wa::Client> client;
    std::shared_ptr<TenantEvents> events;
    // Ready once the store's database is closed, by whichever of its owners (this Session, the
    // Client) let go of it last. A weak_ptr would expire before the close has finished.
    std::shared_future<void> store_closed;
    // Sends accepted and not yet answered (POST /send's backpressure). Shared with the
    // callbacks of those sends, which may outlive the Session.
    std::shared_ptr<std::atomic<int>> pending_sends = std::make_shared<std::atomic<int>>(0);
    // QR image cache: rendering a PNG per status call would be wasted work.
    int qr_image_sequence = -1;
    std::string qr_image;
  };
  // The tenant's session, or nullptr. Throws once the manager is shut down.
  std::shared_ptr<Session> find_live(const std::string& tenant);
  std::shared_ptr<Session> open_session(const std::string& tenant, bool create);
  // Forgets the session, closes its connection and waits until its Client and Store are
  // destroyed; throws if something still holds them after a bound (session_logout.cpp).
  void retire(std::shared_ptr<Session> s);
  // with_image: render the QR as a PNG data URL (the API's qrImage; events carry only the text).
  SessionView view_of(Session& s, bool with_image = true);
  void notify();

  Config config_;
  webhooks::Deliverer& deliverer_;
  wa::ClientOptions client_options_;
  int64_t started_ms_;
  // Declared so that they are destroyed in this order from the bottom: the network threads
  // (whose contexts may hold the last references to clients and stores) first, then the pool
  // that syncs the stores, then the worker that closes them.
  util::WorkerThreads background_{1};  // one thread: tasks run in posting order (TenantEvents)
  // Syncs that wait on a slow disk occupy a thread each, not a core: enough of them that one
  // tenant's slow sync never delays another's.
  static constexpr size_t kSyncThreads = 4;
  wa::store::SyncPool sync_{kSyncThreads};
  NetworkThreads net_;

  // Held by create, restore and delete of a tenant for as long as they change what exists of
  // it (map entry, connection, files); never while merely waiting for a QR or a send.
  TenantLocks tenant_locks_;
  std::mutex mu_;  // guards sessions_ and the Session fields above
  std::condition_variable cv_;  // a client changed, or a session was removed
  std::map<std::string, std::shared_ptr<Session>> sessions_;
  bool shut_down_ = false;
};

// Maps what the client knows (transport facts) to the API status (README "Session life cycle").
std::string derive_status(const wa::ClientSnapshot& s, const wa::ClientOptions& opt, int64_t now_ms);

}  // namespace sidecar
