#include "webhooks/delivery_queues.hpp"

#include <algorithm>
#include <exception>
#include <stdexcept>

#include "util/crypto.hpp"
#include "util/log.hpp"
#include "webhooks/backoff.hpp"
#include "webhooks/signature.hpp"
#include "webhooks/url.hpp"

namespace webhooks {
namespace {

// Events read from the outbox per tenant at a time: enough that a busy tenant rarely waits on a
// read, few enough that a thousand backlogged tenants do not hold their whole backlogs.
constexpr size_t kWindow = 64;
constexpr int64_t kExpiryEveryMs = 60 * 60 * 1000;

void check_url(const std::string& url, const char* what) {
  std::string reason;
  if (!parse_endpoint_url(url, &reason)) {
    throw std::invalid_argument(std::string(what) + " " + reason);
  }
}

}  // namespace

namespace {

// The attempt outcome of a tenant that has no URL at all (park()).
constexpr const char* kNoUrl = "no_url";
// A parked tenant whose head cannot be given up yet looks again no sooner than this (a clock
// step must not make it spin).
constexpr int64_t kParkedRecheckMs = 1000;

}  // namespace

struct DeliveryQueues::Outcome {
  bool delivered = false;
  bool marked = true;    // the outbox recorded the final state (or had nothing to record)
  std::string reason;    // Metrics::attempt_failure_reasons() when not delivered
  int status = 0;
  std::string detail;
};

DeliveryQueues::DeliveryQueues(DeliveryOptions options, Outbox& outbox, Poster& poster,
                               const Clock& clock, Metrics& metrics)
    : options_(std::move(options)),
      outbox_(outbox),
      poster_(poster),
      clock_(clock),
      metrics_(metrics) {
  if (options_.default_url) check_url(*options_.default_url, "webhook url:");
  if (options_.retry_ms <= 0 || options_.retention_ms < options_.retry_ms) {
    throw std::invalid_argument("webhook delivery: need 0 < retry_ms <= retention_ms");
  }
  urls_ = outbox_.tenant_urls();
  for (const auto& [tenant, url] : urls_) {
    // set_tenant_url() stores only URLs that pass this check, so this one was edited into the
    // outbox or passed an older build's rules. It stays: falling back to the default would post
    // the tenant's events to another endpoint, while a URL the poster refuses holds them,
    // retried, until it is replaced.
    std::string reason;
    if (!parse_endpoint_url(url, &reason)) {
      util::log::error("webhook_tenant_url_invalid", tenant, {{"reason", reason}});
    }
  }
  const int64_t now = clock_.now_ms();
  next_expiry_ms_ = now;
  for (const auto& [name, count] : outbox_.pending_counts()) {
    Tenant& t = tenants_[name];
    t.maybe_more = true;
    t.due_ms = now;
    pending_ += static_cast<int64_t>(count);
    schedule(name, t);
  }
  metrics_.add_pending(static_cast<double>(pending_));
  if (pending_ > 0) {
    util::log::info("webhook_resumed", "", {{"tenants", tenants_.size()}, {"events", pending_}});
  }
}

DeliveryQueues::~DeliveryQueues() {
  std::lock_guard<std::mutex> lk(mu_);
  metrics_.add_pending(-static_cast<double>(pending_));
}

Event DeliveryQueues::enqueue(EventType type, const std::string& tenant, nlohmann::json data) {
  std::vector<Relayed> one;
  one.push_back(Relayed{type, std::move(data), ""});
  std::vector<Event> stored = enqueue_keyed(tenant, std::move(one));
  // Without a key an outbox always stores (Outbox::append); one that did not is broken.
  if (stored.empty()) throw OutboxError("outbox: an event without a source key was not stored");
  return std::move(stored.front());
}

std::optional<Event> DeliveryQueues::enqueue_once(EventType type, const std::string& tenant,
                                                  nlohmann::json data,
                                                  const std::string& source_key) {
  std::vector<Relayed> one;
  one.push_back(Relayed{type, std::move(data), source_key});
  std::vector<Event> stored = enqueue_all_once(tenant, std::move(one));
  if (stored.empty()) return std::nullopt;
  return std::move(stored.front());
}

std::vector<Event> DeliveryQueues::enqueue_all_once(const std::string& tenant,
                                                    std::vector<Relayed> events) {
  for (const auto& e : events) {
    if (e.source_key.empty()) throw std::invalid_argument("webhook event: empty source key");
  }
  return enqueue_keyed(tenant, std::move(events));
}

std::vector<Event> DeliveryQueues::enqueue_keyed(const std::string& tenant,
                                                 std::vector<Relayed> events) {
  if (tenant.empty()) throw std::invalid_argument("webhook event: empty tenant id");
  for (const auto& e : events) {
    if (!e.data.is_object()) throw std::invalid_argument("webhook event: data must be an object");
  }
  if (events.empty()) return {};
  std::shared_ptr<std::mutex> io_mu;
  {
    std::lock_guard<std::mutex> lk(mu_);
    Tenant& t = tenants_[tenant];
    ++t.appending;  // keeps the entry (and its io_mu) while this call runs
    io_mu = t.io_mu;
  }
  std::vector<Event> stored;
  std::exception_ptr error;
  {
    // The ids are taken under the tenant's io_mu, so a tenant's ids reach the outbox in
    // increasing order and a window read never misses an earlier event still being appended.
    std::lock_guard<std::mutex> io(*io_mu);
    try {
      std::vector<KeyedEvent> batch;
      batch.reserve(events.size());
      const int64_t now = clock_.now_ms();
      for (auto& e : events) {
        batch.push_back(KeyedEvent{make_event(ids_, e.type, tenant, std::move(e.data), now),
                                   std::move(e.source_key)});
      }
      const std::vector<bool> appended = outbox_.append_all(batch);
      for (size_t i = 0; i < batch.size(); ++i) {
        if (appended[i]) stored.push_back(std::move(batch[i].event));
      }
    } catch (...) {
      error = std::current_exception();
    }
  }
  {
    std::lock_guard<std::mutex> lk(mu_);
    Tenant& t = tenants_.at(tenant);
    --t.appending;
    if (!stored.empty()) {
      pending_ += static_cast<int64_t>(stored.size());
      t.maybe_more = true;
    }
    settle(tenant, t);
  }
  if (error) std::rethrow_exception(error);
  metrics_.add_pending(static_cast<double>(stored.size()));
  for (const auto& e : stored) metrics_.count_enqueued(e.type);
  return stored;
}

void DeliveryQueues::set_tenant_url(const std::string& tenant,
                                    const std::optional<std::string>& url) {
  if (tenant.empty()) throw std::invalid_argument("tenant webhook url: empty tenant id");
  if (url) check_url(*url, "tenant webhook url:");
  std::lock_guard<std::mutex> write(url_write_mu_);
  // Stored first: when the outbox fails, the caller hears and delivery keeps the old URL.
  outbox_.set_tenant_url(tenant, url);
  std::lock_guard<std::mutex> lk(mu_);
  if (url) {
    urls_[tenant] = *url;
  } else {
    urls_.erase(tenant);
  }
  auto it = tenants_.find(tenant);
  if (it == tenants_.end() || it->second.in_flight) return;
  // A tenant waiting out a backoff (no URL before, or a wrong one) is tried at once.
  Tenant& t = it->second;
  if (t.queued) waiting_.erase({t.due_ms, tenant});
  t.queued = false;
  t.due_ms = std::min(t.due_ms, clock_.now_ms());
  schedule(tenant, t);
}

void DeliveryQueues::schedule(const std::string& name, Tenant& t) {
  if (t.in_flight || t.queued || !has_work(t)) return;
  waiting_.emplace(t.due_ms, name);
  t.queued = true;
}

void DeliveryQueues::settle(const std::string& name, Tenant& t) {
  if (t.in_flight) return;
  if (has_work(t)) {
    schedule(name, t);
  } else if (t.appending == 0 && !t.queued) {
    tenants_.erase(name);  // nothing pending: forget the tenant (a URL override stays)
  }
}

uint32_t DeliveryQueues::draw() {
  return options_.random ? options_.random() : util::crypto::random_u32();
}

int64_t DeliveryQueues::next_due_ms() const {
  std::lock_guard<std::mutex> lk(mu_);
  int64_t due = next_expiry_ms_;
  if (!waiting_.empty()) due = std::min(due, waiting_.begin()->first);
  return due;
}

bool DeliveryQueues::run_one() {
  std::string name;
  bool need_refill = false;
  {
    std::lock_guard<std::mutex> lk(mu_);
    const int64_t now = clock_.now_ms();
    if (!expiring_ && now >= next_expiry_ms_) {
      expiring_ = true;
      next_expiry_ms_ = now + kExpiryEveryMs;
    } else if (!waiting_.empty() && waiting_.begin()->first <= now) {
      name = waiting_.begin()->second;
      waiting_.erase(waiting_.begin());
      Tenant& t = tenants_.at(name);
      t.queued = false;
      t.in_flight = true;
      need_refill = t.window.empty();
      if (need_refill) t.maybe_more = false;  // an enqueue from now on sets it again
    } else {
      return false;
    }
  }
  if (name.empty()) return run_expiry(clock_.now_ms());
  try {
    if (need_refill && !refill(name)) return true;
    Event head;
    {
      std::lock_guard<std::mutex> lk(mu_);
      head = tenants_.at(name).window.front();
    }
    finish(name, head, attempt(head));
  } catch (...) {
    // Outbox and poster failures are outcomes; this is what is left (bad_alloc). The tenant must
    // not stay claimed forever: it backs off like after a failed attempt, and the caller hears.
    std::lock_guard<std::mutex> lk(mu_);
    auto it = tenants_.find(name);
    if (it != tenants_.end() && it->second.in_flight) {
      Tenant& t = it->second;
      t.in_flight = false;
      ++t.failures;
      t.due_ms = clock_.now_ms() + backoff_delay_ms(t.failures, draw());
      settle(name, t);
    }
    throw;
  }
  return true;
}

bool DeliveryQueues::run_expiry(int64_t now) {
  try {
    const size_t removed = outbox_.expire(now - options_.retention_ms);
    if (removed > 0) util::log::info("webhook_events_expired", "", {{"events", removed}});
  } catch (const std::exception& e) {
    // Finished events stay a little longer; the next run tries again.
    util::log::error("webhook_outbox_error", "", {{"operation", "expire"}, {"error", e.what()}});
  }
  std::lock_guard<std::mutex> lk(mu_);
  expiring_ = false;
  return true;
}

// Reads the tenant's next pending events into its window. False when there is nothing to post:
// the tenant is then settled (idle, or backing off after an outbox error).
bool DeliveryQueues::refill(const std::string& name) {
  std::shared_ptr<std::mutex> io_mu;
  {
    std::lock_guard<std::mutex> lk(mu_);
    io_mu = tenants_.at(name).io_mu;
  }
  std::vector<Event> batch;
  std::string error;
  {
    std::lock_guard<std::mutex> io(*io_mu);
    try {
      batch = outbox_.pending(name, kWindow);
    } catch (const std::exception& e) {
      error = e.what();
    }
  }
  int64_t delay = 0;
  {
    std::lock_guard<std::mutex> lk(mu_);
    Tenant& t = tenants_.at(name);
    t.in_flight = false;
    if (error.empty()) {
      if (batch.size() == kWindow) t.maybe_more = true;
      t.window.assign(batch.begin(), batch.end());
      if (!t.window.empty()) {
        t.in_flight = true;
        return true;
      }
    } else {
      ++t.failures;
      delay = backoff_delay_ms(t.failures, draw());
      t.maybe_more = true;
      t.due_ms = clock_.now_ms() + delay;
    }
    settle(name, t);
  }
  if (!error.empty()) {
    metrics_.count_attempt_failed("outbox");
    util::log::error("webhook_outbox_error", name,
                     {{"operation", "pending"}, {"error", error}, {"retry_in_ms", delay}});
  }
  return false;
}

std::optional<std::string> DeliveryQueues::url_for(const std::string& tenant) {
  std::lock_guard<std::mutex> lk(mu_);
  auto it = urls_.find(tenant);
  if (it != urls_.end()) return it->second;
  return options_.default_url;
}

DeliveryQueues::Outcome DeliveryQueues::attempt(const Event& head) {
  Outcome out;
  const std::optional<std::string> url = url_for(head.tenant_id);
  if (!url) {
    out.reason = kNoUrl;
    out.detail = "no webhook URL for this tenant";
    return out;
  }
  PostResult result;
  try {
    PostRequest req;
    req.url = *url;
    req.content_type = "application/json";
    req.body = event_body(head);
    const int64_t timestamp_s = clock_.now_ms() / 1000;
    req.headers = {{"webhook-id", head.id},
                   {"webhook-timestamp", std::to_string(timestamp_s)},
                   {"webhook-signature", sign(options_.key, head.id, timestamp_s, req.body)}};
    result = poster_.post(req);
  } catch (const std::exception& e) {
    // A Poster does not throw; should one, the attempt failed like any other.
    result = PostResult{};
    result.error = PostError::other;
    result.detail = std::string("post threw: ") + e.what();
  }
  out.status = result.status;
  out.detail = result.detail;
  if (!result.delivered()) {
    out.reason = Metrics::attempt_failure_reason(result);
    return out;
  }
  out.delivered = true;
  if (!record(head, DeliveryState::delivered)) {
    // Delivered but not recorded: posted again after the backoff, with the same id.
    out.marked = false;
    out.reason = "outbox";
    out.detail = "delivered, but the outbox could not record it";
  }
  return out;
}

bool DeliveryQueues::record(const Event& head, DeliveryState state) {
  try {
    const bool changed = state == DeliveryState::delivered
                             ? outbox_.mark_delivered(head.tenant_id, head.id)
                             : outbox_.mark_failed(head.tenant_id, head.id);
    if (!changed) {
      // Someone else finished it; either way it is no longer this queue's to post.
      util::log::warn("webhook_already_final", head.tenant_id, {{"id", head.id}});
    }
    return true;
  } catch (const std::exception& e) {
    util::log::error("webhook_outbox_error", head.tenant_id,
                     {{"operation", std::string("mark_") + state_name(state)},
                      {"id", head.id},
                      {"error", e.what()}});
    return false;
  }
}

// A tenant without any URL (no webhook_url, no tenant URL) is a deployment that reads GET
// /events: its events are not attempted. Each waits, kept for replay, until a URL is set
// (set_tenant_url() makes the tenant due at once) or its retry window ends, when it is marked
// failed quietly (a debug line, no failure metric): nothing was wrong with an endpoint.
void DeliveryQueues::park(const std::string& name, const Event& head) {
  const int64_t now = clock_.now_ms();
  const int64_t until = head.created_ms + options_.retry_ms;
  const bool done = now >= until && record(head, DeliveryState::failed);
  {
    std::lock_guard<std::mutex> lk(mu_);
    Tenant& t = tenants_.at(name);
    if (done) {
      --pending_;
      t.window.pop_front();
      t.due_ms = now;
    } else {
      t.due_ms = std::max(until, now + kParkedRecheckMs);
    }
    t.in_flight = false;
    settle(name, t);
  }
  if (done) {
    metrics_.add_pending(-1);
    util::log::debug("webhook_not_posted", name, {{"id", head.id}, {"reason", kNoUrl}});
  }
}

void DeliveryQueues::finish(const std::string& name, const Event& head, const Outcome& outcome) {
  if (outcome.reason == kNoUrl) return park(name, head);
  const int64_t now = clock_.now_ms();
  const int64_t age_ms = now - head.created_ms;
  const bool delivered = outcome.delivered && outcome.marked;
  const bool gave_up = !outcome.delivered && age_ms >= options_.retry_ms &&
                       record(head, DeliveryState::failed);
  int attempts = 0;
  int64_t delay = 0;
  {
    std::lock_guard<std::mutex> lk(mu_);
    Tenant& t = tenants_.at(name);
    attempts = t.failures + 1;
    if (delivered || gave_up) {
      --pending_;
      t.window.pop_front();
      t.failures = 0;
      t.due_ms = now;
    } else {
      t.failures = attempts;
      delay = backoff_delay_ms(attempts, draw());
      t.due_ms = now + delay;
    }
    t.in_flight = false;
    settle(name, t);
  }

  const char* type = type_name(head.type);
  if (delivered) {
    metrics_.add_pending(-1);
    metrics_.count_delivered(head.type, static_cast<double>(age_ms) / 1000.0);
    util::log::debug("webhook_delivered", name,
                     {{"id", head.id}, {"type", type}, {"attempts", attempts},
                      {"status", outcome.status}});
    return;
  }
  metrics_.count_attempt_failed(outcome.reason);
  nlohmann::json fields = {{"id", head.id},          {"type", type},
                           {"attempt", attempts},    {"reason", outcome.reason},
                           {"detail", outcome.detail}};
  if (outcome.status != 0) fields["status"] = outcome.status;
  if (gave_up) {
    metrics_.add_pending(-1);
    metrics_.count_failed(head.type);
    fields["age_ms"] = age_ms;
    util::log::error("webhook_failed", name, fields);
    return;
  }
  fields["retry_in_ms"] = delay;
  util::log::warn("webhook_attempt_failed", name, fields);
}

}  // namespace webhooks
