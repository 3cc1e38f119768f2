#include "webhooks/sqlite_outbox.hpp"

#include <sqlite3.h>

#include <algorithm>
#include <limits>
#include <stdexcept>
#include <utility>

#include <nlohmann/json.hpp>

#include "wa/store/device_store.hpp"
#include "wa/store/private_fs.hpp"
#include "wa/store/sqlite_util.hpp"
#include "webhooks/sqlite_outbox_sql.hpp"

namespace webhooks {
namespace {

namespace sql = wa::store::sql;
namespace fs = wa::store::fs;
namespace q = sqlite_outbox_sql;
using wa::store::StoreError;

// How long a write waits for another connection's lock (another process opened the same file,
// or the sqlite3 shell) before it fails as an OutboxError.
constexpr int kBusyTimeoutMs = 5000;

// Index + 1 is the schema version each migration produces.
constexpr const char* kMigrations[] = {q::kMigration1};
constexpr int kSchemaVersion = sizeof(kMigrations) / sizeof(kMigrations[0]);

// Runs the store's errors out as the outbox's, with mu held for the whole of fn.
template <class F>
auto guarded(std::mutex& mu, const char* operation, F&& fn) -> decltype(fn()) {
  std::lock_guard<std::mutex> lk(mu);
  try {
    return fn();
  } catch (const StoreError& e) {
    throw OutboxError(std::string("event outbox: ") + operation + ": " + e.what());
  }
}

int64_t to_limit(size_t limit) {
  return static_cast<int64_t>(
      std::min<size_t>(limit, static_cast<size_t>(std::numeric_limits<int64_t>::max())));
}

// Migration N upgrades version N-1 inside one transaction with the version bump, so an
// interrupted upgrade leaves the previous version intact; the version is read inside the write
// transaction so two processes opening a new file do not both create the schema.
void migrate(sqlite3* db) {
  for (;;) {
    sql::Transaction tx(db);
    int version = 0;
    {
      sql::Statement st(db, "PRAGMA user_version");
      if (!st.step()) throw StoreError("could not read the schema version");
      version = static_cast<int>(st.column_int(0));
    }
    if (version > kSchemaVersion || version < 0) {
      throw StoreError("schema version " + std::to_string(version) +
                       " is newer than this build supports (" + std::to_string(kSchemaVersion) +
                       ")");
    }
    if (version == kSchemaVersion) {
      tx.commit();
      return;
    }
    sql::exec(db, kMigrations[version]);
    sql::exec(db, "PRAGMA user_version = " + std::to_string(version + 1));
    tx.commit();
  }
}

// A row that no longer parses (the file was edited, or a bug wrote it) is the store failing,
// not the caller: an OutboxError, never a crash or a made-up event.
[[noreturn]] void corrupt(const std::string& tenant, const std::string& id,
                          const std::string& what) {
  throw OutboxError("event outbox: stored event " + id + " of tenant " + tenant + ": " + what);
}

// Columns 0..3 of kPending and kList: id, type, created_ms, data.
Event read_event(const sql::Statement& st, const std::string& tenant) {
  Event e;
  e.id = st.column_text(0);
  e.tenant_id = tenant;
  const std::string type = st.column_text(1);
  const std::optional<EventType> parsed = parse_event_type(type);
  if (!parsed) corrupt(tenant, e.id, "unknown type \"" + type + "\"");
  e.type = *parsed;
  e.created_ms = st.column_int(2);
  try {
    e.data = nlohmann::json::parse(st.column_text(3));
  } catch (const nlohmann::json::exception& ex) {
    corrupt(tenant, e.id, std::string("data is not JSON: ") + ex.what());
  }
  if (!e.data.is_object()) corrupt(tenant, e.id, "data is not a JSON object");
  return e;
}

DeliveryState read_state(const sql::Statement& st, int col, const std::string& tenant,
                         const std::string& id) {
  const std::string name = st.column_text(col);
  for (DeliveryState s : {DeliveryState::pending, DeliveryState::delivered, DeliveryState::failed}) {
    if (name == state_name(s)) return s;
  }
  corrupt(tenant, id, "unknown state \"" + name + "\"");
}

}  // namespace

SqliteOutbox::SqliteOutbox(sqlite3* db)
    : db_(db), stmts_(std::make_unique<sql::StatementCache>(db)) {}

SqliteOutbox::~SqliteOutbox() {
  stmts_->clear();
  sqlite3_close_v2(db_);
}

std::unique_ptr<SqliteOutbox> SqliteOutbox::open(const std::string& path) {
  try {
    // Create the file with 0600 before SQLite does (it would use 0644 and give the -wal/-shm
    // files the same mode); O_NOFOLLOW, so a planted symlink is refused.
    fs::ensure_private_file(path);
    fs::restrict_if_exists(path + "-wal");
    fs::restrict_if_exists(path + "-shm");
    sql::configure_process();
    sqlite3* db = nullptr;
    // NOMUTEX: every use of the connection holds mu_ already.
    const int rc = sqlite3_open_v2(
        path.c_str(), &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX | SQLITE_OPEN_NOFOLLOW,
        nullptr);
    // Owned at once, so every later failure closes the handle.
    std::unique_ptr<SqliteOutbox> box(new SqliteOutbox(db));
    if (rc != SQLITE_OK) sql::fail(db, "cannot open");
    sqlite3_extended_result_codes(db, 1);
    sql::check(db, sqlite3_busy_timeout(db, kBusyTimeoutMs), "busy_timeout");
    // WAL + synchronous=FULL: a commit is durable when it returns, and a crash leaves each
    // transaction whole or absent. The first statement reads the header: a file that is not a
    // database fails here.
    sql::exec(db, "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL;");
    {
      sql::Statement st(db, "PRAGMA journal_mode");
      if (!st.step() || st.column_text(0) != "wal") throw StoreError("cannot enable WAL");
    }
    migrate(db);
    // The side files exist by now; they inherit 0600 from the main file, enforce it anyway.
    fs::restrict_if_exists(path + "-wal");
    fs::restrict_if_exists(path + "-shm");
    return box;
  } catch (const StoreError& e) {
    throw OutboxError("event outbox " + path + ": " + e.what());
  }
}

std::vector<bool> SqliteOutbox::append_all(const std::vector<KeyedEvent>& events) {
  std::vector<std::string> data;
  data.reserve(events.size());
  for (const auto& [event, key] : events) {
    if (event.id.empty() || event.tenant_id.empty()) {
      throw std::invalid_argument("outbox: an event needs an id and a tenant");
    }
    // As event_body() writes it: the same replacement of invalid UTF-8, so the stored data
    // reads back as what is posted.
    data.push_back(event.data.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
  }
  return guarded(mu_, "append", [&] {
    // One transaction, so one commit (and one sync) for the whole batch; a throw rolls it back.
    sql::Transaction tx(*stmts_);
    std::vector<bool> stored;
    for (size_t i = 0; i < events.size(); ++i) {
      const auto& [event, key] = events[i];
      // The key first: a repeated relay of the very same event is a duplicate, not misuse.
      if (!key.empty()) {
        sql::Statement st(*stmts_, q::kHasKey);
        st.bind(1, event.tenant_id).bind(2, key);
        if (st.step()) {
          stored.push_back(false);
          continue;
        }
      }
      {
        sql::Statement st(*stmts_, q::kHasId);
        st.bind(1, event.tenant_id).bind(2, event.id);
        if (st.step()) throw std::invalid_argument("outbox: event id appended twice");
      }
      sql::Statement st(*stmts_, q::kInsert);
      st.bind(1, event.tenant_id)
          .bind(2, event.id)
          .bind(3, std::string(type_name(event.type)))
          .bind(4, event.created_ms)
          .bind(5, data[i])
          .bind(6, key);
      st.run();
      stored.push_back(true);
    }
    tx.commit();
    return stored;
  });
}

std::vector<Event> SqliteOutbox::pending(const std::string& tenant, size_t limit) {
  return guarded(mu_, "pending", [&] {
    std::vector<Event> out;
    sql::Statement st(*stmts_, q::kPending);
    st.bind(1, tenant).bind(2, to_limit(limit));
    while (st.step()) out.push_back(read_event(st, tenant));
    return out;
  });
}

std::map<std::string, size_t> SqliteOutbox::pending_counts() {
  return guarded(mu_, "pending_counts", [&] {
    std::map<std::string, size_t> out;
    sql::Statement st(*stmts_, q::kPendingCounts);
    while (st.step()) out[st.column_text(0)] = static_cast<size_t>(st.column_int(1));
    return out;
  });
}

bool SqliteOutbox::finish(const std::string& tenant, const std::string& id,
                          DeliveryState state) {
  return guarded(mu_, "mark", [&] {
    sql::Transaction tx(*stmts_);
    sql::Statement st(*stmts_, q::kFinish);
    st.bind(1, std::string(state_name(state))).bind(2, tenant).bind(3, id);
    st.run();
    const bool changed = sqlite3_changes(db_) > 0;
    tx.commit();
    return changed;
  });
}

bool SqliteOutbox::mark_delivered(const std::string& tenant, const std::string& id) {
  return finish(tenant, id, DeliveryState::delivered);
}

bool SqliteOutbox::mark_failed(const std::string& tenant, const std::string& id) {
  return finish(tenant, id, DeliveryState::failed);
}

std::vector<StoredEvent> SqliteOutbox::list(const std::string& tenant,
                                            const std::string& after_id, size_t limit) {
  return guarded(mu_, "list", [&] {
    std::vector<StoredEvent> out;
    sql::Statement st(*stmts_, q::kList);
    st.bind(1, tenant).bind(2, after_id).bind(3, to_limit(limit));
    while (st.step()) {
      Event e = read_event(st, tenant);
      const DeliveryState state = read_state(st, 4, tenant, e.id);
      out.push_back(StoredEvent{std::move(e), state});
    }
    return out;
  });
}

size_t SqliteOutbox::expire(int64_t created_before_ms) {
  return guarded(mu_, "expire", [&] {
    sql::Transaction tx(*stmts_);
    sql::Statement st(*stmts_, q::kExpire);
    st.bind(1, created_before_ms);
    st.run();
    const auto removed = static_cast<size_t>(sqlite3_changes(db_));
    tx.commit();
    return removed;
  });
}

std::map<std::string, std::string> SqliteOutbox::tenant_urls() {
  return guarded(mu_, "tenant_urls", [&] {
    std::map<std::string, std::string> out;
    sql::Statement st(*stmts_, q::kTenantUrls);
    while (st.step()) out[st.column_text(0)] = st.column_text(1);
    return out;
  });
}

void SqliteOutbox::set_tenant_url(const std::string& tenant,
                                  const std::optional<std::string>& url) {
  if (tenant.empty()) throw std::invalid_argument("outbox: a tenant URL needs a tenant");
  guarded(mu_, "set_tenant_url", [&] {
    sql::Transaction tx(*stmts_);
    if (url) {
      sql::Statement st(*stmts_, q::kSetTenantUrl);
      st.bind(1, tenant).bind(2, *url);
      st.run();
    } else {
      sql::Statement st(*stmts_, q::kRemoveTenantUrl);
      st.bind(1, tenant);
      st.run();
    }
    tx.commit();
  });
}

}  // namespace webhooks
