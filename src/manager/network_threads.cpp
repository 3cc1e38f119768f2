#include "manager/network_threads.hpp"

#include <exception>

#include "util/log.hpp"

namespace sidecar {

NetworkThreads::NetworkThreads(size_t count) {
  if (count == 0) count = std::max(1u, std::thread::hardware_concurrency());
  for (size_t i = 0; i < count; ++i) {
    auto loop = std::make_unique<Loop>();
    loop->ws = std::make_unique<wa::socket::WsConnector>(loop->io);
    loops_.push_back(std::move(loop));
  }
}

NetworkThreads::~NetworkThreads() { stop(); }

void NetworkThreads::start() {
  for (auto& loop : loops_) {
    work_.push_back(asio::make_work_guard(loop->io));
    threads_.emplace_back([io = &loop->io] {
      // A handler that throws must not take every tenant's connection down with it: log it and
      // keep the loop running (the handlers themselves turn expected failures into values).
      for (;;) {
        try {
          io->run();
          return;
        } catch (const std::exception& e) {
          util::log::error("io_handler_failed", "", {{"error", e.what()}});
        }
      }
    });
  }
}

void NetworkThreads::stop() {
  work_.clear();
  for (auto& loop : loops_) loop->io.stop();
  for (auto& t : threads_) {
    if (t.joinable()) t.join();
  }
  threads_.clear();
}

NetworkThreads::Loop& NetworkThreads::pick() {
  return *loops_[next_.fetch_add(1, std::memory_order_relaxed) % loops_.size()];
}

}  // namespace sidecar
