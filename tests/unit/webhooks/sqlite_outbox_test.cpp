// SqliteOutbox: the Outbox contract (outbox_contract.hpp) on a fresh file, what survives closing
// and reopening it, file modes, files it must refuse, rows that no longer parse, the query plans
// at scale, and delivery resuming over a reopened file.
#include <catch2/catch.hpp>
#include <sqlite3.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <cstdint>
#include <fstream>
#include <limits>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "../store/temp_dir.hpp"
#include "delivery_support.hpp"
#include "outbox_contract.hpp"
#include "webhooks/sqlite_outbox.hpp"
#include "webhooks/sqlite_outbox_sql.hpp"

using outbox_contract::event_at;
using outbox_contract::ids_of;
using store_test::TempDir;
using webhooks::DeliveryState;
using webhooks::Event;
using webhooks::OutboxError;
using webhooks::SqliteOutbox;

namespace {

struct Fresh {
  TempDir dir;
  std::string path = dir.sub("events.db");
  std::unique_ptr<SqliteOutbox> box = SqliteOutbox::open(path);

  void reopen() {
    box.reset();
    box = SqliteOutbox::open(path);
  }
};

unsigned mode_of(const std::string& path) {
  struct stat st {};
  REQUIRE(::stat(path.c_str(), &st) == 0);
  return st.st_mode & 07777;
}

struct Umask {
  mode_t old;
  explicit Umask(mode_t m) : old(::umask(m)) {}
  ~Umask() { ::umask(old); }
};

// A second connection to the file, as the sqlite3 shell would be: to break rows, read query
// plans, or hold a lock.
class Raw {
 public:
  explicit Raw(const std::string& path) {
    REQUIRE(sqlite3_open_v2(path.c_str(), &db_, SQLITE_OPEN_READWRITE, nullptr) == SQLITE_OK);
    sqlite3_busy_timeout(db_, 5000);
  }
  ~Raw() { sqlite3_close_v2(db_); }
  Raw(const Raw&) = delete;
  Raw& operator=(const Raw&) = delete;

  void exec(const std::string& sql) {
    char* err = nullptr;
    const int rc = sqlite3_exec(db_, sql.c_str(), nullptr, nullptr, &err);
    INFO(sql << ": " << (err ? err : ""));
    sqlite3_free(err);
    REQUIRE(rc == SQLITE_OK);
  }
  // EXPLAIN QUERY PLAN's detail lines.
  std::vector<std::string> plan(const std::string& sql) {
    sqlite3_stmt* st = nullptr;
    REQUIRE(sqlite3_prepare_v2(db_, ("EXPLAIN QUERY PLAN " + sql).c_str(), -1, &st, nullptr) ==
            SQLITE_OK);
    std::vector<std::string> out;
    while (sqlite3_step(st) == SQLITE_ROW) {
      out.push_back(reinterpret_cast<const char*>(sqlite3_column_text(st, 3)));
    }
    sqlite3_finalize(st);
    return out;
  }
  sqlite3* db() { return db_; }

 private:
  sqlite3* db_ = nullptr;
};

}  // namespace

TEST_CASE("sqlite outbox: pending is oldest first", "[webhooks][sqlite_outbox]") {
  Fresh f;
  outbox_contract::pending_is_oldest_first(*f.box);
}

TEST_CASE("sqlite outbox: marks are final and listed", "[webhooks][sqlite_outbox]") {
  Fresh f;
  outbox_contract::marks_are_final_and_listed(*f.box);
}

TEST_CASE("sqlite outbox: list pages after an id", "[webhooks][sqlite_outbox]") {
  Fresh f;
  outbox_contract::list_pages_after_an_id(*f.box);
}

TEST_CASE("sqlite outbox: expire keeps pending events", "[webhooks][sqlite_outbox]") {
  Fresh f;
  outbox_contract::expire_keeps_pending_events(*f.box);
}

TEST_CASE("sqlite outbox: misuse is refused", "[webhooks][sqlite_outbox]") {
  Fresh f;
  outbox_contract::misuse_is_refused(*f.box);
}

TEST_CASE("sqlite outbox: a source key appends once", "[webhooks][sqlite_outbox]") {
  Fresh f;
  outbox_contract::source_key_appends_once(*f.box);
}

