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

std::vector<bool> MemoryOutbox::append_all(const std::vector<KeyedEvent>& events) {
  for (const auto& [event, key] : events) {
    if (event.id.empty() || event.tenant_id.empty()) {
      throw std::invalid_argument("outbox: an event needs an id and a tenant");
    }
  }
  std::lock_guard<std::mutex> lk(mu_);
  maybe_fail();
  // Everything is checked before anything is stored, so a throw stores none of the batch.
  std::set<std::pair<std::string, std::string>> batch_keys, batch_ids;
  std::vector<bool> stored;
  for (const auto& [event, key] : events) {
    auto t = tenants_.find(event.tenant_id);
    // The key first: a repeated relay of the very same event is a duplicate, not misuse.
    const bool duplicate =
        !key.empty() && ((t != tenants_.end() && t->second.keys.count(key)) ||
                         batch_keys.count({event.tenant_id, key}));
    if (duplicate) {
      stored.push_back(false);
      continue;
    }
    if ((t != tenants_.end() && t->second.events.count(event.id)) ||
        !batch_ids.insert({event.tenant_id, event.id}).second) {
      throw std::invalid_argument("outbox: event id appended twice");
    }
    if (!key.empty()) batch_keys.insert({event.tenant_id, key});
    stored.push_back(true);
  }
  for (size_t i = 0; i < events.size(); ++i) {
    if (!stored[i]) continue;
    const auto& [event, key] = events[i];
    TenantEvents& tenant = tenants_[event.tenant_id];
    tenant.events.emplace(event.id, Entry{StoredEvent{event, DeliveryState::pending}, key});
    if (!key.empty()) tenant.keys.insert(key);
  }
  return stored;
}

std::vector<Event> MemoryOutbox::pending(const std::string& tenant, size_t limit) {
  std::lock_guard<std::mutex> lk(mu_);
  maybe_fail();
  std::vector<Event> out;
  auto it = tenants_.find(tenant);
  if (it == tenants_.end()) return out;
  for (const auto& [id, entry] : it->second.events) {
    if (out.size() >= limit) break;
    if (entry.stored.state == DeliveryState::pending) out.push_back(entry.stored.event);
  }
  return out;
}

std::map<std::string, size_t> MemoryOutbox::pending_counts() {
  std::lock_guard<std::mutex> lk(mu_);
  maybe_fail();
  std::map<std::string, size_t> out;
  for (const auto& [tenant, events] : tenants_) {
    for (const auto& [id, entry] : events.events) {
      if (entry.stored.state == DeliveryState::pending) ++out[tenant];
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
  auto e = t->second.events.find(id);
  if (e == t->second.events.end() || e->second.stored.state != DeliveryState::pending) {
    return false;
  }
  e->second.stored.state = state;
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
  const auto& events = t->second.events;
  for (auto e = events.upper_bound(after_id); e != events.end() && out.size() < limit; ++e) {
    out.push_back(e->second.stored);
  }
  return out;
}

size_t MemoryOutbox::expire(int64_t created_before_ms) {
  std::lock_guard<std::mutex> lk(mu_);
  maybe_fail();
  size_t removed = 0;
  for (auto t = tenants_.begin(); t != tenants_.end();) {
    auto& events = t->second.events;
    for (auto e = events.begin(); e != events.end();) {
      const StoredEvent& stored = e->second.stored;
      if (stored.state != DeliveryState::pending && stored.event.created_ms < created_before_ms) {
        t->second.keys.erase(e->second.source_key);
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

std::map<std::string, std::string> MemoryOutbox::tenant_urls() {
  std::lock_guard<std::mutex> lk(mu_);
  maybe_fail();
  return urls_;
}

void MemoryOutbox::set_tenant_url(const std::string& tenant,
                                  const std::optional<std::string>& url) {
  if (tenant.empty()) throw std::invalid_argument("outbox: a tenant URL needs a tenant");
  std::lock_guard<std::mutex> lk(mu_);
  maybe_fail();
  if (url) {
    urls_[tenant] = *url;
  } else {
    urls_.erase(tenant);
  }
}

}  // namespace webhooks
