// An Outbox in memory, for tests and as the executable form of the contract in outbox.hpp.
// Nothing survives the object: "stored" means for its lifetime.
//
// Thread-safety: one mutex around everything. fail_next() makes the next calls throw
// OutboxError, to test how delivery and producers handle a failing store.
#pragma once
#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <string>

#include "webhooks/outbox.hpp"

namespace webhooks {

class MemoryOutbox : public Outbox {
 public:
  std::vector<bool> append_all(const std::vector<KeyedEvent>& events) override;
  std::vector<Event> pending(const std::string& tenant, size_t limit) override;
  std::map<std::string, size_t> pending_counts() override;
  bool mark_delivered(const std::string& tenant, const std::string& id) override;
  bool mark_failed(const std::string& tenant, const std::string& id) override;
  std::vector<StoredEvent> list(const std::string& tenant, const std::string& after_id,
                                size_t limit) override;
  size_t expire(int64_t created_before_ms) override;
  std::map<std::string, std::string> tenant_urls() override;
  void set_tenant_url(const std::string& tenant, const std::optional<std::string>& url) override;

  // The next `calls` calls of any method throw OutboxError without changing anything.
  void fail_next(int calls);

 private:
  void maybe_fail();  // with mu_ held
  bool finish(const std::string& tenant, const std::string& id, DeliveryState state);

  struct Entry {
    StoredEvent stored;
    std::string source_key;  // empty: appended without one
  };
  struct TenantEvents {
    std::map<std::string, Entry> events;  // by id
    std::set<std::string> keys;           // the non-empty source keys of `events`
  };

  std::mutex mu_;
  std::map<std::string, TenantEvents> tenants_;
  std::map<std::string, std::string> urls_;
  int failures_left_ = 0;
};

}  // namespace webhooks