TEST_CASE("sqlite outbox: a batch appends in one step", "[webhooks][sqlite_outbox]") {
  Fresh f;
  outbox_contract::batches_append_in_one_step(*f.box);
}

TEST_CASE("sqlite outbox: concurrent appends with one key", "[webhooks][sqlite_outbox]") {
  Fresh f;
  outbox_contract::concurrent_appends_with_one_key(*f.box);
}

TEST_CASE("sqlite outbox: tenant URLs are kept", "[webhooks][sqlite_outbox]") {
  Fresh f;
  outbox_contract::tenant_urls_are_kept(*f.box);
}

TEST_CASE("sqlite outbox: concurrent appends and marks", "[webhooks][sqlite_outbox]") {
  Fresh f;
  outbox_contract::concurrent_appends_and_marks(*f.box);
}

TEST_CASE("sqlite outbox: events, states, keys and URLs survive closing and reopening",
          "[webhooks][sqlite_outbox]") {
  Fresh f;
  webhooks::EventIdGenerator ids;
  std::vector<Event> a;
  for (int i = 0; i < 4; ++i) {
    a.push_back(event_at(ids, "a", 1700000000000 + i, i));
    REQUIRE(f.box->append(a.back(), "row-" + std::to_string(i)));
  }
  // Data as producers write it, read back equal: nesting, every kind of number, non-ASCII text.
  Event rich = event_at(ids, "b", 1700000000100);
  rich.type = webhooks::EventType::session_status;
  rich.data = {{"text", "Olá 👋 \"quoted\"\n"},
               {"nested", {{"list", {1, -2, 3.25, nullptr, true}}, {"empty", nlohmann::json::object()}}},
               {"big", std::numeric_limits<uint64_t>::max()},
               {"small", std::numeric_limits<int64_t>::min()},
               {"third", 1.0 / 3.0}};
  REQUIRE(f.box->append(rich, ""));
  REQUIRE(f.box->mark_delivered("a", a[0].id));
  REQUIRE(f.box->mark_failed("a", a[1].id));
  f.box->set_tenant_url("a", std::string("https://a.example/hooks?token=x"));
  f.box->set_tenant_url("b", std::string("http://10.0.0.2/b"));
  f.box->set_tenant_url("b", std::nullopt);

  f.reopen();
  const auto listed = f.box->list("a", "", 10);
  REQUIRE(listed.size() == 4);
  for (size_t i = 0; i < listed.size(); ++i) CHECK(listed[i].event == a[i]);
  CHECK(listed[0].state == DeliveryState::delivered);
  CHECK(listed[1].state == DeliveryState::failed);
  CHECK(listed[2].state == DeliveryState::pending);
  CHECK(listed[3].state == DeliveryState::pending);
  REQUIRE(f.box->pending("b", 10).size() == 1);
  CHECK(f.box->pending("b", 10)[0] == rich);
  CHECK(f.box->pending_counts() == std::map<std::string, size_t>{{"a", 2}, {"b", 1}});
  CHECK(f.box->tenant_urls() ==
        std::map<std::string, std::string>{{"a", "https://a.example/hooks?token=x"}});
  // The keys too: a relay repeated after the restart stores nothing.
  for (int i = 0; i < 4; ++i) {
    CHECK_FALSE(f.box->append(event_at(ids, "a", 1700000001000 + i, i), "row-" + std::to_string(i)));
  }
  CHECK(f.box->append(event_at(ids, "a", 1700000002000, 4), "row-4"));
  // Marks after reopening are final as before.
  CHECK_FALSE(f.box->mark_delivered("a", a[0].id));
  CHECK(f.box->mark_delivered("a", a[2].id));
  f.reopen();
  CHECK(f.box->pending_counts() == std::map<std::string, size_t>{{"a", 2}, {"b", 1}});
}

TEST_CASE("sqlite outbox: invalid UTF-8 is stored as the body posts it",
          "[webhooks][sqlite_outbox]") {
  Fresh f;
  webhooks::EventIdGenerator ids;
  Event e = event_at(ids, "a", 1700000000000);
  e.data = {{"text", std::string("bad \xff byte")}};
  REQUIRE(f.box->append(e, ""));
  const Event back = f.box->pending("a", 1).at(0);
  CHECK(back.data.at("text") == "bad \xef\xbf\xbd byte");  // U+FFFD, as event_body() writes it
  CHECK(webhooks::event_body(back) == webhooks::event_body(e));
}

