// Internals of Config::load, split by stage: raw values are collected from the YAML file, then
// overridden by the environment, then converted and validated in one place, so a key behaves
// the same whichever source set it.
#pragma once
#include <map>
#include <string>
#include <vector>

#include "config/config.hpp"

namespace sidecar::config_detail {

struct KeySpec {
  const char* key;  // YAML key, the snake_case field name
  const char* env;  // environment variable
  bool secret;      // its value must never appear in a message
};
// Every key, in the order of the Config fields.
const std::vector<KeySpec>& key_specs();
const KeySpec* find_key(const std::string& key);

struct RawValue {
  std::string value;
  std::string origin;  // e.g. "environment variable PORT" or "/etc/wa.yaml line 3"
};
using RawValues = std::map<std::string, RawValue>;  // by YAML key

// Reads the file; throws ConfigError on unreadable/invalid YAML, unknown or duplicate keys,
// and values that are not scalars. A null value (`key:` with nothing) is read as empty.
RawValues read_yaml(const std::string& path);

// Converts and validates; unset keys keep their defaults, keys set to an empty value are
// refused. Throws ConfigError.
Config build(const RawValues& raw);

// "config: <key> (env <ENV>) <reason>" plus, for non-secret keys, the offending value.
[[noreturn]] void invalid(const KeySpec& spec, const std::string& reason, const RawValue* raw);

}  // namespace sidecar::config_detail
