// Store::trim and trim_if_idle: the WAL's frames reach store.db, nothing is lost, and it is harmless
// inside a transaction or on an empty WAL.
#include <catch2/catch.hpp>
#include <sqlite3.h>

#include <filesystem>

#include "temp_dir.hpp"
#include "wa/store/device_store.hpp"

using store_test::TempDir;
using wa::store::Store;

namespace {

// page_count * page_size, read on a separate connection.
uintmax_t logical_size(const std::string& db_path) {
  sqlite3* db = nullptr;
  REQUIRE(sqlite3_open_v2(db_path.c_str(), &db, SQLITE_OPEN_READONLY, nullptr) == SQLITE_OK);
  auto one = [&](const char* sql) {
    sqlite3_stmt* st = nullptr;
    REQUIRE(sqlite3_prepare_v2(db, sql, -1, &st, nullptr) == SQLITE_OK);
    REQUIRE(sqlite3_step(st) == SQLITE_ROW);
    const auto v = static_cast<uintmax_t>(sqlite3_column_int64(st, 0));
    sqlite3_finalize(st);
    return v;
  };
  const uintmax_t size = one("PRAGMA page_count") * one("PRAGMA page_size");
  sqlite3_close(db);
  return size;
}

}  // namespace

TEST_CASE("trim checkpoints the WAL into store.db and keeps every row", "[store][trim]") {
  TempDir tmp;
  const std::string db = tmp.path + "/store.db";
  auto s = Store::open(tmp.path);
  // Enough rows that the new pages live only in the WAL until a checkpoint (SQLite's automatic
  // checkpoint starts at 1000 WAL pages; 200 prekeys are far fewer).
  const auto keys = s->get_or_generate_prekeys(200);
  s->mark_prekeys_uploaded(keys.back().id);
  const uintmax_t before = std::filesystem::file_size(db);
  const uintmax_t wanted = logical_size(db);
  REQUIRE(before < wanted);  // the precondition that makes the next check meaningful

  s->trim();
  CHECK(std::filesystem::file_size(db) == wanted);
  CHECK(s->uploaded_prekey_count() == 200);
  CHECK(s->load_prekey(keys[17].id)->key.pub == keys[17].key.pub);

  s->trim();  // nothing left to copy: still fine
  s.reset();
  auto reopened = Store::open(tmp.path);
  CHECK(reopened->uploaded_prekey_count() == 200);
}

TEST_CASE("trim inside a transaction does nothing and the transaction still commits", "[store][trim]") {
  TempDir tmp;
  auto s = Store::open(tmp.path);
  s->transaction([&] {
    s->put_lid_mapping("123", "15550001111");
    s->trim();
  });
  CHECK(s->pn_for_lid("123") == std::optional<std::string>("15550001111"));
}

TEST_CASE("trim_if_idle trims once a period passed without commits, then not again",
          "[store][trim]") {
  TempDir tmp;
  auto s = Store::open(tmp.path);
  CHECK_FALSE(s->trim_if_idle());  // nothing committed since opening
  s->put_lid_mapping("123", "15550001111");
  CHECK_FALSE(s->trim_if_idle());  // committed during this period: busy
  CHECK(s->trim_if_idle());        // a whole period without commits
  CHECK_FALSE(s->trim_if_idle());  // already trimmed, nothing new
  s->put_lid_mapping("124", "15550001112");
  s->trim();                       // a full trim counts as well
  CHECK_FALSE(s->trim_if_idle());
  CHECK_FALSE(s->trim_if_idle());
  // The statements it finalised are prepared again on demand.
  CHECK(s->pn_for_lid("123") == std::optional<std::string>("15550001111"));
  CHECK(s->pn_for_lid("124") == std::optional<std::string>("15550001112"));
}
