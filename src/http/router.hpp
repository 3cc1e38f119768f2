// The HTTP router: header checks, JSON envelope, routes, errors -> statuses (README "API").
// Owns the HTTP server (http_server.hpp) and a pool of http_threads workers for the routes
// that wait on WhatsApp or the disk; routes call SessionService and EventService and never touch
// the WhatsApp network loop.
#pragma once
#include <memory>
#include <string>
#include <vector>
#include "config/config.hpp"
#include "manager/event_service.hpp"
#include "manager/session_service.hpp"

namespace sidecar {

class Router {
 public:
  // The services must outlive the router.
  Router(const Config& config, SessionService& sessions, EventService& events);
  ~Router();
  // Binds host:port (port 0 picks a free one) and serves on background threads.
  // Returns the bound port; throws std::runtime_error if binding fails.
  int start();
  void stop();  // stops accepting, answers the requests in flight, closes every connection

  // The (method, path) pairs served, from the route table itself (GET routes also answer
  // HEAD). The OpenAPI test checks api/openapi.json against this list.
  struct RouteInfo {
    std::string method;
    std::string path;
    bool needs_tenant = false;
  };
  static std::vector<RouteInfo> routes();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// Tenant ids name directories: ^[A-Za-z0-9_-]{1,64}$.
bool valid_tenant_id(const std::string& id);

}  // namespace sidecar
