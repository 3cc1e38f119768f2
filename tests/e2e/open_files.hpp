// What a process holds open, read from /proc (Linux): lets a test check that a deleted session
// left no file handle behind in the service.
#pragma once
#include <sys/types.h>
#include <string>
#include <vector>

namespace e2e {

// The targets of the process's file descriptors that lie under `dir` (its path as given, or
// deleted files that were there: /proc shows them with " (deleted)" appended). Throws when the
// process's descriptors cannot be read.
std::vector<std::string> open_files_under(pid_t pid, const std::string& dir);

}  // namespace e2e
