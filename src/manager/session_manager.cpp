#include "manager/session_manager.hpp"

#include <chrono>
#include <filesystem>

#include "util/log.hpp"
#include "util/qr_image.hpp"

namespace sidecar {
namespace {

wa::ClientOptions client_options_from(const Config& c) {
  wa::ClientOptions o;
  o.url = c.wa_url;
  auto root = util::hex_decode(c.noise_root_key);
  if (!root || root->size() != 32) throw ConfigError("noise_root_key must be 32 bytes of hex");
  o.noise_root = util::curve::to_key32(*root);
  auto version = wa::WaVersion::parse(c.wa_version);
  if (!version) throw ConfigError("wa_version must look like 2.3000.1045649367");
  o.version = *version;
  o.props.os = c.device_os;
  o.qr_first_ref_ms = c.qr_first_ref_ms;
  o.qr_next_ref_ms = c.qr_next_ref_ms;
  o.keepalive_min_ms = c.keepalive_interval_min_ms;
  o.keepalive_max_ms = c.keepalive_interval_max_ms;
  o.keepalive_timeout_ms = c.keepalive_timeout_ms;
  o.keepalive_dead_ms = c.keepalive_dead_ms;
  return o;
}

bool is_terminal(wa::Phase p) {
  return p == wa::Phase::failed || p == wa::Phase::logged_out || p == wa::Phase::qr_timeout ||
         p == wa::Phase::idle;
}

// Whether POST /session has something to show: a QR, a login, or a final state.
bool has_answer(wa::Phase p) {
  switch (p) {
    case wa::Phase::qr:
    case wa::Phase::connected:
    case wa::Phase::pairing:
    case wa::Phase::failed:
    case wa::Phase::logged_out:
    case wa::Phase::qr_timeout:
      return true;
    default:
      return false;
  }
}

}  // namespace

SessionManager::SessionManager(const Config& config, webhooks::Deliverer& deliverer)
    : config_(config),
      deliverer_(deliverer),
      client_options_(client_options_from(config)),
      started_ms_(wa::now_ms()),
      net_(static_cast<size_t>(config.network_threads)) {}

SessionManager::~SessionManager() { shutdown(); }

void SessionManager::start() {
  // The sessions root is as private as the tenant directories beneath it.
  if (std::filesystem::create_directories(config_.sessions_dir)) {
    std::filesystem::permissions(config_.sessions_dir, std::filesystem::perms::owner_all,
                                 std::filesystem::perm_options::replace);
  }
  net_.start();
  util::log::info("network_threads", "", {{"count", net_.size()}});

  size_t restored = 0;
  for (const std::string& tenant : wa::store::Store::list_tenants(config_.sessions_dir)) {
    try {
      auto turn = tenant_locks_.acquire(tenant);
      auto s = open_session(tenant, /*create=*/false);
      if (!s) continue;
      // Events staged before a crash reach the outbox before anything newer of the tenant.
      s->events->relay();
      s->client->start();
      ++restored;
    } catch (const std::exception& e) {
      util::log::error("restore_failed", tenant, {{"error", e.what()}});
    }
  }
  util::log::info("sessions_restored", "", {{"count", restored}});
}

void SessionManager::disconnect_all() {
  std::map<std::string, std::shared_ptr<Session>> sessions;
  {
    std::lock_guard<std::mutex> lk(mu_);
    sessions = sessions_;
  }
  for (auto& [tenant, s] : sessions) s->client->stop();
}

void SessionManager::shutdown() {
  std::map<std::string, std::shared_ptr<Session>> sessions;
  {
    std::lock_guard<std::mutex> lk(mu_);
    if (shut_down_) return;
    shut_down_ = true;
    sessions = sessions_;
  }
  cv_.notify_all();  // POST /session waiting for a QR answers now
  for (auto& [tenant, s] : sessions) s->client->stop();
  // Give the close handshakes a moment, then stop the loops (never started: no socket is open).
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(3);
  for (auto& [tenant, s] : sessions) {
    while (s->client->snapshot().socket_open && std::chrono::steady_clock::now() < deadline)
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  net_.stop();
  {
    std::lock_guard<std::mutex> lk(mu_);
    sessions_.clear();
  }
  sessions.clear();
  // What the stores committed last reaches the disk, and the events it staged the outbox.
  sync_.stop();
  background_.stop();
}

std::shared_ptr<SessionManager::Session> SessionManager::find_live(const std::string& tenant) {
  std::lock_guard<std::mutex> lk(mu_);
  if (shut_down_) throw std::runtime_error("shutting down");
  auto it = sessions_.find(tenant);
  return it == sessions_.end() ? nullptr : it->second;
}

// Opens (or, with create, makes) the tenant's store and client. Returns nullptr when the tenant
// has no stored paired session and create is false. The caller holds the tenant's turn.
std::shared_ptr<SessionManager::Session> SessionManager::open_session(const std::string& tenant,
                                                                      bool create) {
  const std::string dir = (std::filesystem::path(config_.sessions_dir) / tenant).string();
  auto closed = std::make_shared<std::promise<void>>();
  std::shared_future<void> store_closed = closed->get_future().share();
  // Closing a store may checkpoint and sync (the last connection folds its WAL into store.db):
  // that happens on the background worker, whichever thread lets go of the store last.
  util::WorkerThreads* closer = &background_;
  std::shared_ptr<wa::store::Store> store(wa::store::Store::open(dir, &sync_).release(),
                                          [closed, closer](wa::store::Store* p) {
                                            closer->post([p, closed] {
                                              delete p;
                                              closed->set_value();
                                            });
                                          });
  auto device = store->load_device();
  if (!create && !(device && device->paired())) {
    // Nothing to restore (an abandoned QR attempt, or logged out from the phone), but events
    // staged before the logout still go out.
    TenantEvents(tenant, store, deliverer_, background_).relay();
    return nullptr;
  }
  if (!device) {
    device = wa::store::Device::generate();
    // Keys are persisted before the first connection (§6): the QR carries them.
    store->save_device(*device);
  }
  auto s = std::make_shared<Session>();
  s->tenant = tenant;
  s->store = store;
  s->store_closed = std::move(store_closed);
  s->events = std::make_shared<TenantEvents>(tenant, store, deliverer_, background_);
  NetworkThreads::Loop& loop = net_.pick();
  s->io = &loop.io;
  // The client reports changes on the io thread: waiters wake, and a new status or QR becomes
  // a session.status event. Weak: the Session owns the Client.
  std::weak_ptr<Session> weak = s;
  s->client = std::make_shared<wa::Client>(loop.io, *loop.ws, store, std::move(*device), client_options_,
                                           tenant, [this, weak] {
                                             notify();
                                             if (auto live = weak.lock()) {
                                               live->events->status_changed(
                                                   view_of(*live, /*with_image=*/false));
                                             }
                                           });
  s->client->set_event_sink(s->events);
  std::lock_guard<std::mutex> lk(mu_);
  if (shut_down_) throw std::runtime_error("shutting down");
  sessions_[tenant] = s;
  return s;
}

void SessionManager::notify() {
  // Taking the lock orders the notification after any waiter's predicate check.
  { std::lock_guard<std::mutex> lk(mu_); }
  cv_.notify_all();
}

SessionService::CreateResult SessionManager::create_session(const std::string& tenant) {
  std::shared_ptr<Session> s;
  bool created = false;
  {
    // Find-or-create is one step under the tenant's turn: of concurrent POSTs exactly one
    // creates the session (and its one connection), the others find it.
    auto turn = tenant_locks_.acquire(tenant);
    s = find_live(tenant);
    if (!s) {
      s = open_session(tenant, /*create=*/true);
      created = true;
      s->client->start();
    } else if (is_terminal(s->client->snapshot().phase)) {
      // A session that ended (QR expired, logged out, pairing refused) starts over.
      s->client->start();
    }
  }

  // Wait, bounded and without the turn, until there is something to show. A DELETE that
  // removes the session meanwhile ends the wait at once: it needs every reference to the
  // session gone before it may delete the files.
  bool removed = false;
  {
    std::unique_lock<std::mutex> lk(mu_);
    cv_.wait_for(lk, std::chrono::milliseconds(config_.qr_wait_ms), [&] {
      auto it = sessions_.find(tenant);
      removed = it == sessions_.end() || it->second != s;
      return shut_down_ || removed || has_answer(s->client->snapshot().phase);
    });
  }
  SessionView view = view_of(*s);
  if (removed) {
    // What the DELETE left: the same answer it gave its own caller, and no QR that nobody can
    // scan any more. POST again to pair.
    view.status = kStatusLoggedOut;
    view.connected = false;
    view.qr.reset();
    view.qr_image.reset();
    view.qr_expires_at_ms.reset();
  }
  return CreateResult{created, view};
}

std::optional<SessionView> SessionManager::status(const std::string& tenant) {
  std::shared_ptr<Session> s;
  {
    std::lock_guard<std::mutex> lk(mu_);
    auto it = sessions_.find(tenant);
    if (it == sessions_.end()) return std::nullopt;
    s = it->second;
  }
  return view_of(*s);
}

HealthView SessionManager::health() {
  std::vector<std::shared_ptr<Session>> all;
  {
    std::lock_guard<std::mutex> lk(mu_);
    for (auto& [t, s] : sessions_) all.push_back(s);
  }
  HealthView h;
  const int64_t now = wa::now_ms();
  h.total = all.size();
  for (auto& s : all) {
    const std::string status = derive_status(s->client->snapshot(), client_options_, now);
    ++h.by_status[status];
    if (status == kStatusConnected) ++h.connected;
  }
  h.uptime_seconds = (now - started_ms_) / 1000;
  h.version = WA_SIDECAR_VERSION_STRING;
  return h;
}

SessionView SessionManager::view_of(Session& s, bool with_image) {
  const wa::ClientSnapshot snap = s.client->snapshot();
  const int64_t now = wa::now_ms();
  SessionView v;
  v.tenant_id = s.tenant;
  v.status = derive_status(snap, client_options_, now);
  v.connected = v.status == kStatusConnected;
  if (!snap.jid.empty()) {
    v.jid = snap.jid;
    if (auto jid = wa::Jid::parse(snap.jid)) v.phone_number = jid->user;
  }
  if (snap.phase == wa::Phase::qr && !snap.qr.empty()) {
    v.qr = snap.qr;
    v.qr_expires_at_ms = snap.qr_expires_at_ms;
    if (with_image) {
      std::lock_guard<std::mutex> lk(mu_);
      if (s.qr_image_sequence != snap.qr_sequence) {
        s.qr_image = util::qr_png_data_url(snap.qr);
        s.qr_image_sequence = snap.qr_sequence;
      }
      v.qr_image = s.qr_image;
    }
  }
  v.qr_sequence = snap.qr_sequence;
  v.since_ms = snap.phase_since_ms;
  if (snap.last_frame_ms) v.last_activity_ms = snap.last_frame_ms;
  if (snap.last_error) v.last_error = ErrorInfo{snap.last_error->code, snap.last_error->message, snap.last_error->at_ms};
  v.reconnect_attempts = snap.reconnect_attempts;
  return v;
}

}  // namespace sidecar
