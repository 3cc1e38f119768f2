// Pieces both benchmarks use: the shared secret and request headers, command-line flags, and
// the CPU time of a process from /proc.
#pragma once
#include <httplib.h>
#include <unistd.h>

#include <fstream>
#include <iterator>
#include <sstream>
#include <string>

namespace bench {

inline const std::string kSecret = "bench-internal-secret-0123456789";

// --name VALUE, or def when absent.
inline std::string arg(int argc, char** argv, const std::string& name, const std::string& def) {
  for (int i = 1; i + 1 < argc; ++i) {
    if (argv[i] == "--" + name) return argv[i + 1];
  }
  return def;
}

// X-Internal-Secret, and X-Tenant-Id unless tenant is empty.
inline httplib::Headers headers(const std::string& tenant) {
  httplib::Headers h{{"X-Internal-Secret", kSecret}};
  if (!tenant.empty()) h.emplace("X-Tenant-Id", tenant);
  return h;
}

inline std::string slurp(const std::string& path) {
  std::ifstream in(path);
  return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

// utime + stime of a process in seconds (/proc/PID/stat fields 14 and 15, counted after the
// ")" that ends the command name); 0 when unreadable.
inline double cpu_seconds(pid_t pid) {
  const std::string content = slurp("/proc/" + std::to_string(pid) + "/stat");
  auto close = content.rfind(')');
  if (close == std::string::npos || close + 2 > content.size()) return 0;
  std::istringstream rest(content.substr(close + 2));
  std::string field;
  double ticks = 0;
  for (int i = 3; i <= 15 && rest >> field; ++i) {
    if (i == 14 || i == 15) ticks += std::stod(field);
  }
  return ticks / static_cast<double>(sysconf(_SC_CLK_TCK));
}

}  // namespace bench
