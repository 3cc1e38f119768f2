// A secret no HTTP request could present — blank at either end, or with a control character —
// is refused naming the key, from the environment and from the file, without echoing it.
#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "config_test_support.hpp"

using sidecar::Config;
using namespace config_test;

namespace {

const std::string kCore = "Zq7xSecret-0123456789";  // valid on its own

struct Case {
  std::string value;  // as the service would receive it
  std::string yaml;   // the same, double-quoted with YAML escapes
  const char* reason;
};

const std::vector<Case> kCases = {
    {" " + kCore, "\" " + kCore + "\"", "begin or end with a space or tab"},
    {kCore + " ", "\"" + kCore + " \"", "begin or end with a space or tab"},
    {"\t" + kCore, "\"\\t" + kCore + "\"", "begin or end with a space or tab"},
    {kCore + "\t", "\"" + kCore + "\\t\"", "begin or end with a space or tab"},
    {"Zq7x\tSecret-0123456789", "\"Zq7x\\tSecret-0123456789\"", "control characters"},
    {kCore + "\n", "\"" + kCore + "\\n\"", "control characters"},
    {kCore + "\r", "\"" + kCore + "\\r\"", "control characters"},
    {"Zq7x\nSecret-0123456789", "\"Zq7x\\nSecret-0123456789\"", "control characters"},
    {"Zq7x\x01Secret-0123456789", "\"Zq7x\\x01Secret-0123456789\"", "control characters"},
    {"Zq7x\x7fSecret-0123456789", "\"Zq7x\\x7fSecret-0123456789\"", "control characters"},
};

void check_refused(const std::string& e, const Case& c) {
  CHECK_THAT(e, Catch::StartsWith("config: internal_secret (env INTERNAL_SECRET) must not ") &&
                    Catch::Contains(c.reason));
  CHECK_THAT(e, !Catch::Contains("Zq7x"));  // no part of the secret is echoed
}

}  // namespace

TEST_CASE("a secret with blanks at either end or control characters is refused",
          "[config][secret]") {
  for (size_t i = 0; i < kCases.size(); ++i) {
    const Case& c = kCases[i];
    INFO("case " << i << ", YAML " << c.yaml);
    check_refused(error_of(std::nullopt, {{"INTERNAL_SECRET", c.value}}), c);
    YamlFile f("internal_secret: " + c.yaml + "\n");
    check_refused(error_of(f.path, {}), c);
  }
}

TEST_CASE("a secret with spaces inside is accepted as it is", "[config][secret]") {
  const std::string inner = "gateway secret with spaces 01";
  CHECK(Config::load(std::nullopt, {{"INTERNAL_SECRET", inner}}).internal_secret == inner);
  YamlFile f("internal_secret: \"" + inner + "\"\n");
  CHECK(Config::load(f.path, {}).internal_secret == inner);
}
