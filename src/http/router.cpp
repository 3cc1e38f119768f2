// Router: header checks, JSON envelope, the routes, error mapping (see router.hpp).
//
// Request flow (one httplib worker thread per request):
//   pre-routing handler -> every request except the POSTs is answered right there (also
//   DELETE /session);
//   POST /session, /send -> content-reader routes, so their bodies are read with our size cap.
// Answering from pre-routing avoids httplib's catch-all regex routes: libstdc++'s std::regex
// matches ".*" recursively, one stack frame per byte of the path.
// Order of checks: secret (401) -> route (404/405) -> tenant (400) -> body (415/413/400).
#include "http/router.hpp"
#include "http/send_route.hpp"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <thread>
#include <vector>

#include <sys/socket.h>

#include <httplib.h>

#include "http/auth.hpp"
#include "http/body_reader.hpp"
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
using nlohmann::json;

constexpr const char* kSecretHeader = "X-Internal-Secret";
constexpr const char* kTenantHeader = "X-Tenant-Id";

// httplib defaults are 5 s; a gateway on the same network never needs longer to send a
// request of at most max_body_bytes, and the worker is released sooner on a stalled client.
constexpr time_t kReadTimeoutSec = 10;
constexpr time_t kWriteTimeoutSec = 10;
// Each open keep-alive connection holds a worker thread while idle, so idle time stays short.
constexpr time_t kKeepAliveTimeoutSec = 5;
constexpr size_t kKeepAliveMaxRequests = 100;

enum class RouteId { create_session, delete_session, status, health, send_message, metrics, openapi };

// One row per (path, method); a path served with several methods has several rows, each
// carrying the same Allow list.
struct Route {
  const char* path;
  RouteId id;
  const char* method;  // the method of this row; GET rows also answer HEAD
  bool needs_tenant;
  const char* allow;   // the Allow header of a 405: every method of the path
};

constexpr Route kRoutes[] = {
    {"/session", RouteId::create_session, "POST", true, "POST, DELETE"},
    {"/session", RouteId::delete_session, "DELETE", true, "POST, DELETE"},
    {"/send", RouteId::send_message, "POST", true, "POST"},
    {"/status", RouteId::status, "GET", true, "GET, HEAD"},
    {"/health", RouteId::health, "GET", false, "GET, HEAD"},
    {"/metrics", RouteId::metrics, "GET", false, "GET, HEAD"},
    {"/openapi.json", RouteId::openapi, "GET", false, "GET, HEAD"},
};

// All values of a request header, whole. httplib's get_header_value() returns a copy of the
// value's c_str(), which ends at the first NUL; httplib also percent-decodes header values, so
// "acme%00x" arrives as "acme\0x" and would read as the valid id "acme".
std::vector<std::string> header_values(const httplib::Request& req, const char* name) {
  std::vector<std::string> out;
  const auto range = req.headers.equal_range(name);
  for (auto it = range.first; it != range.second; ++it) out.push_back(it->second);
  return out;
}

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

void send(httplib::Response& res, int status, const json& envelope) {
  res.status = status;
  res.set_content(http::serialize(envelope), http::kJsonContentType);
  if (!res.has_header("Cache-Control")) res.set_header("Cache-Control", "no-store");
}

void send_error(httplib::Response& res, const ApiError& e) {
  send(res, e.status, http::error_envelope(e.code, e.message));
}

ApiError internal_error() { return http::error_for_status(500); }

// Start time of the request being served on this worker thread, for the access log. The
// pre-routing handler, the route and the logger of one request all run on the same thread
// (httplib's Server::process_request), so no state has to ride on the Request.
struct RequestClock {
  std::chrono::steady_clock::time_point start;
  bool running = false;
};
thread_local RequestClock t_clock;

// Paths are attacker-chosen and percent-decoded by httplib: keep printable ASCII only and cap
// the length, so a log line stays one short line of valid UTF-8.
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

void log_access(const httplib::Request& req, const httplib::Response& res) {
  const RequestClock clock = t_clock;
  t_clock.running = false;
  if (!util::log::enabled(util::log::Level::debug)) return;
  json fields{{"method", loggable(req.method)}, {"path", loggable(req.path)},
              {"status", res.status}};
  if (clock.running) {
    const auto us = std::chrono::duration_cast<std::chrono::microseconds>(
                        std::chrono::steady_clock::now() - clock.start)
                        .count();
    fields["duration_ms"] = static_cast<double>(us) / 1000.0;
  }
  const std::vector<std::string> tenants = header_values(req, kTenantHeader);
  std::string tenant;
  // Only ever log a well-formed id.
  if (tenants.size() == 1 && valid_tenant_id(tenants.front())) tenant = tenants.front();
  util::log::debug("http_request", tenant, fields);
}

}  // namespace

