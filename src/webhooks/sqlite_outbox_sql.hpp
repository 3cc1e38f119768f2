// SqliteOutbox's schema and statements, internal to it; a header so that the tests can check
// the query plans of the very statements it runs (each read and expire() must use an index, not
// scan the table: the table holds every event of the retention period, 100k+ rows).
//
// The partial indexes are used only by statements whose WHERE clause repeats the index's own
// condition word for word (state = 'pending', state <> 'pending'), which is why the states are
// literals in the statements rather than bound parameters.
#pragma once

namespace webhooks::sqlite_outbox_sql {

// Migration 1. Never edit a shipped migration; append one to kMigrations in sqlite_outbox.cpp.
// - events: one row per event. PRIMARY KEY (tenant, id) orders a tenant's events by id for
//   list(); states are the names state_name() gives; source_key is NULL for an append without
//   one (Outbox "Source keys").
// - events_source_key: one key per tenant; a UNIQUE index over a partial set, since NULL keys
//   never deduplicate.
// - events_pending: pending() and pending_counts() read only the events still to deliver,
//   however many delivered ones the retention keeps.
// - events_finished: expire() finds finished events by age.
// - tenant_urls: one row per tenant with its own webhook URL.
inline constexpr const char* kMigration1 = R"sql(
CREATE TABLE events (
  tenant     TEXT    NOT NULL CHECK (tenant <> ''),
  id         TEXT    NOT NULL CHECK (id <> ''),
  type       TEXT    NOT NULL,
  created_ms INTEGER NOT NULL,
  data       TEXT    NOT NULL,
  state      TEXT    NOT NULL DEFAULT 'pending'
                     CHECK (state IN ('pending', 'delivered', 'failed')),
  source_key TEXT    CHECK (source_key <> ''),
  PRIMARY KEY (tenant, id)
);
CREATE UNIQUE INDEX events_source_key ON events (tenant, source_key)
  WHERE source_key IS NOT NULL;
CREATE INDEX events_pending ON events (tenant, id) WHERE state = 'pending';
CREATE INDEX events_finished ON events (created_ms) WHERE state <> 'pending';

CREATE TABLE tenant_urls (
  tenant TEXT PRIMARY KEY CHECK (tenant <> ''),
  url    TEXT NOT NULL
);
)sql";

inline constexpr const char* kHasKey =
    "SELECT 1 FROM events WHERE tenant = ? AND source_key = ?";
inline constexpr const char* kHasId = "SELECT 1 FROM events WHERE tenant = ? AND id = ?";
// The empty key is stored as NULL, which the unique index lets repeat.
inline constexpr const char* kInsert =
    "INSERT INTO events (tenant, id, type, created_ms, data, state, source_key) "
    "VALUES (?, ?, ?, ?, ?, 'pending', NULLIF(?, ''))";
// INDEXED BY: the primary key would also give (tenant, id) order, and the planner, without
// statistics, may prefer it and then step over every delivered event of the tenant.
inline constexpr const char* kPending =
    "SELECT id, type, created_ms, data FROM events INDEXED BY events_pending "
    "WHERE tenant = ? AND state = 'pending' ORDER BY id LIMIT ?";
inline constexpr const char* kPendingCounts =
    "SELECT tenant, COUNT(*) FROM events WHERE state = 'pending' GROUP BY tenant";
inline constexpr const char* kFinish =
    "UPDATE events SET state = ? WHERE tenant = ? AND id = ? AND state = 'pending'";
inline constexpr const char* kList =
    "SELECT id, type, created_ms, data, state FROM events "
    "WHERE tenant = ? AND id > ? ORDER BY id LIMIT ?";
inline constexpr const char* kExpire =
    "DELETE FROM events WHERE state <> 'pending' AND created_ms < ?";
inline constexpr const char* kTenantUrls = "SELECT tenant, url FROM tenant_urls";
inline constexpr const char* kSetTenantUrl =
    "INSERT INTO tenant_urls (tenant, url) VALUES (?, ?) "
    "ON CONFLICT (tenant) DO UPDATE SET url = excluded.url";
inline constexpr const char* kRemoveTenantUrl = "DELETE FROM tenant_urls WHERE tenant = ?";

}  // namespace webhooks::sqlite_outbox_sql
