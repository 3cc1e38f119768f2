#include "wa/store/sqlite_util.hpp"

#include <sqlite3.h>

#include <cstring>
#include <mutex>

#include "util/log.hpp"

namespace wa::store::sql {

// Many idle sessions, one connection each: by default every connection's page cache starts with
// one bulk allocation of SQLITE_DEFAULT_PCACHE_INITSZ pages (20 pages, about 87 KB with 4 KiB
// pages) that stays until the connection closes, used or not. With no bulk block, pages are
// allocated one by one as they are read and sqlite3_db_release_memory (Store::trim) can free
// them. SQLITE_CONFIG_PAGECACHE(NULL, 0, 0) means exactly that ("no initial bulk allocation").
// Memory statistics: with them on (SQLite's default), every allocation and free of every
// connection takes one process-wide mutex to count bytes, and the tenants' network and sync
// threads queue on it. Nothing here reads sqlite3_memory_used(), so they are switched off.
void configure_process() {
  static std::once_flag once;
  std::call_once(once, [] {
    // SQLITE_MISUSE: SQLite was initialised earlier in this process; only memory or speed is
    // at stake, not correctness.
    auto refused = [](const char* option, int rc) {
      util::log::warn("sqlite_config_refused", "", {{"option", option}, {"error", sqlite3_errstr(rc)}});
    };
    if (int rc = sqlite3_config(SQLITE_CONFIG_PAGECACHE, nullptr, 0, 0); rc != SQLITE_OK)
      refused("pagecache", rc);
    if (int rc = sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0); rc != SQLITE_OK)
      refused("memstatus", rc);
  });
}

void fail(sqlite3* db, const std::string& what) {
  throw StoreError(what + ": " + (db ? sqlite3_errmsg(db) : "out of memory"));
}

void check(sqlite3* db, int rc, const std::string& what) {
  if (rc != SQLITE_OK && rc != SQLITE_ROW && rc != SQLITE_DONE) fail(db, what);
}

void exec(sqlite3* db, const std::string& sql) {
  char* err = nullptr;
  int rc = sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &err);
  if (rc != SQLITE_OK) {
    std::string msg = err ? err : sqlite3_errstr(rc);
    sqlite3_free(err);
    throw StoreError("sqlite exec failed: " + msg);
  }
}

void StatementCache::clear() {
  for (auto& [sql, stmt] : kept_) sqlite3_finalize(stmt);
  kept_.clear();
}

sqlite3_stmt* StatementCache::take(const char* sql) {
  for (auto it = kept_.begin(); it != kept_.end(); ++it) {
    if (it->first != sql) continue;
    sqlite3_stmt* stmt = it->second;
    kept_.erase(it);
    if (std::strcmp(sqlite3_sql(stmt), sql) == 0) return stmt;
    sqlite3_finalize(stmt);  // another text now lives at that address
    break;
  }
  sqlite3_stmt* stmt = nullptr;
  check(db_, sqlite3_prepare_v3(db_, sql, -1, SQLITE_PREPARE_PERSISTENT, &stmt, nullptr),
        "prepare failed");
  return stmt;
}

void StatementCache::give_back(const char* sql, sqlite3_stmt* stmt) {
  // Reset before keeping: a statement left mid-way would hold its read transaction open.
  // sqlite3_reset repeats the last step's error code, which step() already reported.
  sqlite3_reset(stmt);
  sqlite3_clear_bindings(stmt);
  for (const auto& kept : kept_) {
    if (kept.first == sql) {  // a second copy, used by a nested call: one is enough
      sqlite3_finalize(stmt);
      return;
    }
  }
  kept_.emplace_back(sql, stmt);
}

Statement::Statement(sqlite3* db, const char* sql) : db_(db), sql_(sql) {
  check(db_, sqlite3_prepare_v2(db_, sql, -1, &stmt_, nullptr), "prepare failed");
}

Statement::Statement(StatementCache& cache, const char* sql)
    : db_(cache.db()), stmt_(cache.take(sql)), cache_(&cache), sql_(sql) {}

