// Reading one sample out of a Prometheus text exposition, for tests of GET /metrics.
#pragma once
#include <string>

namespace testing_support {

// The value of the sample line `series value` (series with its labels, exactly as rendered),
// or -1 when the exposition has no such line.
inline double prometheus_sample(const std::string& text, const std::string& series) {
  const std::string key = "\n" + series + " ";
  const size_t at = text.find(key);
  if (at == std::string::npos) return -1;
  const size_t start = at + key.size();
  return std::stod(text.substr(start, text.find('\n', start) - start));
}

}  // namespace testing_support
