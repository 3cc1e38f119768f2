// Thin RAII layer over the SQLite C API, internal to the store module.
// Every failure becomes a StoreError carrying SQLite's own message (which names tables and
// constraints, never bound values, so no key material can leak into it).
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>
#include "util/bytes.hpp"
#include "wa/store/device_store.hpp"

struct sqlite3_stmt;

namespace wa::store::sql {

// The process-wide SQLite settings (sqlite3_config), applied once; call it before opening any
// connection, since SQLite accepts them only before its first connection initialises it. Every
// database of the process goes through this: the store's per-tenant ones and others (the
// webhook outbox), whichever opens first. A refusal is logged, not thrown (only memory and
// speed are at stake).
void configure_process();

// Throws StoreError("<what>: <sqlite message>") unless rc is one of the success codes.
[[noreturn]] void fail(sqlite3* db, const std::string& what);
void check(sqlite3* db, int rc, const std::string& what);

// Runs one or more statements that return no rows needed by the caller.
void exec(sqlite3* db, const std::string& sql);

// The prepared statements of one connection, kept between calls. Preparing parses and plans
// the SQL again every time, which was a third of the store's CPU time under a send load
// (bench/RESULTS.md). A statement is taken out while in use, so the same SQL used twice at once
// (nested calls) simply prepares a second one. Not thread-safe: the connection's owner
// serialises its use, as it does for the connection.
class StatementCache {
 public:
  explicit StatementCache(sqlite3* db) : db_(db) {}
  ~StatementCache() { clear(); }
  StatementCache(const StatementCache&) = delete;
  StatementCache& operator=(const StatementCache&) = delete;

  sqlite3* db() const { return db_; }
  // Finalises every kept statement (their memory goes back); later uses prepare again.
  void clear();
  size_t size() const { return kept_.size(); }

 private:
  friend class Statement;
  sqlite3_stmt* take(const char* sql);
  void give_back(const char* sql, sqlite3_stmt* stmt);

  sqlite3* db_;
  // Keyed by the address of the SQL text (the callers pass string literals): no copy or hash of
  // the text per call. take() compares the text too, so two texts at one address never mix.
  std::vector<std::pair<const char*, sqlite3_stmt*>> kept_;
};

// A prepared statement, finalised on destruction, or reset and returned when it came from a
// StatementCache. Parameters are 1-based as in SQLite.
class Statement {
 public:
  Statement(sqlite3* db, const char* sql);
  Statement(StatementCache& cache, const char* sql);
  ~Statement();
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;

  Statement& bind(int idx, const util::Bytes& blob);
  Statement& bind(int idx, const std::string& text);
  Statement& bind(int idx, int64_t value);

  // true while a row is available; false when done. Throws on error.
  bool step();
  // Steps a statement expected to return no rows (INSERT/UPDATE/DELETE).
  void run();
  // Rewinds the statement and clears its bindings, to run it again with new values.
  void reset();

  util::Bytes column_blob(int col) const;
  std::string column_text(int col) const;
  int64_t column_int(int col) const;
  bool column_is_null(int col) const;

 private:
  sqlite3* db_;
  sqlite3_stmt* stmt_ = nullptr;
  StatementCache* cache_ = nullptr;
  const char* sql_;
};

// BEGIN IMMEDIATE on construction (take the write lock up front so the transaction cannot fail
// half-way with SQLITE_BUSY on upgrade); ROLLBACK on destruction unless commit() ran, so an
// exception anywhere inside leaves the database unchanged.
// Nesting: when the connection is already inside a transaction (Store::transaction() running a
// Signal ratchet step that calls other Store methods), this becomes a SAVEPOINT inside it:
// commit() releases the savepoint into the outer transaction (nothing is durable until the
// outermost commit) and destruction without commit() rolls back only this inner part. The
// caller must hold the Store's mutex, so "already inside" always means "inside our own".
// With a StatementCache its BEGIN, COMMIT and savepoint statements are kept there as well.
// A `deferred` transaction (BEGIN) takes no lock until its first read and the write lock only at
// its first write: a group of reads shares one snapshot and one set of locks.
class Transaction {
 public:
  explicit Transaction(sqlite3* db);
  explicit Transaction(StatementCache& cache, bool deferred = false);
  ~Transaction();
  Transaction(const Transaction&) = delete;
  Transaction& operator=(const Transaction&) = delete;
  void commit();

 private:
  void run(const char* sql);

  sqlite3* db_;
  StatementCache* cache_ = nullptr;
  bool nested_;
  bool done_ = false;
};

}  // namespace wa::store::sql
