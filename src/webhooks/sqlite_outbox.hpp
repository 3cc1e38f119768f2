// The durable Outbox (outbox.hpp): every tenant's events and webhook URLs in one SQLite file, the
// service's SESSIONS_DIR/events.db. One file for all tenants rather than a table in each
// tenant's store: events outlive their session (a deleted or logged-out session's store goes
// while its last events are still being delivered), and delivery resumes every tenant from one
// query.
//
// Durability: WAL with synchronous=FULL. Every write (append, a mark, expire, a tenant URL) is
// one transaction, committed before the method returns, so what a method reported survives a
// crash or a power loss, and a failed write leaves no part of itself behind. The file and its
// -wal/-shm side files are 0600: event data carries message texts and phone numbers. The schema
// version is PRAGMA user_version; open() creates or upgrades the schema and refuses a file from
// a newer build.
//
// Threads: one connection, guarded by one mutex, so calls run one at a time. That is enough for
// this load: each call is a few indexed statements, and the commit's fsync, which dominates a
// write, would serialise on the one WAL anyway.
//
// Errors: every SQLite failure (I/O, a full disk, a busy lock beyond the timeout, a corrupt
// file, a row whose columns no longer parse) throws OutboxError; misuse throws
// std::invalid_argument, as the contract says. Neither changes anything.
#pragma once
#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "webhooks/outbox.hpp"

struct sqlite3;
namespace wa::store::sql { class StatementCache; }

namespace webhooks {

class SqliteOutbox : public Outbox {
 public:
  // Opens the database at `path`, creating the file (0600) and its schema when missing; the
  // parent directory must exist. Throws OutboxError when the file cannot be created or opened,
  // is not an SQLite database, or has a schema newer than this build.
  static std::unique_ptr<SqliteOutbox> open(const std::string& path);
  ~SqliteOutbox() override;
  SqliteOutbox(const SqliteOutbox&) = delete;
  SqliteOutbox& operator=(const SqliteOutbox&) = delete;

  std::vector<bool> append_all(const std::vector<KeyedEvent>& events) override;
  std::vector<Event> pending(const std::string& tenant, size_t limit) override;
  std::map<std::string, size_t> pending_counts() override;
  bool mark_delivered(const std::string& tenant, const std::string& id) override;
  bool mark_failed(const std::string& tenant, const std::string& id) override;
  std::vector<StoredEvent> list(const std::string& tenant, const std::string& after_id,
                                size_t limit) override;
  size_t expire(int64_t created_before_ms) override;
  std::map<std::string, std::string> tenant_urls() override;
  void set_tenant_url(const std::string& tenant, const std::optional<std::string>& url) override;

 private:
  explicit SqliteOutbox(sqlite3* db);
  bool finish(const std::string& tenant, const std::string& id, DeliveryState state);

  std::mutex mu_;  // around every use of db_ and stmts_
  sqlite3* db_;
  std::unique_ptr<wa::store::sql::StatementCache> stmts_;  // db_'s prepared statements
};

}  // namespace webhooks
