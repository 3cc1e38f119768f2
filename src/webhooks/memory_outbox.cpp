#include "webhooks/memory_outbox.hpp"

namespace webhooks {

void MemoryOutbox::maybe_fail() {
  if (failures_left_ > 0) {
    --failures_left_;
    throw OutboxError("memory outbox: failure injected by the test");
  }
}

void MemoryOutbox::fail_next(int calls) {
  std::lock_guard<std::mutex> lk(mu_);
  failures_left_ = calls;
}

void MemoryOutbox::append(const Event& event) {
  if (event.id.empty() || event.tenant_id.empty()) {
    throw std::invalid_argument("outbox: an event needs an id and a tenant");
  }
  std::lock_guard<std::mutex> lk(mu_);
  maybe_fail();
  auto& events = tenants_[event.tenant_id];
  if (events.count(event.id)) {
    throw std::invalid_argument("outbox: event id appended twice");
  }
  events.emplace(event.id, StoredEvent{event, DeliveryState::pending});
}

std::vector<Event> MemoryOutbox::pending(const std::string& tenant, size_t limit) {
  std::lock_guard<std::mutex> lk(mu_);
  maybe_fail();
  std::vector<Event> out;
  auto it = tenants_.find(tenant);
  if (it == tenants_.end()) return out;
  for (const auto& [id, stored] : it->second) {
    if (out.size() >= limit) break;
    if (stored.state == DeliveryState::pending) out.push_back(stored.event);
  }
  return out;
}

std::map<std::string, size_t> MemoryOutbox::pending_counts() {
  std::lock_guard<std::mutex> lk(mu_);
  maybe_fail();
  std::map<std::string, size_t> out;
  for (const auto& [tenant, events] : tenants_) {
    for (const auto& [id, stored] : events) {
      if (stored.state == DeliveryState::pending) ++out[tenant];
    }
  }
  return out;
}

bool MemoryOutbox::finish(const std::string& tenant, const std::string& id,
                          DeliveryState state) {
  std::lock_guard<std::mutex> lk(mu_);
  maybe_fail();
  auto t = tenants_.find(tenant);
  if (t == tenants_.end()) return false;
  auto e = t->second.find(id);
  if (e == t->second.end() || e->second.state != DeliveryState::pending) return false;
  e->second.state = state;
  return true;
}

bool MemoryOutbox::mark_delivered(const std::string& tenant, const std::string& id) {
  return finish(tenant, id, DeliveryState::delivered);
}

bool MemoryOutbox::mark_failed(const std::string& tenant, const std::string& id) {
  return finish(tenant, id, DeliveryState::failed);
}

std::vector<StoredEvent> MemoryOutbox::list(const std::string& tenant, const std::string& after_id,
                                            size_t limit) {
  std::lock_guard<std::mutex> lk(mu_);
  maybe_fail();
  std::vector<StoredEvent> out;
  auto t = tenants_.find(tenant);
  if (t == tenants_.end()) return out;
  for (auto e = t->second.upper_bound(after_id); e != t->second.end() && out.size() < limit;
       ++e) {
    out.push_back(e->second);
  }
  return out;
}

size_t MemoryOutbox::expire(int64_t created_before_ms) {
  std::lock_guard<std::mutex> lk(mu_);
  maybe_fail();
  size_t removed = 0;
  for (auto t = tenants_.begin(); t != tenants_.end();) {
    auto& events = t->second;
    for (auto e = events.begin(); e != events.end();) {
      const bool finished = e->second.state != DeliveryState::pending;
      if (finished && e->second.event.created_ms < created_before_ms) {
        e = events.erase(e);
        ++removed;
      } else {
        ++e;
      }
    }
    t = events.empty() ? tenants_.erase(t) : std::next(t);
  }
  return removed;
}

}  // namespace webhooks