Statement::~Statement() {
  if (cache_) {
    cache_->give_back(sql_, stmt_);
  } else {
    sqlite3_finalize(stmt_);
  }
}

Statement& Statement::bind(int idx, const util::Bytes& blob) {
  // A zero-length blob must still be a BLOB, not NULL: SQLite binds NULL for a null pointer,
  // so pass a valid address even when the vector is empty.
  static const uint8_t kEmpty = 0;
  const void* p = blob.empty() ? static_cast<const void*>(&kEmpty) : blob.data();
  check(db_, sqlite3_bind_blob(stmt_, idx, p, static_cast<int>(blob.size()), SQLITE_TRANSIENT),
        "bind failed");
  return *this;
}

Statement& Statement::bind(int idx, const std::string& text) {
  check(db_, sqlite3_bind_text(stmt_, idx, text.data(), static_cast<int>(text.size()),
                               SQLITE_TRANSIENT),
        "bind failed");
  return *this;
}

Statement& Statement::bind(int idx, int64_t value) {
  check(db_, sqlite3_bind_int64(stmt_, idx, value), "bind failed");
  return *this;
}

bool Statement::step() {
  int rc = sqlite3_step(stmt_);
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  fail(db_, "step failed");
}

void Statement::run() {
  while (step()) {
  }
}

void Statement::reset() {
  // sqlite3_reset repeats the last step's error code, which run()/step() already reported.
  sqlite3_reset(stmt_);
  sqlite3_clear_bindings(stmt_);
}

util::Bytes Statement::column_blob(int col) const {
  const auto* p = static_cast<const uint8_t*>(sqlite3_column_blob(stmt_, col));
  int n = sqlite3_column_bytes(stmt_, col);
  if (!p || n <= 0) return {};
  return util::Bytes(p, p + n);
}

std::string Statement::column_text(int col) const {
  const auto* p = reinterpret_cast<const char*>(sqlite3_column_text(stmt_, col));
  int n = sqlite3_column_bytes(stmt_, col);
  if (!p || n <= 0) return {};
  return std::string(p, static_cast<size_t>(n));
}

int64_t Statement::column_int(int col) const { return sqlite3_column_int64(stmt_, col); }

bool Statement::column_is_null(int col) const {
  return sqlite3_column_type(stmt_, col) == SQLITE_NULL;
}

namespace {
// One fixed savepoint name suffices: RELEASE / ROLLBACK TO act on the most recent savepoint of
// that name, and RAII guarantees inner savepoints end before outer ones. Each text is one
// object, so a StatementCache keeps one statement for it.
constexpr char kBegin[] = "BEGIN IMMEDIATE";
constexpr char kBeginDeferred[] = "BEGIN";
constexpr char kCommit[] = "COMMIT";
constexpr char kRollback[] = "ROLLBACK";
constexpr char kSavepoint[] = "SAVEPOINT wa_nested";
constexpr char kRelease[] = "RELEASE wa_nested";
constexpr char kRollbackTo[] = "ROLLBACK TO wa_nested";
}  // namespace

Transaction::Transaction(sqlite3* db) : db_(db), nested_(sqlite3_get_autocommit(db) == 0) {
  run(nested_ ? kSavepoint : kBegin);
}

Transaction::Transaction(StatementCache& cache, bool deferred)
    : db_(cache.db()), cache_(&cache), nested_(sqlite3_get_autocommit(db_) == 0) {
  run(nested_ ? kSavepoint : deferred ? kBeginDeferred : kBegin);
}

Transaction::~Transaction() {
  if (done_) return;
  // Already unwinding from the real error; a failed rollback cannot be reported from a
  // destructor, and SQLite rolls back an open transaction itself when the connection closes.
  try {
    if (nested_) {
      run(kRollbackTo);
      run(kRelease);
    } else {
      run(kRollback);
    }
  } catch (const StoreError&) {
  }
}

void Transaction::commit() {
  run(nested_ ? kRelease : kCommit);
  done_ = true;
}

void Transaction::run(const char* sql) {
  if (cache_) {
    Statement(*cache_, sql).run();
  } else {
    exec(db_, sql);
  }
}

}  // namespace wa::store::sql
