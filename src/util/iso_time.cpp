#include "util/iso_time.hpp"

#include <cstdio>

namespace util {
namespace {

// Floor division: -1 ms is 1969-12-31T23:59:59.999Z, not 1970-01-01T00:00:00.-01.
int64_t floor_div(int64_t a, int64_t b) {
  int64_t q = a / b;
  if ((a % b != 0) && ((a < 0) != (b < 0))) --q;
  return q;
}

struct CivilDate {
  int64_t year;
  unsigned month;  // 1..12
  unsigned day;    // 1..31
};

// Days since 1970-01-01 -> civil date, Howard Hinnant's "civil_from_days" algorithm
// (eras of 400 years, March-based years so the leap day is the last day of the year).
CivilDate civil_from_days(int64_t z) {
  z += 719468;
  const int64_t era = floor_div(z, 146097);
  const int64_t doe = z - era * 146097;                                   // [0, 146096]
  const int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;  // [0, 399]
  const int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);            // [0, 365]
  const int64_t mp = (5 * doy + 2) / 153;                                 // [0, 11]
  const unsigned d = static_cast<unsigned>(doy - (153 * mp + 2) / 5 + 1);
  const unsigned m = static_cast<unsigned>(mp < 10 ? mp + 3 : mp - 9);
  const int64_t y = yoe + era * 400 + (m <= 2 ? 1 : 0);
  return {y, m, d};
}

}  // namespace

std::string iso8601_utc_ms(int64_t unix_ms) {
  const int64_t ms_per_day = 86400000;
  const int64_t days = floor_div(unix_ms, ms_per_day);
  int64_t rem = unix_ms - days * ms_per_day;  // [0, 86399999]
  const CivilDate date = civil_from_days(days);
  const int64_t hour = rem / 3600000;
  rem %= 3600000;
  const int64_t minute = rem / 60000;
  rem %= 60000;
  const int64_t second = rem / 1000;
  const int64_t milli = rem % 1000;
  char buf[64];
  std::snprintf(buf, sizeof buf, "%04lld-%02u-%02uT%02lld:%02lld:%02lld.%03lldZ",
                static_cast<long long>(date.year), date.month, date.day,
                static_cast<long long>(hour), static_cast<long long>(minute),
                static_cast<long long>(second), static_cast<long long>(milli));
  return buf;
}

}  // namespace util
