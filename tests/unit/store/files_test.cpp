#include <catch2/catch.hpp>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>

#include "temp_dir.hpp"
#include "wa/store/device_store.hpp"

using store_test::TempDir;
using wa::store::Device;
using wa::store::Store;

namespace {

unsigned mode_of(const std::string& path) {
  struct stat st {};
  REQUIRE(::stat(path.c_str(), &st) == 0);
  return st.st_mode & 07777;
}

bool exists(const std::string& p) { return std::filesystem::exists(p); }

// Sets the umask for one scope: the store must not depend on the caller's umask.
struct Umask {
  mode_t old;
  explicit Umask(mode_t m) : old(::umask(m)) {}
  ~Umask() { ::umask(old); }
};

}  // namespace

TEST_CASE("tenant dir is 0700 and database files 0600 even with umask 0", "[store]") {
  TempDir t;
  Umask um(0);
  std::string dir = t.sub("nested/acme");  // parents are created too
  auto s = Store::open(dir);
  s->save_device(Device::generate());  // forces -wal and -shm into existence
  CHECK(mode_of(dir) == 0700);
  REQUIRE(exists(dir + "/store.db"));
  CHECK(mode_of(dir + "/store.db") == 0600);
  REQUIRE(exists(dir + "/store.db-wal"));
  CHECK(mode_of(dir + "/store.db-wal") == 0600);
  REQUIRE(exists(dir + "/store.db-shm"));
  CHECK(mode_of(dir + "/store.db-shm") == 0600);
}

TEST_CASE("open tightens an existing directory and database file", "[store]") {
  TempDir t;
  std::string dir = t.sub("acme");
  { auto s = Store::open(dir); }
  REQUIRE(::chmod(dir.c_str(), 0755) == 0);
  REQUIRE(::chmod((dir + "/store.db").c_str(), 0644) == 0);
  auto s = Store::open(dir);
  CHECK(mode_of(dir) == 0700);
  CHECK(mode_of(dir + "/store.db") == 0600);
}

TEST_CASE("open fails cleanly when the path is a file", "[store]") {
  TempDir t;
  std::ofstream(t.sub("afile")) << "x";
  CHECK_THROWS_AS(Store::open(t.sub("afile")), wa::store::StoreError);
}

TEST_CASE("destroy removes the tenant and is idempotent", "[store]") {
  TempDir t;
  std::string dir = t.sub("acme");
  {
    auto s = Store::open(dir);
    s->save_device(Device::generate());
  }
  REQUIRE(exists(dir + "/store.db"));
  Store::destroy(dir);
  CHECK_FALSE(exists(dir));
  CHECK_NOTHROW(Store::destroy(dir));
  CHECK_NOTHROW(Store::destroy(t.sub("never-existed")));
  CHECK(exists(t.path));  // only the tenant dir goes

  // A destroyed tenant starts from scratch.
  auto s = Store::open(dir);
  CHECK_FALSE(s->load_device().has_value());
}

TEST_CASE("list_tenants returns sorted valid tenant dirs holding store.db", "[store]") {
  TempDir t;
  for (const char* name : {"zeta", "Alpha_1", "mid-2"}) { auto s = Store::open(t.sub(name)); }
  std::filesystem::create_directories(t.sub("empty-dir"));          // no store.db
  std::filesystem::create_directories(t.sub("bad name"));           // invalid name
  std::ofstream(t.sub("bad name/store.db")) << "";
  std::filesystem::create_directories(t.sub("dot.name"));
  std::ofstream(t.sub("dot.name/store.db")) << "";
  std::filesystem::create_directories(t.sub(std::string(65, 'a')));  // too long
  std::ofstream(t.sub(std::string(65, 'a') + "/store.db")) << "";
  std::filesystem::create_directories(t.sub(std::string(64, 'b')));  // longest valid
  std::ofstream(t.sub(std::string(64, 'b') + "/store.db")) << "";
  std::filesystem::create_directories(t.sub("dbisdir/store.db"));   // store.db not a file
  std::ofstream(t.sub("plainfile")) << "";                          // not a directory
  std::filesystem::create_directory_symlink(t.sub("zeta"), t.sub("link"));  // symlink

  auto names = Store::list_tenants(t.path);
  std::vector<std::string> expected{"Alpha_1", std::string(64, 'b'), "mid-2", "zeta"};
  CHECK(names == expected);
  CHECK(Store::list_tenants(t.sub("does-not-exist")).empty());
}
