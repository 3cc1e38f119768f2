#include "wa/store/sqlite_util.hpp"

#include <sqlite3.h>

#include <mutex>

#include "util/log.hpp"

namespace wa::store::sql {

// Many idle sessions, one connection each: by default every connection's page cache starts with
// one bulk allocation of SQLITE_DEFAULT_PCACHE_INITSZ pages (20 pages, about 87 KB with 4 KiB
// pages) that stays until the connection closes, used or not. With no bulk block, pages are
// allocated one by one as they are read and sqlite3_db_release_memory (Store::trim) can free
// them. SQLITE_CONFIG_PAGECACHE(NULL, 0, 0) means exactly that ("no initial bulk allocation").
void configure_process() {
  static std::once_flag once;
  std::call_once(once, [] {
    const int rc = sqlite3_config(SQLITE_CONFIG_PAGECACHE, nullptr, 0, 0);
    // SQLITE_MISUSE: SQLite was initialised earlier in this process; only memory is at stake.
    if (rc != SQLITE_OK)
      util::log::warn("sqlite_config_refused", "",
                      {{"option", "pagecache"}, {"error", sqlite3_errstr(rc)}});
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

Statement::Statement(sqlite3* db, const char* sql) : db_(db), sql_(sql) {
  check(db_, sqlite3_prepare_v2(db_, sql, -1, &stmt_, nullptr), "prepare failed");
}

Statement::~Statement() { sqlite3_finalize(stmt_); }

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
// One fixed name suffices: RELEASE / ROLLBACK TO act on the most recent savepoint of that name,
// and RAII guarantees inner savepoints end before outer ones.
constexpr const char* kSavepoint = "wa_nested";
}  // namespace

Transaction::Transaction(sqlite3* db) : db_(db), nested_(sqlite3_get_autocommit(db) == 0) {
  exec(db_, nested_ ? std::string("SAVEPOINT ") + kSavepoint : std::string("BEGIN IMMEDIATE"));
}

Transaction::~Transaction() {
  if (!done_) {
    // Already unwinding from the real error; a failed rollback cannot be reported from a
    // destructor, and SQLite rolls back an open transaction itself when the connection closes.
    if (nested_) {
      const std::string undo =
          std::string("ROLLBACK TO ") + kSavepoint + "; RELEASE " + kSavepoint;
      sqlite3_exec(db_, undo.c_str(), nullptr, nullptr, nullptr);
    } else {
      sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
    }
  }
}

void Transaction::commit() {
  exec(db_, nested_ ? std::string("RELEASE ") + kSavepoint : std::string("COMMIT"));
  done_ = true;
}

}  // namespace wa::store::sql
