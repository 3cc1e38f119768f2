// Router: header checks, JSON envelope, the routes, error mapping (see router.hpp).
//
// Request flow: the HTTP server's network thread parses a request and calls serve(). Routes
// that answer from memory (status, health, metrics, openapi, every refusal) are answered right
// there; POST /send hands the message to the manager and answers from its callback, holding
// no thread while WhatsApp acks; the routes that block on WhatsApp (POST /session waits for a
// QR, DELETE /session for the logout) run on the worker pool. So a slow request never delays
// the others or the reading of new requests.
// Order of checks: secret (401) -> route (404/405) -> tenant (400) -> body (415/413/400).
#include "http/router.hpp"
#include "http/events_route.hpp"
#include "http/send_route.hpp"

#include <algorithm>
#include <chrono>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <vector>

#include <boost/asio/post.hpp>
#include <boost/asio/thread_pool.hpp>

#include "http/auth.hpp"
#include "http/http_server.hpp"
#include "http/json_body.hpp"
#include "http/json_envelope.hpp"
#include "http/metrics_route.hpp"
#include "http/openapi.hpp"
#include "http/session_json.hpp"
#include "metrics/registry.hpp"
#include "metrics/service_metrics.hpp"
#include "util/log.hpp"

namespace sidecar {
namespace {

using http::ApiError;
using http::Request;
using http::Response;
using nlohmann::json;

constexpr const char* kSecretHeader = "X-Internal-Secret";
constexpr const char* kTenantHeader = "X-Tenant-Id";

enum class RouteId {
  create_session, delete_session, status, health, send_message, events, metrics, openapi
};

// One row per (path, method); a path served with several methods has several rows, each
// carrying the same Allow list.
struct Route {
  const char* path;
  RouteId id;
  const char* method;  // the method of this row; GET rows also answer HEAD
  bool needs_tenant;
  bool takes_body;
  bool waits;          // blocks on WhatsApp: served on the worker pool
  const char* allow;   // the Allow header of a 405: every method of the path
};

constexpr Route kRoutes[] = {
    {"/session", RouteId::create_session, "POST", true, true, true, "POST, DELETE"},
    {"/session", RouteId::delete_session, "DELETE", true, false, true, "POST, DELETE"},
    {"/send", RouteId::send_message, "POST", true, true, false, "POST"},
    {"/status", RouteId::status, "GET", true, false, false, "GET, HEAD"},
    // Reads the outbox, which may wait behind a commit: on the worker pool.
    {"/events", RouteId::events, "GET", true, false, true, "GET, HEAD"},
    {"/health", RouteId::health, "GET", false, false, false, "GET, HEAD"},
    {"/metrics", RouteId::metrics, "GET", false, false, false, "GET, HEAD"},
    {"/openapi.json", RouteId::openapi, "GET", false, false, false, "GET, HEAD"},
};

bool method_allowed(const Route& r, const std::string& method) {
  const std::string served = r.method;
  return method == served || (served == "GET" && method == "HEAD");
}

// The row for path and method; when the path exists but not with this method, its first row
// (whose method then fails method_allowed: 405 with that row's Allow list).
const Route* find_route(const std::string& path, const std::string& method) {
  const Route* first = nullptr;
  for (const Route& r : kRoutes) {
    if (path != r.path) continue;
    if (method_allowed(r, method)) return &r;
    if (first == nullptr) first = &r;
  }
  return first;
}

void send(Response& res, int status, const json& envelope) {
  res.status = status;
  res.body = http::serialize(envelope);
  res.set("Content-Type", http::kJsonContentType);
  res.set("Cache-Control", "no-store");
}

void send_error(Response& res, const ApiError& e) {
  send(res, e.status, http::error_envelope(e.code, e.message));
}

ApiError internal_error() { return http::error_for_status(500); }

Response error_response(int status) {
  Response res;
  send_error(res, http::error_for_status(status));
  // A full server asks the client to come back rather than to give up.
  if (status == 503) res.set("Retry-After", "1");
  return res;
}

// Paths are attacker-chosen: keep printable ASCII only and cap the length, so a log line
// stays one short line of valid UTF-8.
std::string loggable(const std::string& s) {
  constexpr size_t kMax = 200;
  std::string out;
  out.reserve(std::min(s.size(), kMax));
  for (size_t i = 0; i < s.size() && i < kMax; ++i) {
    const char c = s[i];
    out.push_back(c >= 0x20 && c < 0x7f ? c : '?');
  }
  if (s.size() > kMax) out += "...";
  return out;
}

void log_access(const Request& req, const Response& res,
                std::chrono::steady_clock::time_point started) {
  if (!util::log::enabled(util::log::Level::debug)) return;
  const auto us = std::chrono::duration_cast<std::chrono::microseconds>(
                      std::chrono::steady_clock::now() - started)
                      .count();
  json fields{{"method", loggable(req.method)}, {"path", loggable(req.path)},
              {"status", res.status}, {"duration_ms", static_cast<double>(us) / 1000.0}};
  const std::vector<std::string> tenants = req.values(kTenantHeader);
  std::string tenant;
  // Only ever log a well-formed id.
  if (tenants.size() == 1 && valid_tenant_id(tenants.front())) tenant = tenants.front();
  util::log::debug("http_request", tenant, fields);
}

http::ServerLimits limits_from(const Config& c) {
  http::ServerLimits l;
  l.max_connections = static_cast<size_t>(c.http_max_connections);
  l.header_timeout = std::chrono::milliseconds(c.http_header_timeout_ms);
  l.body_timeout = std::chrono::milliseconds(c.http_body_timeout_ms);
  l.idle_timeout = std::chrono::milliseconds(c.http_idle_timeout_ms);
  return l;
}

}  // namespace

struct Router::Impl {
  Impl(const Config& c, SessionService& s, EventService& e)
      : config(c),
        sessions(s),
        event_log(e),
        secret(c.internal_secret),
        server(c.host, c.port, limits_from(c),
               {[this](const Request&) { return config.max_body_bytes; },
                [this](Request req, http::HttpServer::Respond respond) {
                  serve(std::move(req), std::move(respond));
                },
                error_response}) {}

