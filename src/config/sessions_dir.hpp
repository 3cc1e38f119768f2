// The sessions directory, checked once at start: a service that cannot write it would answer
// GET /health and then fail every POST /session with internal_error.
#pragma once
#include <string>

namespace sidecar {

// Creates `dir` if missing (parents with default modes, `dir` itself 0700), then creates and
// removes a probe file in it. Throws ConfigError naming sessions_dir (env SESSIONS_DIR) with
// the reason if any step fails. An existing directory's mode is left alone.
void prepare_sessions_dir(const std::string& dir);

}  // namespace sidecar
