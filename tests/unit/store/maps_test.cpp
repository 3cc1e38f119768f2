#include <catch2/catch.hpp>

#include <atomic>
#include <thread>

#include "temp_dir.hpp"
#include "wa/store/device_store.hpp"

using store_test::TempDir;
using wa::store::Store;
using Opt = std::optional<std::string>;

TEST_CASE("LID map answers both directions", "[store]") {
  TempDir t;
  auto s = Store::open(t.sub("acme"));
  CHECK_FALSE(s->pn_for_lid("123456789").has_value());
  s->put_lid_mapping("123456789", "15551234567");
  CHECK(s->pn_for_lid("123456789") == Opt("15551234567"));
  CHECK(s->lid_for_pn("15551234567") == Opt("123456789"));
  CHECK_FALSE(s->lid_for_pn("123456789").has_value());  // directions are not mixed up
  CHECK_FALSE(s->pn_for_lid("15551234567").has_value());
}

TEST_CASE("LID map overwrite keeps the mapping one-to-one", "[store]") {
  TempDir t;
  auto s = Store::open(t.sub("acme"));
  s->put_lid_mapping("111", "15550000001");
  s->put_lid_mapping("111", "15550000001");  // idempotent
  CHECK(s->pn_for_lid("111") == Opt("15550000001"));

  // Same LID, new number: the old number no longer maps anywhere.
  s->put_lid_mapping("111", "15550000002");
  CHECK(s->pn_for_lid("111") == Opt("15550000002"));
  CHECK(s->lid_for_pn("15550000002") == Opt("111"));
  CHECK_FALSE(s->lid_for_pn("15550000001").has_value());

  // Same number, new LID: the old LID no longer maps anywhere.
  s->put_lid_mapping("222", "15550000002");
  CHECK(s->lid_for_pn("15550000002") == Opt("222"));
  CHECK(s->pn_for_lid("222") == Opt("15550000002"));
  CHECK_FALSE(s->pn_for_lid("111").has_value());

  CHECK_THROWS_AS(s->put_lid_mapping("", "1"), wa::store::StoreError);
  CHECK_THROWS_AS(s->put_lid_mapping("1", ""), wa::store::StoreError);
}

TEST_CASE("identities are keyed by name and device", "[store]") {
  TempDir t;
  auto s = Store::open(t.sub("acme"));
  util::Bytes k1(32, 0x11), k2(32, 0x22), k3(32, 0x33);
  k1[0] = 0;  // leading zero byte must survive
  s->put_identity("123456789_1", 0, k1);
  s->put_identity("123456789_1", 7, k2);
  CHECK(s->get_identity("123456789_1", 0) == std::optional<util::Bytes>(k1));
  CHECK(s->get_identity("123456789_1", 7) == std::optional<util::Bytes>(k2));
  CHECK_FALSE(s->get_identity("123456789_1", 1).has_value());
  CHECK_FALSE(s->get_identity("987654321_1", 0).has_value());
  s->put_identity("123456789_1", 0, k3);  // replaced (e.g. the contact reinstalled)
  CHECK(s->get_identity("123456789_1", 0) == std::optional<util::Bytes>(k3));
  CHECK_THROWS_AS(s->put_identity("x_1", 0, util::Bytes(33, 5)), wa::store::StoreError);
  CHECK_THROWS_AS(s->put_identity("x_1", 0, util::Bytes()), wa::store::StoreError);
  CHECK_FALSE(s->get_identity("x_1", 0).has_value());
}

TEST_CASE("one store is safe to use from several threads", "[store]") {
  TempDir t;
  auto s = Store::open(t.sub("acme"));
  std::vector<std::thread> threads;
  std::atomic<int> failures{0};
  for (int th = 0; th < 4; ++th) {
    threads.emplace_back([&, th] {
      for (int i = 0; i < 50; ++i) {
        try {
          std::string name = "u" + std::to_string(th) + "_1";
          s->put_identity(name, static_cast<uint32_t>(i), util::Bytes(32, static_cast<uint8_t>(i)));
          s->put_lid_mapping("l" + std::to_string(th * 1000 + i), "p" + std::to_string(th * 1000 + i));
          if (s->get_identity(name, static_cast<uint32_t>(i)) != util::Bytes(32, static_cast<uint8_t>(i))) {
            ++failures;
          }
        } catch (...) {
          ++failures;
        }
      }
    });
  }
  for (auto& th : threads) th.join();
  CHECK(failures == 0);
  CHECK(s->pn_for_lid("l3049") == Opt("p3049"));
  CHECK(s->get_identity("u2_1", 49) == std::optional<util::Bytes>(util::Bytes(32, 49)));
}
