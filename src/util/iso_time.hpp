// ISO-8601 UTC timestamps for the HTTP API and webhook bodies ("2023-11-14T22:13:20.123Z").
// Pure arithmetic (no gmtime, no locale), so it is thread-safe and total over int64 input.
#pragma once
#include <cstdint>
#include <string>

namespace util {

// Unix milliseconds -> "YYYY-MM-DDTHH:MM:SS.mmmZ" (proleptic Gregorian, UTC).
std::string iso8601_utc_ms(int64_t unix_ms);

}  // namespace util
