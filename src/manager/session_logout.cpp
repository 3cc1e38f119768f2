// DELETE /session through the manager (PROTOCOL.md §11): unlink the device on WhatsApp's side
// through the tenant's client, then stop the session and delete its directory.
//
// Order (whatsmeow client.go Logout): the files go only after WhatsApp confirmed, so a refused or
// unanswered logout leaves everything in place and can be retried (502). A session that is not
// logged in right now cannot tell WhatsApp; its files are deleted anyway (see Client::logout).
// Idempotence: once deleted, the tenant has neither a session nor a directory, so a repeated
// DELETE is answered 404 and never touches anything.
#include <asio/post.hpp>
#include <filesystem>
#include <future>
#include <thread>

#include "manager/session_manager.hpp"
#include "util/log.hpp"

namespace sidecar {
namespace {

// How long, beyond the client's own logout timeout, the HTTP thread waits for its answer.
constexpr std::chrono::milliseconds kLogoutMargin{5000};
// Bounds on tearing the session down after a successful logout.
constexpr std::chrono::milliseconds kTeardownWait{5000};

bool wait_for(const std::function<bool()>& pred, std::chrono::milliseconds bound) {
  const auto deadline = std::chrono::steady_clock::now() + bound;
  while (!pred()) {
    if (std::chrono::steady_clock::now() >= deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  return true;
}

}  // namespace

DeleteOutcome SessionManager::delete_session(const std::string& tenant) {
  const std::string dir = (std::filesystem::path(config_.sessions_dir) / tenant).string();
  std::shared_ptr<Session> s;
  {
    // One DELETE per tenant at a time: a second one waits for the first (which is bounded by
    // the logout timeout) and then finds what it left: usually nothing, hence 404.
    std::unique_lock<std::mutex> lk(mu_);
    cv_.wait(lk, [&] { return shut_down_ || deleting_.count(tenant) == 0; });
    if (shut_down_) throw std::runtime_error("shutting down");
    deleting_.insert(tenant);
    auto it = sessions_.find(tenant);
    if (it != sessions_.end()) s = it->second;
  }
  struct Done {
    SessionManager& m;
    const std::string& tenant;
    ~Done() {
      {
        std::lock_guard<std::mutex> lk(m.mu_);
        m.deleting_.erase(tenant);
      }
      m.cv_.notify_all();
    }
  } done{*this, tenant};

  std::error_code ec;
  // symlink_status: a symlink named like the tenant is not a session directory of ours.
  const bool stored = std::filesystem::is_directory(std::filesystem::symlink_status(dir, ec));
  if (!s && !stored) return {DeleteOutcome::Kind::not_found, "No session exists for this tenant."};

  if (s) {
    // 1. Unlink on WhatsApp's side; nothing is deleted unless that succeeded (or was impossible).
    auto answer = std::make_shared<std::promise<std::pair<bool, std::string>>>();
    auto future = answer->get_future();
    s->client->logout([answer](bool ok, std::string why) {
      answer->set_value({ok, std::move(why)});
    });
    const auto bound = std::chrono::milliseconds(client_options_.logout_timeout_ms) + kLogoutMargin;
    if (future.wait_for(bound) != std::future_status::ready) {
      util::log::warn("logout_failed", tenant, {{"reason", "no answer from the client"}});
      return {DeleteOutcome::Kind::failed, "WhatsApp did not answer the logout request in time."};
    }
    auto [ok, why] = future.get();
    if (!ok) {
      util::log::warn("logout_failed", tenant, {{"reason", why}});
      return {DeleteOutcome::Kind::failed, why};
    }
    if (!why.empty()) util::log::info("logout_without_server", tenant, {{"reason", why}});

    // 2. Stop the session for good. stop() is posted to the io thread; a barrier posted after
    //    it tells when it ran, then the close handshake (if a socket was still open) is awaited.
    s->client->stop();
    auto barrier = std::make_shared<std::promise<void>>();
    auto barrier_done = barrier->get_future();
    asio::post(io_, [barrier] { barrier->set_value(); });
    barrier_done.wait_for(kTeardownWait);
    wait_for([&] { return !s->client->snapshot().socket_open; }, kTeardownWait);

    // 3. Forget it, and let the Client (which owns the Store) be destroyed on the io thread
    //    that runs its timers and socket.
    std::weak_ptr<wa::store::Store> store = s->store;
    {
      std::lock_guard<std::mutex> lk(mu_);
      auto it = sessions_.find(tenant);
      if (it != sessions_.end() && it->second == s) sessions_.erase(it);
    }
    asio::post(io_, [s = std::move(s)]() mutable { s.reset(); });
    // The database must be closed before its files go: SQLite removes the -wal file by name when
    // the last connection closes, which would hit a new session's file at the same path.
    if (!wait_for([&] { return store.expired(); }, kTeardownWait))
      util::log::warn("store_still_open", tenant);
  }

  // 4. The files: credentials, Signal state, everything under SESSIONS_DIR/<tenant>.
  wa::store::Store::destroy(dir);
  util::log::info("session_deleted", tenant);
  notify();
  return {DeleteOutcome::Kind::deleted, "Logged out; the session's files were deleted."};
}

}  // namespace sidecar
