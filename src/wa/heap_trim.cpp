#include "wa/heap_trim.hpp"

#include <asio/io_context.hpp>
#include <asio/steady_timer.hpp>
#include <atomic>
#include <memory>

#if defined(__GLIBC__)
#include <malloc.h>
#endif

namespace wa {
namespace {

std::atomic<bool> g_scheduled{false};

// Owned by the pending handler: whether the handler runs or is destroyed unrun (its io_context
// went away first), the next request can schedule a trim again.
struct Unschedule {
  ~Unschedule() { g_scheduled = false; }
};

}  // namespace

void trim_heap_soon(asio::io_context& io) {
#if defined(__GLIBC__)
  if (g_scheduled.exchange(true)) return;
  auto timer = std::make_shared<asio::steady_timer>(io, kHeapTrimDelay);
  auto unschedule = std::make_shared<Unschedule>();
  timer->async_wait([timer, unschedule](const asio::error_code& ec) {
    // Cancelled: the io_context is shutting down; nothing is worth trimming then.
    if (!ec) malloc_trim(0);
  });
#else
  (void)io;
#endif
}

}  // namespace wa
