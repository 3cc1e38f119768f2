// Group commit (sync_pool.hpp): a store opened with a SyncPool commits without syncing and is
// made durable by the pool, one sync for every commit made since the last.
#include <catch2/catch.hpp>
#include <sqlite3.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <thread>

#include "temp_dir.hpp"
#include "wa/store/device_store.hpp"
#include "wa/store/sync_pool.hpp"

using store_test::TempDir;
using wa::store::Store;
using wa::store::SyncPool;

namespace {

std::shared_ptr<Store> open_shared(const std::string& dir, SyncPool* pool) {
  return std::shared_ptr<Store>(Store::open(dir, pool).release());
}

std::string pragma_text(const std::string& dir, const char* pragma) {
  sqlite3* db = nullptr;
  REQUIRE(sqlite3_open_v2((dir + "/store.db").c_str(), &db, SQLITE_OPEN_READONLY, nullptr) == SQLITE_OK);
  sqlite3_stmt* st = nullptr;
  REQUIRE(sqlite3_prepare_v2(db, pragma, -1, &st, nullptr) == SQLITE_OK);
  std::string out;
  if (sqlite3_step(st) == SQLITE_ROW) out = reinterpret_cast<const char*>(sqlite3_column_text(st, 0));
  sqlite3_finalize(st);
  sqlite3_close(db);
  return out;
}

}  // namespace

TEST_CASE("sync pool: nothing to wait for without commits, and without a pool", "[store][sync]") {
  TempDir tmp;
  SyncPool pool(2);
  auto with_pool = open_shared(tmp.sub("a"), &pool);
  bool called = false;
  CHECK(with_pool->durable_or_later([&](bool) { called = true; }));
  CHECK_FALSE(called);

  auto alone = open_shared(tmp.sub("b"), nullptr);
  alone->put_lid_mapping("123", "4567");
  // synchronous=FULL: the commit was on disk when it returned.
  CHECK(alone->durable_or_later([&](bool) { called = true; }));
  CHECK_FALSE(called);
  CHECK(pool.syncs() == 0);
}

TEST_CASE("sync pool: a commit is waited for, then answered ok on a pool thread", "[store][sync]") {
  TempDir tmp;
  SyncPool pool(2);
  auto store = open_shared(tmp.sub("t"), &pool);
  store->put_lid_mapping("123", "4567");

  std::mutex mu;
  std::condition_variable cv;
  std::optional<bool> result;
  std::thread::id ran_on;
  const bool now = store->durable_or_later([&](bool ok) {
    std::lock_guard<std::mutex> lk(mu);
    result = ok;
    ran_on = std::this_thread::get_id();
    cv.notify_all();
  });
  CHECK_FALSE(now);
  {
    std::unique_lock<std::mutex> lk(mu);
    REQUIRE(cv.wait_for(lk, std::chrono::seconds(10), [&] { return result.has_value(); }));
  }
  CHECK(*result);
  CHECK(ran_on != std::this_thread::get_id());
  CHECK(pool.syncs() == 1);
  // Durable now: nothing more to wait for, and no second sync.
  CHECK(store->durable_or_later([](bool) {}));
  CHECK(pool.syncs() == 1);
  CHECK(pragma_text(tmp.sub("t"), "PRAGMA journal_mode") == "wal");
}

TEST_CASE("sync pool: commits made together share one sync (group commit)", "[store][sync]") {
  TempDir tmp;
  SyncPool pool(1);
  auto store = open_shared(tmp.sub("t"), &pool);
  for (int i = 0; i < 50; ++i) store->put_lid_mapping(std::to_string(1000 + i), std::to_string(i));
  CHECK(store->wait_durable());
  CHECK(pool.syncs() == 1);

  // Many waiters, each after its own commit, from several threads: every one is answered ok,
  // and never with more syncs than commits.
  std::atomic<int> answered{0}, refused{0};
  std::vector<std::thread> writers;
  for (int w = 0; w < 4; ++w) {
    writers.emplace_back([&, w] {
      for (int i = 0; i < 25; ++i) {
        store->put_lid_mapping("w" + std::to_string(w) + "-" + std::to_string(i), "1");
        const bool now = store->durable_or_later([&](bool ok) { (ok ? answered : refused)++; });
        if (now) answered++;
      }
    });
  }
  for (auto& t : writers) t.join();
  CHECK(store->wait_durable());
  pool.stop();  // every waiter is answered before the threads end
  CHECK(answered == 100);
  CHECK(refused == 0);
  CHECK(pool.syncs() <= 1 + 100);
}

TEST_CASE("sync pool: what was durable is there after the store is closed and opened again",
          "[store][sync]") {
  TempDir tmp;
  {
    SyncPool pool(2);
    auto store = open_shared(tmp.sub("t"), &pool);
    store->put_lid_mapping("999", "15550001111");
    REQUIRE(store->wait_durable());
  }
  auto again = Store::open(tmp.sub("t"));
  CHECK(again->pn_for_lid("999") == std::optional<std::string>("15550001111"));
}

TEST_CASE("sync pool: trim and wipe checkpoint on the pool, not the caller", "[store][sync]") {
  TempDir tmp;
  SyncPool pool(1);
  auto store = open_shared(tmp.sub("t"), &pool);
  for (int i = 0; i < 20; ++i) store->put_lid_mapping(std::to_string(i), "1");
  REQUIRE(store->wait_durable());
  const auto wal = std::filesystem::path(tmp.sub("t")) / "store.db-wal";
  REQUIRE(std::filesystem::file_size(wal) > 0);
  store->wipe();
  REQUIRE(store->wait_durable());
  pool.stop();  // the queued checkpoint (TRUNCATE after a wipe) has run
  CHECK(std::filesystem::file_size(wal) == 0);
  CHECK_FALSE(store->pn_for_lid("3").has_value());
}

TEST_CASE("sync pool: a stopped pool serves later requests on the caller's thread",
          "[store][sync]") {
  TempDir tmp;
  SyncPool pool(1);
  auto store = open_shared(tmp.sub("t"), &pool);
  pool.stop();
  store->put_lid_mapping("1", "2");
  bool answered = false;
  const bool now = store->durable_or_later([&](bool ok) { answered = ok; });
  CHECK_FALSE(now);
  CHECK(answered);  // served inline by schedule()
  CHECK(store->durable_or_later([](bool) {}));
}
