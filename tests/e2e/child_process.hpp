// A child process for end-to-end tests: fork/exec with an explicit environment, stdout and stderr
// to files, SIGTERM then SIGKILL when it goes out of scope (RAII).
#pragma once
#include <sys/types.h>
#include <chrono>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace e2e {

class ChildProcess {
 public:
  // Starts `path args...` with exactly `env` (plus sanitizer settings inherited from this
  // process, if any). Output goes to log_prefix + ".stdout" / ".stderr". Throws on failure.
  ChildProcess(const std::string& path, const std::vector<std::string>& args,
               const std::map<std::string, std::string>& env, const std::string& log_prefix);
  ~ChildProcess();
  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;

  pid_t pid() const { return pid_; }
  bool running();
  // The exit status (exit code, or 128 + signal) once it exits within `timeout`.
  std::optional<int> wait_exit(std::chrono::milliseconds timeout);
  // SIGTERM; SIGKILL after `grace`. Returns the exit status.
  int terminate(std::chrono::milliseconds grace = std::chrono::seconds(10));

  std::string stdout_text() const;
  std::string stderr_text() const;

 private:
  pid_t pid_ = -1;
  std::optional<int> status_;
  std::string out_path_, err_path_;
};

}  // namespace e2e
