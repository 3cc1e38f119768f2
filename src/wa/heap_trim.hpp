// Hands free heap memory back to the kernel after a burst of work (many idle sessions
// per process). glibc keeps freed memory inside its arenas; pages freed in the middle of a heap
// (a session's login and 812-prekey upload leave many) stay resident until malloc_trim returns
// them. One trim serves a whole burst: requests within kHeapTrimDelay of a scheduled trim join it.
#pragma once
#include <chrono>

namespace asio { class io_context; }

namespace wa {

inline constexpr std::chrono::seconds kHeapTrimDelay{2};

// Schedules malloc_trim(0) on io kHeapTrimDelay from now, unless one is already scheduled.
// Thread-safe. Does nothing where the C library has no malloc_trim.
void trim_heap_soon(asio::io_context& io);

}  // namespace wa
