// Structured logging: one JSON object per line on stderr:
// {"time":"2026-11-23T13:07:58.123Z","level":"info","event":"connected","tenant":"acme",...}
// Never pass secrets, keys or message text as fields. Thread-safe.
#pragma once
#include <string>
#include <nlohmann/json.hpp>

namespace util::log {

enum class Level { debug = 0, info, warn, error };
void set_level(Level l);
bool parse_level(const std::string& text, Level* out);
bool enabled(Level l);

// tenant may be empty (then omitted).
void write(Level l, const std::string& event, const std::string& tenant,
           const nlohmann::json& fields = nlohmann::json::object());
inline void debug(const std::string& e, const std::string& t, const nlohmann::json& f = nlohmann::json::object()) { write(Level::debug, e, t, f); }
inline void info(const std::string& e, const std::string& t, const nlohmann::json& f = nlohmann::json::object()) { write(Level::info, e, t, f); }
inline void warn(const std::string& e, const std::string& t, const nlohmann::json& f = nlohmann::json::object()) { write(Level::warn, e, t, f); }
inline void error(const std::string& e, const std::string& t, const nlohmann::json& f = nlohmann::json::object()) { write(Level::error, e, t, f); }

}  // namespace util::log
