#include "failure_context.hpp"

// The listener interface of the single-header Catch2 v2 is only declared with this switch.
#define CATCH_CONFIG_EXTERNAL_INTERFACES
#include <catch2/catch.hpp>
#include <iostream>
#include <map>
#include <mutex>

namespace e2e {
namespace {

struct Registry {
  std::mutex mu;
  int next = 0;
  std::map<int, std::pair<std::string, std::function<std::string()>>> sources;
  bool printed = false;  // once per test case
};

Registry& registry() {
  static Registry r;
  return r;
}

constexpr size_t kTail = 12000;  // characters of each source shown

class PrintContextOnFailure : public Catch::TestEventListenerBase {
 public:
  using TestEventListenerBase::TestEventListenerBase;

  void testCaseStarting(Catch::TestCaseInfo const& info) override {
    std::lock_guard<std::mutex> l(registry().mu);
    registry().printed = false;
    TestEventListenerBase::testCaseStarting(info);
  }

  bool assertionEnded(Catch::AssertionStats const& stats) override {
    if (stats.assertionResult.isOk()) return true;
    Registry& r = registry();
    std::lock_guard<std::mutex> l(r.mu);
    if (r.printed || r.sources.empty()) return true;
    r.printed = true;
    for (const auto& [id, src] : r.sources) {
      std::string text = src.second();
      if (text.size() > kTail) text = "[…]" + text.substr(text.size() - kTail);
      std::cerr << "\n===== " << src.first << " =====\n" << text << "\n";
    }
    return true;
  }
};

}  // namespace

CATCH_REGISTER_LISTENER(PrintContextOnFailure)

FailureContext::FailureContext(std::string name, std::function<std::string()> source) {
  Registry& r = registry();
  std::lock_guard<std::mutex> l(r.mu);
  id_ = r.next++;
  r.sources[id_] = {std::move(name), std::move(source)};
}

FailureContext::~FailureContext() {
  Registry& r = registry();
  std::lock_guard<std::mutex> l(r.mu);
  r.sources.erase(id_);
}

}  // namespace e2e
