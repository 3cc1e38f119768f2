// Context printed when an assertion fails: live components (the service's log, the simulator's
// history) register a text source for as long as they exist. A Catch2 listener prints every
// registered source at the first failed assertion of a test case, so failures explain themselves
// without the tests dumping logs eagerly.
#pragma once
#include <functional>
#include <string>

namespace e2e {

class FailureContext {
 public:
  FailureContext(std::string name, std::function<std::string()> source);
  ~FailureContext();
  FailureContext(const FailureContext&) = delete;
  FailureContext& operator=(const FailureContext&) = delete;

 private:
  int id_;
};

}  // namespace e2e
