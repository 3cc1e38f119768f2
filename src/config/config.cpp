#include "config/config.hpp"

#include <cstdlib>

#include "config/config_detail.hpp"

namespace sidecar {

Config Config::load(const std::optional<std::string>& yaml_path,
                    const std::map<std::string, std::string>& env) {
  config_detail::RawValues raw;
  if (yaml_path) raw = config_detail::read_yaml(*yaml_path);
  // Environment beats the file, an empty variable included: build() refuses it rather than
  // guess whether it meant "unset" or "use the file's value".
  for (const auto& spec : config_detail::key_specs()) {
    auto it = env.find(spec.env);
    if (it == env.end()) continue;
    raw[spec.key] = config_detail::RawValue{it->second, std::string("environment variable ") + spec.env};
  }
  return config_detail::build(raw);
}

std::map<std::string, std::string> Config::process_env() {
  // Only our variables: the rest of the environment is none of the config's business.
  std::map<std::string, std::string> out;
  for (const auto& spec : config_detail::key_specs()) {
    if (const char* v = std::getenv(spec.env)) out[spec.env] = v;
  }
  return out;
}

}  // namespace sidecar
