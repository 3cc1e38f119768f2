// The threads that carry the WhatsApp connections: a few Asio io_contexts, one thread each, with
// every tenant's Client living on exactly one of them. A Client's handlers all run on its own
// context's single thread, which makes that thread its strand: one tenant's protocol work is
// sequential (Signal state never races) while tenants on different threads proceed in parallel.
// Nothing that blocks runs here (README "Threads"): store syncs go to the SyncPool, outbox work
// to the background worker.
// Thread-safety: pick() may be called from any thread; start() and stop() from one.
#pragma once
#include <asio/executor_work_guard.hpp>
#include <asio/io_context.hpp>
#include <atomic>
#include <memory>
#include <thread>
#include <vector>

#include "wa/socket/ws_transport.hpp"

namespace sidecar {

class NetworkThreads {
 public:
  struct Loop {
    asio::io_context io;
    std::unique_ptr<wa::socket::WsConnector> ws;
  };

  // count 0: one per core.
  explicit NetworkThreads(size_t count);
  ~NetworkThreads();  // stop()

  void start();
  // Stops every loop (handlers not run yet are dropped with their context) and joins the
  // threads. Idempotent.
  void stop();
  // The loop for a new Client, round-robin: tenants are spread evenly in creation order.
  Loop& pick();
  size_t size() const { return loops_.size(); }

 private:
  std::vector<std::unique_ptr<Loop>> loops_;
  std::vector<asio::executor_work_guard<asio::io_context::executor_type>> work_;
  std::vector<std::thread> threads_;
  std::atomic<size_t> next_{0};
};

}  // namespace sidecar