TEST_CASE("sqlite outbox: the file and its side files are 0600 whatever the umask",
          "[webhooks][sqlite_outbox]") {
  TempDir dir;
  Umask um(0);
  const std::string path = dir.sub("events.db");
  {
    auto box = SqliteOutbox::open(path);
    webhooks::EventIdGenerator ids;
    REQUIRE(box->append(event_at(ids, "a", 1700000000000), ""));  // the WAL has content now
    CHECK(mode_of(path) == 0600);
    CHECK(mode_of(path + "-wal") == 0600);
    CHECK(mode_of(path + "-shm") == 0600);
  }
  // An existing file opened too widely is tightened.
  REQUIRE(::chmod(path.c_str(), 0644) == 0);
  auto box = SqliteOutbox::open(path);
  CHECK(mode_of(path) == 0600);
  CHECK(box->list("a", "", 10).size() == 1);
}

TEST_CASE("sqlite outbox: a path it cannot use throws OutboxError on open",
          "[webhooks][sqlite_outbox]") {
  TempDir dir;
  SECTION("the parent directory is missing") {
    CHECK_THROWS_AS(SqliteOutbox::open(dir.sub("missing/events.db")), OutboxError);
  }
  SECTION("the path is a directory") {
    REQUIRE(::mkdir(dir.sub("events.db").c_str(), 0700) == 0);
    CHECK_THROWS_AS(SqliteOutbox::open(dir.sub("events.db")), OutboxError);
  }
  SECTION("the path is a symlink") {
    { auto box = SqliteOutbox::open(dir.sub("real.db")); }
    REQUIRE(::symlink(dir.sub("real.db").c_str(), dir.sub("events.db").c_str()) == 0);
    CHECK_THROWS_AS(SqliteOutbox::open(dir.sub("events.db")), OutboxError);
  }
  SECTION("the file is not a database") {
    std::ofstream(dir.sub("events.db"), std::ios::binary)
        << std::string(4096, 'x') << "this was never an SQLite file";
    CHECK_THROWS_AS(SqliteOutbox::open(dir.sub("events.db")), OutboxError);
  }
  SECTION("the file is from a newer build") {
    { auto box = SqliteOutbox::open(dir.sub("events.db")); }
    {
      Raw raw(dir.sub("events.db"));
      raw.exec("PRAGMA user_version = 99");
    }
    CHECK_THROWS_WITH(SqliteOutbox::open(dir.sub("events.db")),
                      Catch::Contains("newer than this build"));
  }
}

TEST_CASE("sqlite outbox: a stored row that no longer parses throws OutboxError",
          "[webhooks][sqlite_outbox]") {
  Fresh f;
  webhooks::EventIdGenerator ids;
  const Event good = event_at(ids, "a", 1700000000000, 0);
  const Event bad = event_at(ids, "a", 1700000000001, 1);
  const Event other = event_at(ids, "b", 1700000000002, 2);
  for (const Event* e : {&good, &bad, &other}) REQUIRE(f.box->append(*e, ""));
  Raw raw(f.path);
  const std::string where = " WHERE id = '" + bad.id + "'";
  SECTION("data that is not JSON") { raw.exec("UPDATE events SET data = '{\"n\": 1,'" + where); }
  SECTION("data that is not an object") { raw.exec("UPDATE events SET data = '[1, 2]'" + where); }
  SECTION("an unknown type") { raw.exec("UPDATE events SET type = 'message.sent'" + where); }
  SECTION("an unknown state") {
    // The CHECK constraint keeps SQLite from writing one; an older or edited file may have it.
    raw.exec("PRAGMA ignore_check_constraints = ON");
    raw.exec("UPDATE events SET state = 'lost'" + where);
    CHECK(f.box->pending("a", 10).size() == 1);  // the unknown state is not pending
    CHECK_THROWS_AS(f.box->list("a", "", 10), OutboxError);
    return;
  }
  CHECK_THROWS_AS(f.box->pending("a", 10), OutboxError);
  CHECK_THROWS_AS(f.box->list("a", "", 10), OutboxError);
  // What does not read the broken row still works.
  CHECK(ids_of(f.box->pending("a", 1)) == std::vector<std::string>{good.id});
  CHECK(f.box->pending_counts() == std::map<std::string, size_t>{{"a", 2}, {"b", 1}});
  CHECK(ids_of(f.box->pending("b", 10)) == std::vector<std::string>{other.id});
  CHECK(f.box->mark_delivered("a", bad.id));
}

