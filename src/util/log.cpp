// JSON-lines logger (util/log.hpp). The whole line is formatted first and written with a single
// fwrite under one mutex, so lines from different threads never interleave.
#include "util/log.hpp"

#include <atomic>
#include <chrono>
#include <cstdio>
#include <ctime>
#include <mutex>

namespace util::log {
namespace {

std::atomic<int> g_level{static_cast<int>(Level::info)};
std::mutex g_mu;

const char* level_name(Level l) {
  switch (l) {
    case Level::debug: return "debug";
    case Level::info: return "info";
    case Level::warn: return "warn";
    case Level::error: return "error";
  }
  return "info";
}

std::string utc_now_iso8601_ms() {
  using namespace std::chrono;
  auto now = system_clock::now();
  auto ms = duration_cast<milliseconds>(now.time_since_epoch()).count();
  std::time_t secs = static_cast<std::time_t>(ms / 1000);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[64];  // ample for any int the compiler assumes tm fields may hold
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900,
                tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
                static_cast<int>(ms % 1000));
  return buf;
}

// Invalid UTF-8 (e.g. a peer-supplied name) is replaced rather than thrown: logging must not
// fail the operation it describes.
std::string dump(const nlohmann::json& j) {
  return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

bool is_reserved(const std::string& key) {
  return key == "time" || key == "level" || key == "event" || key == "tenant";
}

}  // namespace

void set_level(Level l) { g_level.store(static_cast<int>(l), std::memory_order_relaxed); }

bool parse_level(const std::string& text, Level* out) {
  static const Level kAll[] = {Level::debug, Level::info, Level::warn, Level::error};
  for (Level l : kAll) {
    if (text == level_name(l)) {
      *out = l;
      return true;
    }
  }
  return false;
}

bool enabled(Level l) {
  return static_cast<int>(l) >= g_level.load(std::memory_order_relaxed);
}

void write(Level l, const std::string& event, const std::string& tenant,
           const nlohmann::json& fields) {
  if (!enabled(l)) return;
  // Built by hand to keep the documented key order (nlohmann::json objects sort their keys).
  std::string line = "{\"time\":" + dump(utc_now_iso8601_ms()) + ",\"level\":" + dump(level_name(l)) +
                     ",\"event\":" + dump(event);
  if (!tenant.empty()) line += ",\"tenant\":" + dump(tenant);
  if (fields.is_object()) {
    for (const auto& item : fields.items()) {
      // A field may not overwrite the envelope; it is kept under a prefixed name instead.
      std::string key = is_reserved(item.key()) ? "field_" + item.key() : item.key();
      line += "," + dump(key) + ":" + dump(item.value());
    }
  } else if (!fields.is_null()) {
    line += ",\"data\":" + dump(fields);
  }
  line += "}\n";
  std::lock_guard<std::mutex> lock(g_mu);
  std::fwrite(line.data(), 1, line.size(), stderr);
  std::fflush(stderr);
}

}  // namespace util::log
