// Schema migrations for store.db. The schema version lives in SQLite's user_version header
// field; migration N (1-based) upgrades version N-1 to N inside one transaction together with
// the version bump, so an interrupted upgrade leaves the previous version intact.
// Later work adds tables by appending a migration to the list in migrations.cpp; never edit a
// migration that has shipped.
#pragma once

struct sqlite3;

namespace wa::store {

// Number of migrations this build knows, i.e. the schema version it produces.
int latest_schema_version();

// Brings the database to latest_schema_version(). Throws StoreError if the file was written by
// a newer build (unknown schema) or a migration fails.
void run_migrations(sqlite3* db);

}  // namespace wa::store