struct Router::Impl {
  Impl(const Config& c, SessionService& s) : config(c), sessions(s), secret(c.internal_secret) {
    configure();
  }

  void configure();
  void handle(const httplib::Request& req, httplib::Response& res,
              const httplib::ContentReader* reader);
  std::optional<ApiError> check_access(const httplib::Request& req, const Route*& route,
                                       std::string& tenant) const;
  void create_session(const httplib::Request& req, httplib::Response& res,
                      const std::string& tenant, const http::BodyRead& body);
  void status(httplib::Response& res, const std::string& tenant);
  void delete_session(httplib::Response& res, const std::string& tenant);
  void health(httplib::Response& res);
  void send_message(const httplib::Request& req, httplib::Response& res,
                    const std::string& tenant, const http::BodyRead& body);
  std::optional<http::JsonBody> json_body(const httplib::Request& req, httplib::Response& res,
                                          const http::BodyRead& body);

  const Config config;
  SessionService& sessions;
  const http::SecretCheck secret;
  httplib::Server server;

  std::mutex lifecycle_mu;
  std::thread listener;
  std::atomic<bool> listener_done{false};
};

void Router::Impl::configure() {
  const size_t threads = config.http_threads > 0 ? static_cast<size_t>(config.http_threads) : 1;
  server.new_task_queue = [threads] { return new httplib::ThreadPool(threads); };
  server.set_read_timeout(kReadTimeoutSec, 0);
  server.set_write_timeout(kWriteTimeoutSec, 0);
  server.set_keep_alive_timeout(kKeepAliveTimeoutSec);
  server.set_keep_alive_max_count(kKeepAliveMaxRequests);
  // httplib writes a response's headers and body separately; with Nagle's algorithm on, the
  // body waits for the client's delayed ACK (~40 ms on Linux). Measured in bench/RESULTS.md.
  server.set_tcp_nodelay(true);
  // httplib's default sets SO_REUSEPORT, which lets a second instance bind the same port and
  // silently take a share of the traffic. SO_REUSEADDR alone still allows a quick restart.
  server.set_socket_options([](socket_t sock) {
    int yes = 1;
    ::setsockopt(sock, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof yes);
  });
  // With this cap httplib skips a body whose Content-Length is over it (so the connection
  // stays in sync) and read_body reports it as too large; chunked bodies are capped there.
  server.set_payload_max_length(config.max_body_bytes);
  server.set_default_headers({{"Cache-Control", "no-store"}});

  server.set_pre_routing_handler([this](const httplib::Request& req, httplib::Response& res) {
    t_clock = {std::chrono::steady_clock::now(), true};
    if (req.method == "POST" && (req.path == "/session" || req.path == "/send")) {
      return httplib::Server::HandlerResponse::Unhandled;  // -> the content-reader route
    }
    handle(req, res, nullptr);
    return httplib::Server::HandlerResponse::Handled;
  });

  for (const char* path : {"/session", "/send"}) {
    server.Post(path, [this](const httplib::Request& req, httplib::Response& res,
                             const httplib::ContentReader& reader) { handle(req, res, &reader); });
  }

  // Every status >= 400 passes here before it is written. Ours already carry a body; the rest
  // are httplib's own (400 malformed request line or headers, 414 URI too long, 416 bad Range)
  // and become our envelope too.
  // This runs outside httplib's try block, so it must not throw.
  server.set_error_handler(httplib::Server::HandlerWithResponse(
      [](const httplib::Request&, httplib::Response& res) {
        if (!res.body.empty()) return httplib::Server::HandlerResponse::Unhandled;
        try {
          send_error(res, http::error_for_status(res.status));
          return httplib::Server::HandlerResponse::Handled;
        } catch (...) {
          return httplib::Server::HandlerResponse::Unhandled;
        }
      }));

  // Anything a route failed to catch: log it, answer a generic 500. Must not throw either.
  server.set_exception_handler(
      [](const httplib::Request& req, httplib::Response& res, std::exception_ptr ep) {
        try {
          std::string what = "non-standard exception";
          try {
            std::rethrow_exception(ep);
          } catch (const std::exception& e) {
            what = e.what();
          } catch (...) {
          }
          util::log::error("http_unhandled_exception", "",
                           {{"path", loggable(req.path)}, {"error", what}});
        } catch (...) {
        }
        try {
          res.headers.clear();  // drop whatever the failed route had set
          send_error(res, internal_error());
        } catch (...) {
        }
      });

  server.set_logger([](const httplib::Request& req, const httplib::Response& res) {
    try {
      log_access(req, res);
    } catch (...) {
      // An access log line is not worth a worker thread (this runs outside httplib's try).
    }
  });
}

