#include <catch2/catch.hpp>

#include "util/iso_time.hpp"

using util::iso8601_utc_ms;

// Expected strings are from GNU date (date -u -d @SECONDS), not from the code under test.
TEST_CASE("iso8601_utc_ms formats known instants", "[http][time]") {
  CHECK(iso8601_utc_ms(0) == "1970-01-01T00:00:00.000Z");
  CHECK(iso8601_utc_ms(1700000000123) == "2023-11-14T22:13:20.123Z");
  CHECK(iso8601_utc_ms(951782400000) == "2000-02-29T00:00:00.000Z");  // leap day
  CHECK(iso8601_utc_ms(951868799999) == "2000-02-29T23:59:59.999Z");
  CHECK(iso8601_utc_ms(253402300799999) == "9999-12-31T23:59:59.999Z");
  CHECK(iso8601_utc_ms(4107542400000) == "2100-03-01T00:00:00.000Z");  // 2100 is not leap
}

TEST_CASE("iso8601_utc_ms floors instants before the epoch", "[http][time]") {
  CHECK(iso8601_utc_ms(-1) == "1969-12-31T23:59:59.999Z");
  CHECK(iso8601_utc_ms(-1000) == "1969-12-31T23:59:59.000Z");
  CHECK(iso8601_utc_ms(-86400000) == "1969-12-31T00:00:00.000Z");
}
