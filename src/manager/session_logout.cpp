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

#include "manager/session_manager.hpp"
#include "util/log.hpp"

namespace sidecar {
namespace {

// How long, beyond the client's own logout timeout, the HTTP thread waits for its answer.
constexpr std::chrono::milliseconds kLogoutMargin{5000};
// Bound on closing the connection (websocketpp gives the close handshake 2 s) and on the others
// that hold the session letting go of it (a POST that was waiting for its QR, a send being
// answered): each takes milliseconds once the connection is closed.
constexpr std::chrono::milliseconds kTeardownWait{5000};

}  // namespace

DeleteOutcome SessionManager::delete_session(const std::string& tenant) {
  const std::string dir = (std::filesystem::path(config_.sessions_dir) / tenant).string();
  // The tenant's turn, for the whole DELETE: no POST creates or restarts the session while it
  // is logged out, stopped and its files removed. A second DELETE waits for the first (bounded
  // by the logout timeout) and then finds what it left: usually nothing, hence 404.
  auto turn = tenant_locks_.acquire(tenant);
  std::shared_ptr<Session> s = find_live(tenant);

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

    // 2. The session's last events: whatever is still staged in its store (which is about to be
    // deleted), then its logged_out status, even when WhatsApp could not be told. The events
    // outlive the session in the outbox and are delivered like any other.
    if (!s->events->relay()) {
      return {DeleteOutcome::Kind::failed,
              "The session's pending events could not be saved."};
    }
    SessionView last = view_of(*s, /*with_image=*/false);
    last.status = kStatusLoggedOut;
    last.connected = false;
    last.qr.reset();
    last.qr_expires_at_ms.reset();
    s->events->finish(last);

    // 3. Nothing of the session may outlive it: connection, timers, Client, Store.
    retire(std::move(s));
  }

  // 4. The files: credentials, Signal state, everything under SESSIONS_DIR/<tenant>.
  wa::store::Store::destroy(dir);
  util::log::info("session_deleted", tenant);
  return {DeleteOutcome::Kind::deleted, "Logged out; the session's files were deleted."};
}

void SessionManager::retire(std::shared_ptr<Session> s) {
  const std::string tenant = s->tenant;
  // Forgotten first: GET /status and POST /send answer 404 from here on, and a POST /session
  // waiting for this session's QR returns now instead of holding the session until its deadline.
  {
    std::lock_guard<std::mutex> lk(mu_);
    auto it = sessions_.find(tenant);
    if (it != sessions_.end() && it->second == s) sessions_.erase(it);
  }
  cv_.notify_all();

  // Closing the connection also answers every send the client held (a message waiting for its
  // ack: outcome unknown; queued ones: not sent), so their HTTP threads let go of the session.
  auto stopped = std::make_shared<std::promise<void>>();
  auto closed = stopped->get_future();
  s->client->stop([stopped] { stopped->set_value(); });
  if (closed.wait_for(kTeardownWait) != std::future_status::ready)
    util::log::warn("session_close_slow", tenant,
                    {{"waited_ms", static_cast<int64_t>(kTeardownWait.count())}});

  // Our reference goes on the client's network thread, which runs its timers and handlers: when
  // it is the last one, the Client is destroyed there (its Store is closed on the worker).
  std::weak_ptr<wa::Client> client = s->client;
  std::shared_future<void> store_closed = s->store_closed;
  asio::io_context* io = s->io;
  asio::post(*io, [s = std::move(s)]() mutable { s.reset(); });
  // The database must be closed before its files go: SQLite removes the -wal file by name when
  // the last connection closes, which would hit a new session's file at the same path, and a
  // store still open would write on into deleted files. The Client holds the Store until its
  // destructor, so a closed store also means the Client is gone.
  if (store_closed.wait_for(kTeardownWait) != std::future_status::ready || !client.expired())
    throw std::runtime_error("the session of tenant " + tenant +
                             " is still in use after it was stopped; its files were kept");
}

}  // namespace sidecar