std::optional<ApiError> Router::Impl::check_access(const httplib::Request& req,
                                                   const Route*& route,
                                                   std::string& tenant) const {
  // Exactly one secret header: with two, which one a proxy or we would read is ambiguous.
  const std::vector<std::string> secrets = header_values(req, kSecretHeader);
  if (secrets.size() != 1 || !secret.matches(secrets.front())) {
    return http::error_for_status(401);
  }
  route = find_route(req.path, req.method);
  if (route == nullptr) return http::error_for_status(404);
  if (!method_allowed(*route, req.method)) return http::error_for_status(405);
  if (!route->needs_tenant) return std::nullopt;

  // httplib drops a header with an empty value, so "X-Tenant-Id:" reads as missing here.
  std::vector<std::string> tenants = header_values(req, kTenantHeader);
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

void Router::Impl::handle(const httplib::Request& req, httplib::Response& res,
                          const httplib::ContentReader* reader) {
  const Route* route = nullptr;
  std::string tenant;
  const std::optional<ApiError> refused = check_access(req, route, tenant);

  // The body is consumed even when the request is refused, so a keep-alive connection stays
  // in sync; only an accepted POST /session keeps it. Without a reader (every request but
  // POST /session) httplib never reads the body: the connection cannot be reused then.
  http::BodyRead body;
  if (reader != nullptr) {
    const bool keep = !refused && (route->id == RouteId::create_session ||
                                   route->id == RouteId::send_message);
    body = http::read_body(req, res, *reader, config.max_body_bytes, keep);
  } else if (http::announces_body(req)) {
    body.close_connection = true;
  }
  if (body.close_connection) res.set_header("Connection", "close");

  if (refused) {
    if (refused->status == 405) res.set_header("Allow", route->allow);
    send_error(res, *refused);
    return;
  }
  if (body.error_status != 0) {
    send_error(res, http::error_for_status(body.error_status));
    return;
  }

  // A service call that throws is logged with its reason and answered with a generic 500:
  // exception text may name files or internal state and never reaches the caller.
  const char* op = "unknown";
  try {
    switch (route->id) {
      case RouteId::create_session:
        op = "create_session";
        create_session(req, res, tenant, body);
        return;
      case RouteId::delete_session:
        op = "delete_session";
        delete_session(res, tenant);
        return;
      case RouteId::status:
        op = "status";
        status(res, tenant);
        return;
      case RouteId::health:
        op = "health";
        health(res);
        return;
      case RouteId::send_message:
        op = "send";
        send_message(req, res, tenant, body);
        return;
      case RouteId::metrics:
        op = "metrics";
        res.status = 200;
        res.set_content(http::render_metrics(sessions.health(), config.wa_version),
                        metrics::kTextContentType);
        return;
      case RouteId::openapi:
        op = "openapi";
        res.status = 200;
        res.set_content(std::string(http::openapi_document()), http::kJsonContentType);
        return;
    }
  } catch (const std::exception& e) {
    util::log::error("http_route_failed", tenant, {{"operation", op}, {"error", e.what()}});
  } catch (...) {
    util::log::error("http_route_failed", tenant,
                     {{"operation", op}, {"error", "non-standard exception"}});
  }
  res.headers.erase("Allow");
  if (route->id == RouteId::send_message) metrics::count_send("internal_error");
  send_error(res, internal_error());
}

// The request's JSON object, or nullopt after answering the body error.
std::optional<http::JsonBody> Router::Impl::json_body(const httplib::Request& req,
                                                      httplib::Response& res,
                                                      const http::BodyRead& body) {
  std::optional<std::string> content_type;
  const std::vector<std::string> types = header_values(req, "Content-Type");
  if (!types.empty()) content_type = types.front();
  http::JsonBody parsed =
      http::parse_json_body(content_type ? std::optional<std::string_view>(*content_type)
                                         : std::nullopt,
                            body.data, config.max_body_bytes, body.too_large);
  if (parsed.error != http::BodyError::none) {
    send_error(res, http::body_error(parsed.error));
    return std::nullopt;
  }
  return parsed;
}

void Router::Impl::send_message(const httplib::Request& req, httplib::Response& res,
                                const std::string& tenant, const http::BodyRead& body) {
  auto parsed = json_body(req, res, body);
  if (!parsed) return;
  auto request = http::validate_send_body(parsed->object);
  if (auto* err = std::get_if<http::ApiError>(&request)) {
    metrics::count_send(err->code);
    send_error(res, *err);
    return;
  }
  const auto& r = std::get<http::SendRequest>(request);
  const auto started = std::chrono::steady_clock::now();
  auto [status, envelope] = http::send_response(sessions.send_text(tenant, r.to, r.message));
  // Counted here, where the outcome has its API error code (send_route.cpp maps it).
  metrics::count_send(status == 200 ? "" : envelope["error"].value("code", "other"));
  if (status == 200) {
    metrics::observe_send_latency(
        std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count());
  }
  send(res, status, envelope);
}

void Router::Impl::create_session(const httplib::Request& req, httplib::Response& res,
                                  const std::string& tenant, const http::BodyRead& body) {
  if (!json_body(req, res, body)) return;
  // The body has no fields yet; unknown keys are ignored so the gateway can add some first.
  const SessionService::CreateResult result = sessions.create_session(tenant);
  send(res, result.created ? 201 : 200,
       http::success_envelope(http::session_created_json(result.view)));
}

void Router::Impl::status(httplib::Response& res, const std::string& tenant) {
  const std::optional<SessionView> view = sessions.status(tenant);
  if (!view) {
    send_error(res, {404, "session_not_found", "No session exists for this tenant."});
    return;
  }
  send(res, 200, http::success_envelope(http::session_status_json(*view)));
}

// DELETE /session: 200 {tenantId, status: "logged_out"} / 404 session_not_found (also for a
// repeated DELETE) / 502 logout_failed (WhatsApp refused or did not answer; files kept).
void Router::Impl::delete_session(httplib::Response& res, const std::string& tenant) {
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

void Router::Impl::health(httplib::Response& res) {
  send(res, 200, http::success_envelope(http::health_json(sessions.health())));
}

Router::Router(const Config& config, SessionService& sessions)
    : impl_(std::make_unique<Impl>(config, sessions)) {}

std::vector<Router::RouteInfo> Router::routes() {
  std::vector<RouteInfo> out;
  for (const Route& r : kRoutes) out.push_back({r.method, r.path, r.needs_tenant});
  return out;
}

Router::~Router() { stop(); }

int Router::start() {
  std::lock_guard<std::mutex> lock(impl_->lifecycle_mu);
  if (impl_->listener.joinable()) throw std::logic_error("Router::start called twice");
  const Config& cfg = impl_->config;
  const int port = cfg.port == 0 ? impl_->server.bind_to_any_port(cfg.host)
                                 : (impl_->server.bind_to_port(cfg.host, cfg.port) ? cfg.port : -1);
  if (port <= 0) {
    throw std::runtime_error("cannot listen on " + cfg.host + ":" + std::to_string(cfg.port));
  }
  impl_->listener_done = false;
  impl_->listener = std::thread([impl = impl_.get()] {
    if (!impl->server.listen_after_bind()) {
      util::log::error("http_listen_failed", "", json::object());
    }
    impl->listener_done = true;
  });
  // httplib's stop() does nothing until the accept loop has marked itself running; waiting
  // here means a stop() right after start() cannot be lost (and then hang in join).
  while (!impl_->server.is_running() && !impl_->listener_done) {
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  util::log::info("http_listening", "", {{"host", cfg.host}, {"port", port}});
  return port;
}

void Router::stop() {
  std::lock_guard<std::mutex> lock(impl_->lifecycle_mu);
  if (!impl_->listener.joinable()) return;
  impl_->server.stop();     // closes the listening socket; the accept loop exits
  impl_->listener.join();   // listen_after_bind returns after the worker pool has drained
}

}  // namespace sidecar