TEST_CASE("sqlite outbox: a write that cannot get the lock throws and changes nothing",
          "[webhooks][sqlite_outbox]") {
  Fresh f;
  webhooks::EventIdGenerator ids;
  const Event e = event_at(ids, "a", 1700000000000);
  REQUIRE(f.box->append(e, ""));
  Raw raw(f.path);
  // Another writer holds the lock past the busy timeout (one attempt only: each waits 5 s).
  raw.exec("BEGIN IMMEDIATE");
  const auto start = std::chrono::steady_clock::now();
  CHECK_THROWS_AS(f.box->append(event_at(ids, "a", 1700000000001), "row-1"), OutboxError);
  CHECK(std::chrono::steady_clock::now() - start >= std::chrono::seconds(4));
  CHECK(ids_of(f.box->pending("a", 10)) == std::vector<std::string>{e.id});  // WAL: reads go on
  raw.exec("ROLLBACK");
  CHECK(ids_of(f.box->pending("a", 10)) == std::vector<std::string>{e.id});
  CHECK(f.box->append(event_at(ids, "a", 1700000000002), "row-1"));  // the key was not held
}

TEST_CASE("sqlite outbox: every statement uses an index, at 100k events",
          "[webhooks][sqlite_outbox]") {
  namespace q = webhooks::sqlite_outbox_sql;
  Fresh f;
  constexpr int kTenants = 100;
  constexpr int kPerTenant = 1000;
  {
    // Retention's worth of delivered events and a few pending ones, written in one transaction
    // (through append() each would be a commit).
    Raw raw(f.path);
    raw.exec("BEGIN");
    sqlite3_stmt* st = nullptr;
    REQUIRE(sqlite3_prepare_v2(raw.db(), q::kInsert, -1, &st, nullptr) == SQLITE_OK);
    webhooks::EventIdGenerator ids;
    int inserted = 0;
    for (int i = 0; i < kPerTenant; ++i) {
      for (int t = 0; t < kTenants; ++t) {
        const Event e = event_at(ids, "t" + std::to_string(t), 1000 + i, i);
        const std::string type = webhooks::type_name(e.type);
        const std::string data = e.data.dump();
        const std::string key = "row-" + std::to_string(i);
        sqlite3_bind_text(st, 1, e.tenant_id.c_str(), -1, SQLITE_TRANSIENT);
        sqlite3_bind_text(st, 2, e.id.c_str(), -1, SQLITE_TRANSIENT);
        sqlite3_bind_text(st, 3, type.c_str(), -1, SQLITE_TRANSIENT);
        sqlite3_bind_int64(st, 4, e.created_ms);
        sqlite3_bind_text(st, 5, data.c_str(), -1, SQLITE_TRANSIENT);
        sqlite3_bind_text(st, 6, key.c_str(), -1, SQLITE_TRANSIENT);
        inserted += sqlite3_step(st) == SQLITE_DONE ? 1 : 0;
        sqlite3_reset(st);
      }
    }
    sqlite3_finalize(st);
    REQUIRE(inserted == kTenants * kPerTenant);
    // All delivered but each tenant's last 10.
    raw.exec("UPDATE events SET state = 'delivered' WHERE created_ms < " +
             std::to_string(1000 + kPerTenant - 10));
    raw.exec("COMMIT");

    // Each statement reads through one index (a SEARCH, or the SCAN of a partial index, which
    // holds only the rows it needs), and none sorts: "SCAN events" alone would read every event.
    const std::map<std::string, std::string> expected = {
        {q::kHasKey, "SEARCH events USING COVERING INDEX events_source_key"},
        {q::kHasId, "SEARCH events USING COVERING INDEX sqlite_autoindex_events_1"},
        {q::kPending, "SEARCH events USING INDEX events_pending"},
        {q::kPendingCounts, "SCAN events USING INDEX events_pending"},
        {q::kFinish, "SEARCH events USING INDEX sqlite_autoindex_events_1"},
        {q::kList, "SEARCH events USING INDEX sqlite_autoindex_events_1"},
        {q::kExpire, "SEARCH events USING INDEX events_finished"},
        {q::kTenantUrls, "SCAN tenant_urls"},
        {q::kRemoveTenantUrl, "SEARCH tenant_urls USING INDEX sqlite_autoindex_tenant_urls_1"},
    };
    for (const auto& [sql, start] : expected) {
      const std::vector<std::string> plan = raw.plan(sql);
      INFO(sql);
      REQUIRE(plan.size() == 1);
      CHECK(plan[0].rfind(start, 0) == 0);
      CHECK(plan[0].find("TEMP B-TREE") == std::string::npos);
    }
  }

  // And the answers are right at this size.
  const auto counts = f.box->pending_counts();
  REQUIRE(counts.size() == kTenants);
  for (const auto& [tenant, n] : counts) CHECK(n == 10);
  const auto pending = f.box->pending("t7", 64);
  REQUIRE(pending.size() == 10);
  CHECK(pending.front().created_ms == 1000 + kPerTenant - 10);
  CHECK(f.box->list("t7", pending.back().id, 10).empty());
  CHECK(f.box->list("t7", "", 2000).size() == kPerTenant);
  webhooks::EventIdGenerator ids;
  CHECK_FALSE(f.box->append(event_at(ids, "t7", 5000), "row-3"));
  CHECK(f.box->expire(1000 + 500) == 500 * kTenants);
  CHECK(f.box->list("t7", "", 2000).size() == kPerTenant - 500);
}

