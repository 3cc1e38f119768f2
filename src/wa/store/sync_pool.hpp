// Group commit for many stores: the threads that make committed transactions durable, so that
// no thread carrying WebSocket I/O ever waits for a disk.
//
// A Store opened with a SyncPool commits without syncing (WAL, synchronous=NORMAL: a commit is
// written to the WAL and is atomic, but not yet on disk). Whoever must not act before a commit
// is durable (the stanza that reveals a ratchet step, the receipt that lets WhatsApp forget a
// message) asks the store (Store::durable_or_later); the pool then fdatasyncs that store's WAL
// once for every commit made since its last sync, and answers every waiter the sync covered.
// Commits that are ready together share one sync: that is the group commit. Checkpoints (WAL
// into store.db) run here too, on a connection of their own.
//
// Stores are served round-robin, one sync in flight per store and up to `threads` stores at
// once, so one store's slow sync never holds up another's.
//
// Thread-safety: every method may be called from any thread. The callbacks it runs
// (Store::durable_or_later) run on its threads and must not block.
#pragma once
#include <atomic>
#include <cstdint>
#include <memory>

#include "util/worker_threads.hpp"

namespace wa::store {

class Store;

class SyncPool {
 public:
  explicit SyncPool(size_t threads) : workers_(threads) {}
  SyncPool(const SyncPool&) = delete;
  SyncPool& operator=(const SyncPool&) = delete;

  // Finishes the work already asked for, then joins the threads. Later requests are served on
  // the caller's thread. Idempotent.
  void stop() { workers_.stop(); }

  // Queues a sync step for the store (Store calls this); a store with more to do after its step
  // goes to the back of the queue, so the others get their turn.
  void schedule(std::shared_ptr<Store> store);

  // How many syncs (fdatasync of a WAL) the pool's stores have made: with group commit, fewer
  // than their commits.
  uint64_t syncs() const { return syncs_.load(std::memory_order_relaxed); }
  void count_sync() { syncs_.fetch_add(1, std::memory_order_relaxed); }

 private:
  std::atomic<uint64_t> syncs_{0};
  util::WorkerThreads workers_;  // last: joined before the counter goes
};

}  // namespace wa::store
