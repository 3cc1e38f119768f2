// Crash atomicity: a writer killed with SIGKILL at a random moment must leave a complete,
// self-consistent device behind (WAL + synchronous=FULL + one transaction per save).
#include <catch2/catch.hpp>
#include <signal.h>
#include <sqlite3.h>
#include <sys/wait.h>
#include <unistd.h>

#include <random>

#include "device_check.hpp"
#include "temp_dir.hpp"
#include "wa/store/device_store.hpp"

using store_test::TempDir;
using wa::store::Device;
using wa::store::Store;

namespace {

// Child process body: never returns into Catch. After its first commit it writes one byte to
// ready_fd, so the parent kills it while it is inside the save loop, not while it starts up.
[[noreturn]] void writer(const std::string& dir, int ready_fd) {
  try {
    auto s = Store::open(dir);
    for (uint64_t i = 0;; ++i) {
      Device d = Device::generate();
      d.jid = std::to_string(15550000000ULL + i) + ":1@s.whatsapp.net";
      d.push_name = "writer " + std::to_string(i);
      d.account = util::Bytes(200 + i % 50, static_cast<uint8_t>(i));
      s->save_device(d);
      s->put_lid_mapping(std::to_string(i), std::to_string(15550000000ULL + i));
      if (i == 0) {
        char one = 1;
        if (::write(ready_fd, &one, 1) != 1) _exit(4);
        ::close(ready_fd);
      }
    }
  } catch (...) {
    _exit(3);
  }
}

std::string integrity_check(const std::string& db_path) {
  sqlite3* raw = nullptr;
  if (sqlite3_open(db_path.c_str(), &raw) != SQLITE_OK) return "open failed";
  sqlite3_stmt* st = nullptr;
  std::string result = "prepare failed";
  if (sqlite3_prepare_v2(raw, "PRAGMA integrity_check", -1, &st, nullptr) == SQLITE_OK &&
      sqlite3_step(st) == SQLITE_ROW) {
    result = reinterpret_cast<const char*>(sqlite3_column_text(st, 0));
  }
  sqlite3_finalize(st);
  sqlite3_close(raw);
  return result;
}

}  // namespace

TEST_CASE("a writer killed at random moments never leaves a torn device", "[store][crash]") {
  TempDir t;
  const std::string dir = t.sub("acme");
  Device previous = Device::generate();
  {
    auto s = Store::open(dir);
    s->save_device(previous);
  }
  std::mt19937 rng(std::random_device{}());
  std::uniform_int_distribution<int> delay_us(0, 30000);
  int changed = 0;
  const int kKills = 20;
  for (int round = 0; round < kKills; ++round) {
    int ready[2];
    REQUIRE(pipe(ready) == 0);
    pid_t pid = fork();
    REQUIRE(pid >= 0);
    if (pid == 0) {
      ::close(ready[0]);
      writer(dir, ready[1]);
    }
    ::close(ready[1]);
    char byte = 0;
    // EOF (0) here means the child died before its first commit.
    ssize_t got = ::read(ready[0], &byte, 1);
    ::close(ready[0]);
    usleep(static_cast<useconds_t>(delay_us(rng)));
    REQUIRE(kill(pid, SIGKILL) == 0);
    int status = 0;
    REQUIRE(waitpid(pid, &status, 0) == pid);
    INFO("round " << round);
    // The child must have been killed by us, not have failed by itself.
    REQUIRE(WIFSIGNALED(status));
    REQUIRE(WTERMSIG(status) == SIGKILL);
    REQUIRE(got == 1);

    CHECK(integrity_check(dir + "/store.db") == "ok");
    auto s = Store::open(dir);
    auto d = s->load_device();
    REQUIRE(d.has_value());
    CHECK(store_test::self_consistent(*d));
    if (!store_test::same_device(previous, *d)) {
      ++changed;
      // A row written by the child: its fields are from the same iteration.
      REQUIRE(d->push_name.rfind("writer ", 0) == 0);
      uint64_t i = std::stoull(d->push_name.substr(7));
      CHECK(d->jid == std::to_string(15550000000ULL + i) + ":1@s.whatsapp.net");
      CHECK(d->account == util::Bytes(200 + i % 50, static_cast<uint8_t>(i)));
      previous = *d;
    }
  }
  // Every round the writer committed at least once, so every round must show a new device
  // (each is freshly generated); otherwise the test proved nothing.
  CHECK(changed == kKills);
}
