// Helpers shared by the config tests: a temporary YAML file and Config::load's error message.
#pragma once
#include <catch2/catch.hpp>
#include <stdlib.h>
#include <unistd.h>

#include <fstream>
#include <map>
#include <optional>
#include <string>

#include "config/config.hpp"

namespace config_test {

using Env = std::map<std::string, std::string>;

inline const std::string kSecret = "s3cr3t-Value-0123456789";  // distinctive, >= 16 chars

// A YAML file that lives for one test.
struct YamlFile {
  std::string path;
  explicit YamlFile(const std::string& text) {
    char tmpl[] = "/tmp/wa-config-test-XXXXXX";
    int fd = mkstemp(tmpl);
    REQUIRE(fd >= 0);
    close(fd);
    path = tmpl;
    std::ofstream(path) << text;
  }
  ~YamlFile() { unlink(path.c_str()); }
};

// Loads and returns the ConfigError message ("" if loading succeeded).
inline std::string error_of(const std::optional<std::string>& path, const Env& env) {
  try {
    sidecar::Config::load(path, env);
  } catch (const sidecar::ConfigError& e) {
    return e.what();
  }
  return "";
}

inline Env with_secret(Env env = {}) {
  env["INTERNAL_SECRET"] = kSecret;
  return env;
}

}  // namespace config_test
