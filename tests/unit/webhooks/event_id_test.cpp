// Event ids: ULID text that sorts in creation order, strictly increasing within a millisecond
// and when the clock steps back, unique over many generations, with a decodable time.
#include <catch2/catch.hpp>

#include <algorithm>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "webhooks/event_id.hpp"

using webhooks::event_id_time_ms;
using webhooks::EventIdGenerator;
using webhooks::is_event_id;

TEST_CASE("event id: the ULID encoding of time and randomness", "[webhooks][event_id]") {
  // Fixed randomness: the ULID spec's layout can be checked by hand. 1469918176385 ms is the
  // spec's example time, encoded "01ARYZ6S41"; ten 0xff bytes are sixteen 'Z's.
  EventIdGenerator ones([](uint8_t* out, size_t n) { std::fill(out, out + n, 0xff); });
  CHECK(ones.next(1469918176385) == "01ARYZ6S41ZZZZZZZZZZZZZZZZ");
  EventIdGenerator zeros([](uint8_t* out, size_t n) { std::fill(out, out + n, 0x00); });
  CHECK(zeros.next(0) == "00000000000000000000000000");
  CHECK(zeros.next(1) == "00000000010000000000000000");
  CHECK(zeros.next((int64_t{1} << 48) - 1) == "7ZZZZZZZZZ0000000000000000");
  CHECK_THROWS_AS(zeros.next(int64_t{1} << 48), std::invalid_argument);
  CHECK_THROWS_AS(zeros.next(-1), std::invalid_argument);
}

TEST_CASE("event id: the time decodes; non-canonical text is not an id", "[webhooks][event_id]") {
  EventIdGenerator gen;
  for (int64_t t : {int64_t{0}, int64_t{1700000000123}, (int64_t{1} << 48) - 1}) {
    const std::string id = gen.next(t);
    INFO(id);
    CHECK(is_event_id(id));
    CHECK(event_id_time_ms(id) == t);
  }
  CHECK(event_id_time_ms("01ARYZ6S41ZZZZZZZZZZZZZZZZ") == 1469918176385);
  for (const char* bad : {"", "01ARYZ6S41ZZZZZZZZZZZZZZZ", "01ARYZ6S41ZZZZZZZZZZZZZZZZZ",
                          "01aryz6s41zzzzzzzzzzzzzzzz",   // lower case is not canonical
                          "01ARYZ6S41ZZZZZZZZZZZZZZZI",   // I, L, O, U are not Crockford digits
                          "01ARYZ6S41ZZZZZZZZZZZZZZZU", "01ARYZ6S41.ZZZZZZZZZZZZZZZ",
                          "80000000000000000000000000"}) {  // time above 48 bits
    INFO(bad);
    CHECK_FALSE(is_event_id(bad));
    CHECK_FALSE(event_id_time_ms(bad));
  }
}

TEST_CASE("event id: strictly increasing within a millisecond and when the clock steps back",
          "[webhooks][event_id]") {
  EventIdGenerator gen;
  std::vector<std::string> ids;
  for (int i = 0; i < 1000; ++i) ids.push_back(gen.next(1700000000000));
  ids.push_back(gen.next(1699999999000));  // the clock stepped back a second
  ids.push_back(gen.next(1700000000000));
  ids.push_back(gen.next(1700000000001));
  for (size_t i = 1; i < ids.size(); ++i) {
    INFO(i << ": " << ids[i - 1] << " < " << ids[i]);
    CHECK(ids[i - 1] < ids[i]);
  }
  // Within a millisecond the time part stays, and the random part counts up by one.
  CHECK(ids[0].substr(0, 10) == ids[999].substr(0, 10));
  CHECK(event_id_time_ms(ids[1000]) == 1700000000000);
  CHECK(event_id_time_ms(ids[1002]) == 1700000000001);
}

TEST_CASE("event id: a random part at its maximum borrows the next millisecond",
          "[webhooks][event_id]") {
  EventIdGenerator gen([](uint8_t* out, size_t n) { std::fill(out, out + n, 0xff); });
  const std::string a = gen.next(5000);
  const std::string b = gen.next(5000);
  CHECK(a < b);
  CHECK(event_id_time_ms(b) == 5001);
}

TEST_CASE("event id: unique and sorted across 100k generations on four threads",
          "[webhooks][event_id]") {
  EventIdGenerator gen;
  std::vector<std::vector<std::string>> per_thread(4);
  std::vector<std::thread> threads;
  for (auto& out : per_thread) {
    threads.emplace_back([&gen, &out] {
      for (int i = 0; i < 25000; ++i) out.push_back(gen.next(1700000000000 + i / 100));
    });
  }
  for (auto& t : threads) t.join();
  std::set<std::string> all;
  for (const auto& out : per_thread) {
    // Each thread sees its own ids increase: the generator is monotonic across threads.
    CHECK(std::is_sorted(out.begin(), out.end()));
    CHECK(std::adjacent_find(out.begin(), out.end()) == out.end());
    all.insert(out.begin(), out.end());
  }
  CHECK(all.size() == 100000);
}
