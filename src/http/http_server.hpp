// An HTTP/1.1 server that serves any mix of clients fairly (README "Connections"): built on
// Boost.Beast's parser over Boost.Asio, one network thread for every connection.
//
// Contract:
// - An idle keep-alive connection costs a socket and a small buffer, never a thread. It is
//   closed after idle_timeout without a byte of a new request.
// - From the first byte of a request, its whole header must arrive within header_timeout and
//   its whole body within body_timeout; otherwise 408 and the connection closes. A slow sender
//   cannot hold anything but its own socket.
// - Pipelined requests are answered in order: the next request is parsed only after the
//   previous response was written.
// - Malformed requests (request line, header syntax, obs-fold, framing) are answered 400 (414,
//   431 for sizes) and the connection closes. Header values are taken as sent.
// - Over max_connections, a new connection is answered 503 and closed at once.
// - The handler runs on the network thread and must not block: it answers at once or hands the
//   work elsewhere and calls Respond later, from any thread, exactly once.
#pragma once
#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <string>
#include "http/http_message.hpp"

namespace sidecar::http {

struct ServerLimits {
  // Configurable: the router copies them from Config (http_*), where their defaults are named.
  size_t max_connections = 0;
  std::chrono::milliseconds header_timeout{0};
  std::chrono::milliseconds body_timeout{0};
  std::chrono::milliseconds idle_timeout{0};
  // Fixed.
  size_t max_header_bytes = 16 * 1024;
  size_t max_request_line_bytes = 8 * 1024;
  std::chrono::milliseconds write_timeout{10000};
};

class HttpServer {
 public:
  using Respond = std::function<void(Response)>;
  struct Handler {
    // The largest body this request may carry, asked once its header is in (`body` is empty).
    std::function<size_t(const Request& head)> body_limit;
    // Serves a complete request.
    std::function<void(Request, Respond)> serve;
    // The response for an error the server detects itself (400, 408, 413, 414, 415, 431, 503).
    std::function<Response(int status)> error;
  };

  HttpServer(std::string host, int port, ServerLimits limits, Handler handler);
  ~HttpServer();
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  // Binds (port 0 picks a free one), starts the network thread, returns the bound port.
  // Throws std::runtime_error when the address cannot be bound.
  int start();
  // Stops accepting, closes idle connections, lets requests in flight be answered (each
  // closes after its response), then stops the network thread. Idempotent.
  void stop();

  size_t open_connections() const;

 private:
  struct Impl;
  friend class Connection;  // one client connection (http_server.cpp)
  std::unique_ptr<Impl> impl_;
};

}  // namespace sidecar::http