TEST_CASE("sqlite outbox: delivery over a reopened file resumes its pending events",
          "[webhooks][sqlite_outbox][resume]") {
  using namespace delivery_test;
  TempDir dir;
  const std::string path = dir.sub("events.db");
  const std::string secret = random_secret();
  ManualClock clock;
  FakePoster poster{clock};
  metrics::Registry registry;
  webhooks::Metrics metrics{registry};
  const auto options = [&] {
    return webhooks::DeliveryOptions{std::string(kDefaultUrl), key_of(secret), 24 * kHour,
                                     72 * kHour, {}};
  };
  const std::string own = "https://own.example/hooks";
  std::vector<std::string> acme;
  std::string relayed;
  {
    auto box = SqliteOutbox::open(path);
    webhooks::DeliveryQueues q(options(), *box, poster, clock, metrics);
    q.set_tenant_url("own", own);
    poster.answer_with([](const Post&) { return answered(500); });
    for (int i = 0; i < 3; ++i) {
      acme.push_back(q.enqueue(EventType::message_received, "acme", data_n(i)).id);
    }
    const auto e = q.enqueue_once(EventType::session_status, "own", {{"status", "connected"}},
                                  "status-1");
    REQUIRE(e);
    relayed = e->id;
    run_due(q);  // one failed attempt each
    REQUIRE(poster.posts().size() == 2);
  }  // the process stops: only the file remains

  poster.answer_with(nullptr);
  clock.advance(kHour);
  auto box = SqliteOutbox::open(path);
  webhooks::DeliveryQueues q(options(), *box, poster, clock, metrics);
  // The producer relays its staged row again: already there.
  CHECK_FALSE(q.enqueue_once(EventType::session_status, "own", {{"status", "connected"}},
                             "status-1"));
  run_due(q);
  std::vector<std::string> acme_posts;
  for (const Post& p : poster.posts_of("acme")) acme_posts.push_back(p.id());
  CHECK(acme_posts == std::vector<std::string>{acme[0], acme[0], acme[1], acme[2]});
  const auto own_posts = poster.posts_of("own");
  REQUIRE(own_posts.size() == 2);
  for (const Post& p : own_posts) {
    CHECK(p.id() == relayed);
    CHECK(p.request.url == own);  // the tenant URL came back from the file
  }
  CHECK(box->pending_counts().empty());
  for (const auto& s : box->list("acme", "", 10)) CHECK(s.state == DeliveryState::delivered);
}
