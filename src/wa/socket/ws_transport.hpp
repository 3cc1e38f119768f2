// The WebSocket carrier (PROTOCOL.md §1): one binary-message connection to the WhatsApp edge,
// ws:// or wss:// (TLS verified against the system CA store), with the WhatsApp Web Origin.
// All callbacks run on the io_context thread that owns the transport's endpoint.
#pragma once
#include <functional>
#include <memory>
#include <string>
#include "util/bytes.hpp"

namespace asio { class io_context; }

namespace wa::socket {

using util::Bytes;

struct TransportHandlers {
  std::function<void()> on_open;
  std::function<void(const uint8_t*, size_t)> on_message;    // one binary WebSocket message
  std::function<void(const std::string& reason)> on_close;   // fired once, also on failed connect
};

class WsTransport {
 public:
  virtual ~WsTransport() = default;
  virtual void send(const Bytes& data) = 0;   // queued; safe only on the io thread
  virtual void close() = 0;                   // idempotent; on_close follows
};

// Shared endpoints (one for ws://, one for wss://) live on the given io_context.
class WsConnector {
 public:
  explicit WsConnector(asio::io_context& io);
  ~WsConnector();
  // Starts connecting; returns at once. Must be called on the io thread.
  std::shared_ptr<WsTransport> connect(const std::string& url, TransportHandlers handlers);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace wa::socket
