#include <yaml-cpp/yaml.h>

#include <set>

#include "config/config_detail.hpp"

namespace sidecar::config_detail {
namespace {

std::string known_keys() {
  std::string out;
  for (const auto& s : key_specs()) {
    if (!out.empty()) out += ", ";
    out += s.key;
  }
  return out;
}

std::string where(const std::string& path, const YAML::Mark& m) {
  // yaml-cpp lines are 0-based.
  return m.is_null() ? path : path + " line " + std::to_string(m.line + 1);
}

}  // namespace

RawValues read_yaml(const std::string& path) {
  YAML::Node root;
  try {
    root = YAML::LoadFile(path);
  } catch (const YAML::BadFile&) {
    throw ConfigError("config: cannot read config file " + path + ".");
  } catch (const YAML::ParserException& e) {
    // e.msg is one of yaml-cpp's fixed parser messages; it never quotes the document.
    throw ConfigError("config: " + where(path, e.mark) + " column " +
                      std::to_string(e.mark.column + 1) + " is not valid YAML: " + e.msg + ".");
  }
  RawValues out;
  if (root.IsNull()) return out;  // an empty file sets nothing
  if (!root.IsMap()) {
    throw ConfigError("config: " + path + " must be a mapping of keys to values.");
  }
  std::set<std::string> seen;
  for (const auto& kv : root) {
    if (!kv.first.IsScalar()) {
      throw ConfigError("config: " + where(path, kv.first.Mark()) + ": keys must be plain names.");
    }
    const std::string key = kv.first.Scalar();
    const KeySpec* spec = find_key(key);
    if (!spec) {
      // A misspelt key would otherwise be ignored and its default used silently.
      std::string shown = key.size() > 64 ? key.substr(0, 64) + "..." : key;
      throw ConfigError("config: unknown key \"" + shown + "\" at " + where(path, kv.first.Mark()) +
                        "; known keys are " + known_keys() + ".");
    }
    if (!seen.insert(key).second) {
      throw ConfigError("config: key " + key + " appears twice in " + path + " (at " +
                        where(path, kv.first.Mark()) + ").");
    }
    const YAML::Node& v = kv.second;
    if (v.IsNull()) {
      // "key:" with nothing is an empty value like "key: \"\"", which build() refuses: it is
      // typically a template whose variable did not expand, not a wish for the default. The
      // key's line is named: yaml-cpp marks a missing value where the next token starts.
      out[key] = RawValue{"", where(path, kv.first.Mark())};
      continue;
    }
    if (!v.IsScalar()) {
      invalid(*spec, "must be a single value, not a list or mapping (at " +
                         where(path, v.Mark()) + ")",
              nullptr);
    }
    out[key] = RawValue{v.Scalar(), where(path, v.Mark())};
  }
  return out;
}

}  // namespace sidecar::config_detail