  void serve(Request req, http::HttpServer::Respond respond);
  Response handle(const Request& req);
  bool admit(const Request& req, const Route*& route, std::string& tenant, Response& res) const;
  void send_message(Request req, std::chrono::steady_clock::time_point started,
                    http::HttpServer::Respond respond);
  std::optional<ApiError> check_access(const Request& req, const Route*& route,
                                       std::string& tenant) const;
  void route(const Request& req, Response& res, const Route& route, const std::string& tenant);
  void create_session(const Request& req, Response& res, const std::string& tenant);
  void status(Response& res, const std::string& tenant);
  void delete_session(Response& res, const std::string& tenant);
  void health(Response& res);
  void events(const Request& req, Response& res, const std::string& tenant);
  std::optional<http::JsonBody> json_body(const Request& req, Response& res);

  const Config config;
  SessionService& sessions;
  EventService& event_log;
  const http::SecretCheck secret;
  http::HttpServer server;

  std::mutex lifecycle_mu;
  std::optional<boost::asio::thread_pool> workers;
  bool running = false;
};

namespace {

void finish(const Request& req, Response res, std::chrono::steady_clock::time_point started,
            const http::HttpServer::Respond& respond) {
  try {
    log_access(req, res, started);
  } catch (...) {
    // An access log line is never worth a lost response.
  }
  respond(std::move(res));
}

}  // namespace

void Router::Impl::serve(Request req, http::HttpServer::Respond respond) {
  const auto started = std::chrono::steady_clock::now();
  const Route* r = find_route(req.path, req.method);
  const Route* served = r != nullptr && method_allowed(*r, req.method) ? r : nullptr;
  if (served != nullptr && served->id == RouteId::send_message) {
    send_message(std::move(req), started, std::move(respond));
    return;
  }
  auto run = [this, started, req = std::move(req), respond = std::move(respond)]() {
    finish(req, handle(req), started, respond);
  };
  if (served != nullptr && served->waits) {
    boost::asio::post(*workers, std::move(run));
  } else {
    run();
  }
}

std::optional<ApiError> Router::Impl::check_access(const Request& req, const Route*& route,
                                                   std::string& tenant) const {
  // Exactly one secret header: with two, which one a proxy or we would read is ambiguous.
  const std::vector<std::string> secrets = req.values(kSecretHeader);
  if (secrets.size() != 1 || !secret.matches(secrets.front())) {
    return http::error_for_status(401);
  }
  route = find_route(req.path, req.method);
  if (route == nullptr) return http::error_for_status(404);
  if (!method_allowed(*route, req.method)) return http::error_for_status(405);
  if (!route->needs_tenant) return std::nullopt;

  // The server has already trimmed the whitespace around the value: blank is absent.
  std::vector<std::string> tenants = req.values(kTenantHeader);
  tenants.erase(std::remove(tenants.begin(), tenants.end(), std::string()), tenants.end());
  if (tenants.empty()) {
    return ApiError{400, "missing_tenant_id", "The X-Tenant-Id header is required."};
  }
  if (tenants.size() > 1 || !valid_tenant_id(tenants.front())) {
    return ApiError{400, "invalid_tenant_id",
                    "X-Tenant-Id must be 1 to 64 characters from A-Z, a-z, 0-9, '_' and '-'."};
  }
  tenant = std::move(tenants.front());
  return std::nullopt;
}

// The checks every request passes before its route: true when `res` already answers it.
bool Router::Impl::admit(const Request& req, const Route*& route, std::string& tenant,
                         Response& res) const {
  const std::optional<ApiError> refused = check_access(req, route, tenant);
  // A body the route does not read, or one left partly unread, is not worth keeping the
  // connection in sync for.
  const bool unread_body = req.announced_body && (route == nullptr || !route->takes_body);
  if (unread_body) res.close = true;

  if (refused) {
    send_error(res, *refused);
    if (refused->status == 405) res.set("Allow", route->allow);
    return true;
  }
  if (req.body_too_large) {
    send_error(res, http::error_for_status(413));
    return true;
  }
  return false;
}

// Never throws: a route that fails is logged with its reason and answered with a generic 500
// (exception text may name files or internal state and never reaches the caller).
Response Router::Impl::handle(const Request& req) {
  Response res;
  const Route* route = nullptr;
  std::string tenant;
  if (admit(req, route, tenant, res)) return res;

  const char* op = "unknown";
  try {
    op = route->path;
    this->route(req, res, *route, tenant);
    return res;
  } catch (const std::exception& e) {
    util::log::error("http_route_failed", tenant, {{"operation", op}, {"error", e.what()}});
  } catch (...) {
    util::log::error("http_route_failed", tenant,
                     {{"operation", op}, {"error", "non-standard exception"}});
  }
  Response failed;
  failed.close = res.close;
  send_error(failed, internal_error());
  return failed;
}

void Router::Impl::route(const Request& req, Response& res, const Route& route,
                         const std::string& tenant) {
  switch (route.id) {
    case RouteId::create_session:
      create_session(req, res, tenant);
      return;
    case RouteId::delete_session:
      delete_session(res, tenant);
      return;
    case RouteId::status:
      status(res, tenant);
      return;
    case RouteId::health:
      health(res);
      return;
    case RouteId::events:
      events(req, res, tenant);
      return;
    case RouteId::send_message:
      break;  // asynchronous: serve() hands it to send_message()
    case RouteId::metrics:
      res.status = 200;
      res.body = http::render_metrics(sessions.health(), config.wa_version);
      res.set("Content-Type", metrics::kTextContentType);
      res.set("Cache-Control", "no-store");
      return;
    case RouteId::openapi:
      res.status = 200;
      res.body = std::string(http::openapi_document());
      res.set("Content-Type", http::kJsonContentType);
      res.set("Cache-Control", "no-store");
      return;
  }
  throw std::logic_error("route without a handler");
}

// The request's JSON object, or nullopt after answering the body error.
std::optional<http::JsonBody> Router::Impl::json_body(const Request& req, Response& res) {
  std::optional<std::string> content_type;
  const std::vector<std::string> types = req.values("Content-Type");
  if (!types.empty()) content_type = types.front();
  http::JsonBody parsed =
      http::parse_json_body(content_type ? std::optional<std::string_view>(*content_type)
                                         : std::nullopt,
                            req.body, config.max_body_bytes, req.body_too_large);
  if (parsed.error != http::BodyError::none) {
    send_error(res, http::body_error(parsed.error));
    return std::nullopt;
  }
  return parsed;
}

// POST /send: checked here, then answered from the manager's callback (on the network thread
// that received the server's ack, or at once for an outcome known without WhatsApp).
void Router::Impl::send_message(Request req, std::chrono::steady_clock::time_point started,
                                http::HttpServer::Respond respond) {
  Response res;
  const Route* route = nullptr;
  std::string tenant;
  if (admit(req, route, tenant, res)) return finish(req, std::move(res), started, respond);
  auto parsed = json_body(req, res);
  if (!parsed) return finish(req, std::move(res), started, respond);
  auto validated = http::validate_send_body(parsed->object);
  if (auto* err = std::get_if<http::ApiError>(&validated)) {
    metrics::count_send(err->code);
    send_error(res, *err);
    return finish(req, std::move(res), started, respond);
  }
  const http::SendRequest send_request = std::move(std::get<http::SendRequest>(validated));
  const bool close = res.close;
  auto shared_req = std::make_shared<const Request>(std::move(req));
  try {
    sessions.send_text(
        tenant, send_request.to, send_request.message,
        [shared_req, started, respond, close](SendOutcome outcome) {
          Response out;
          out.close = close;
          auto [status, envelope] = http::send_response(outcome);
          // Counted here, where the outcome has its API error code (send_route.cpp maps it).
          metrics::count_send(status == 200 ? "" : envelope["error"].value("code", "other"));
          if (status == 200) {
            metrics::observe_send_latency(
                std::chrono::duration<double>(std::chrono::steady_clock::now() - started)
                    .count());
          }
          send(out, status, envelope);
          if (status == 429) out.set("Retry-After", "1");
          finish(*shared_req, std::move(out), started, respond);
        });
  } catch (const std::exception& e) {
    // Thrown before the message was handed over: nothing was sent.
    util::log::error("http_route_failed", tenant, {{"operation", "/send"}, {"error", e.what()}});
    metrics::count_send("internal_error");
    Response failed;
    failed.close = close;
    send_error(failed, internal_error());
    finish(*shared_req, std::move(failed), started, respond);
  }
}

void Router::Impl::create_session(const Request& req, Response& res, const std::string& tenant) {
  auto body = json_body(req, res);
  if (!body) return;
  // {"webhookUrl": "https://..." | null}, optional; unknown keys are ignored so the gateway can
  // add some first. The URL is set before the session starts, so its first events use it.
  auto change = http::parse_webhook_url_field(body->object);
  if (auto* err = std::get_if<http::ApiError>(&change)) return send_error(res, *err);
  const auto& webhook = std::get<http::WebhookUrlChange>(change);
  if (webhook.present) {
    if (webhook.url && !event_log.can_sign()) {
      return send_error(res, {409, "webhooks_not_configured",
                              "The service has no webhook_secret to sign webhooks with."});
    }
    try {
      event_log.set_webhook_url(tenant, webhook.url);
    } catch (const WebhookUrlError& e) {
      return send_error(res, {400, "invalid_webhook_url",
                              std::string("'webhookUrl' ") + e.what() + "."});
    }
  }
  const SessionService::CreateResult result = sessions.create_session(tenant);
  send(res, result.created ? 201 : 200,
       http::success_envelope(http::session_created_json(result.view)));
}

void Router::Impl::status(Response& res, const std::string& tenant) {
  const std::optional<SessionView> view = sessions.status(tenant);
  if (!view) {
    send_error(res, {404, "session_not_found", "No session exists for this tenant."});
    return;
  }
  send(res, 200, http::success_envelope(http::session_status_json(*view)));
}

// DELETE /session: 200 {tenantId, status: "logged_out"} / 404 session_not_found (also for a
// repeated DELETE) / 502 logout_failed (WhatsApp refused or did not answer; files kept).
void Router::Impl::delete_session(Response& res, const std::string& tenant) {
  const DeleteOutcome out = sessions.delete_session(tenant);
  switch (out.kind) {
    case DeleteOutcome::Kind::deleted:
      send(res, 200,
           http::success_envelope(json{{"tenantId", tenant}, {"status", kStatusLoggedOut}}));
      return;
    case DeleteOutcome::Kind::not_found:
      send_error(res, {404, "session_not_found", "No session exists for this tenant."});
      return;
    case DeleteOutcome::Kind::failed:
      send_error(res, {502, "logout_failed",
                       out.message.empty() ? "WhatsApp did not confirm the logout; nothing was deleted."
                                           : out.message + " Nothing was deleted."});
      return;
  }
  send_error(res, internal_error());
}

// GET /events?after=&limit=: the tenant's events, oldest first, whether or not a session
// exists now (a deleted session's events stay until they expire).
void Router::Impl::events(const Request& req, Response& res, const std::string& tenant) {
  auto query = http::parse_event_query(req.target);
  if (auto* err = std::get_if<http::ApiError>(&query)) return send_error(res, *err);
  const auto& q = std::get<http::EventQuery>(query);
  send(res, 200, http::success_envelope(http::event_page_json(event_log.events(tenant, q.after, q.limit))));
}

void Router::Impl::health(Response& res) {
  send(res, 200, http::success_envelope(http::health_json(sessions.health())));
}

Router::Router(const Config& config, SessionService& sessions, EventService& events)
    : impl_(std::make_unique<Impl>(config, sessions, events)) {}

std::vector<Router::RouteInfo> Router::routes() {
  std::vector<RouteInfo> out;
  for (const Route& r : kRoutes) out.push_back({r.method, r.path, r.needs_tenant});
  return out;
}

Router::~Router() { stop(); }

int Router::start() {
  std::lock_guard<std::mutex> lock(impl_->lifecycle_mu);
  if (impl_->running) throw std::logic_error("Router::start called twice");
  const size_t threads = static_cast<size_t>(std::max(1, impl_->config.http_threads));
  impl_->workers.emplace(threads);
  int port = 0;
  try {
    port = impl_->server.start();
  } catch (...) {
    impl_->workers->join();
    impl_->workers.reset();
    throw;
  }
  impl_->running = true;
  util::log::info("http_listening", "", {{"host", impl_->config.host}, {"port", port}});
  return port;
}

void Router::stop() {
  std::lock_guard<std::mutex> lock(impl_->lifecycle_mu);
  if (!impl_->running) return;
  impl_->running = false;
  // The server waits for every response in flight, so the workers are idle once it returns.
  impl_->server.stop();
  impl_->workers->join();
  impl_->workers.reset();
}

}  // namespace sidecar
