// Per-tenant delivery queues and the retry policy, without threads of their own: run_one() does
// one unit of work on the caller's thread. Deliverer (deliverer.hpp) calls it from its worker
// threads; the tests call it directly with a manual clock and a fake poster.
//
// Policy (README "Webhooks"):
// - Order: a tenant's events are posted one at a time, oldest id first. The next one waits until
//   the head is delivered or given up, so a gateway sees a tenant's events in order.
// - Independence: tenants have their own queues. A tenant whose endpoint fails waits out its
//   backoff without holding anything, and a slow post holds only its own tenant (and the thread
//   running it); other tenants' due events are taken by other calls meanwhile.
// - Attempts: each posts the event's body with webhook-id (the event id, the same on every
//   retry and after a restart), webhook-timestamp (the attempt's unix seconds) and
//   webhook-signature (signature.hpp) to the tenant's URL: its override if set, else the
//   default. A 2xx delivers; anything else (a non-2xx, a timeout, a failing outbox) is retried
//   after backoff_delay_ms() (1 s doubling to 5 min, jittered).
// - No URL: a tenant with neither its own URL nor a default is not attempted. Its events wait
//   (for GET /events) until a URL is set or retry_ms has passed since each was created; then
//   it is marked failed without a failure metric or error line (park() in the .cpp).
// - Give-up: a failed attempt on an event created at least retry_ms ago marks it failed
//   (metric, error log line): never dropped silently, and never earlier than retry_ms.
// - Restart: construction resumes every tenant with pending events in the outbox, due at once,
//   so a new instance over the same outbox re-posts them with their ids, to the tenant URLs the
//   outbox keeps.
// - Expiry: at construction and hourly, outbox.expire(now - retention_ms) removes finished
//   events (pending ones are never expired).
// - At least once: an event is marked delivered only after its 2xx. A crash between the 2xx and
//   the mark posts it again after the restart, with the same id for the gateway to deduplicate.
//
// Thread-safety: every method may be called from any thread. run_one() calls the outbox and the
// poster without holding the queues' lock, and never works on one tenant from two threads.
#pragma once
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <utility>

#include <nlohmann/json.hpp>

#include "webhooks/clock.hpp"
#include "webhooks/event.hpp"
#include "webhooks/event_id.hpp"
#include "webhooks/outbox.hpp"
#include "webhooks/poster.hpp"
#include "webhooks/signing_key.hpp"
#include "webhooks/webhook_metrics.hpp"

namespace webhooks {

struct DeliveryOptions {
  std::optional<std::string> default_url;  // webhook_url; none: only tenants with an override
  SigningKey key;                          // webhook_secret, parsed
  int64_t retry_ms;                        // webhook_retry_hours
  int64_t retention_ms;                    // event_retention_hours
  // Backoff jitter, any uniformly drawn 32-bit value; empty means util::crypto::random_u32.
  std::function<uint32_t()> random;
};

class DeliveryQueues {
 public:
  // Resumes the tenants with pending events in `outbox` and takes the tenant URLs it keeps.
  // Throws OutboxError when the outbox cannot tell either, std::invalid_argument for a malformed
  // default URL. The references must outlive this object.
  DeliveryQueues(DeliveryOptions options, Outbox& outbox, Poster& poster, const Clock& clock,
                 Metrics& metrics);
  ~DeliveryQueues();
  DeliveryQueues(const DeliveryQueues&) = delete;
  DeliveryQueues& operator=(const DeliveryQueues&) = delete;

  // Creates the event (a new id, created now), stores it in the outbox and queues it behind the
  // tenant's earlier events; returns it once stored. Throws OutboxError when the outbox could
  // not store it (then nothing is queued), std::invalid_argument for an empty tenant id or data
  // that is not a JSON object. A tenant's enqueues are serialised; other tenants' run in
  // parallel.
  Event enqueue(EventType type, const std::string& tenant, nlohmann::json data);

  // enqueue() for a producer relaying events staged elsewhere: the event is appended with
  // source_key (Outbox::append), so relaying one staged row again, say after a crash between the
  // relay and the producer's note that it was relayed, queues nothing. Returns the event once
  // stored, std::nullopt when the tenant's outbox already holds source_key (nothing queued or
  // counted). Throws as enqueue() does, and std::invalid_argument for an empty source_key.
  std::optional<Event> enqueue_once(EventType type, const std::string& tenant,
                                    nlohmann::json data, const std::string& source_key);

  // One event relayed from elsewhere: what enqueue_once() takes besides the tenant.
  struct Relayed {
    EventType type;
    nlohmann::json data;
    std::string source_key;
  };
  // enqueue_once() of several events of one tenant, in order, stored in one outbox step
  // (Outbox::append_all, one commit): returns the events stored, leaving out those whose key the
  // outbox already held. Throws as enqueue_once() does, and then stored none of them.
  std::vector<Event> enqueue_all_once(const std::string& tenant, std::vector<Relayed> events);

  // The tenant's own URL instead of the default (std::nullopt: back to the default), stored in
  // the outbox so it outlives a restart; the next attempt uses it, and a tenant waiting out a
  // backoff is retried at once. Throws std::invalid_argument for a malformed URL or an empty
  // tenant, OutboxError when the outbox could not store it; either way nothing changed.
  void set_tenant_url(const std::string& tenant, const std::optional<std::string>& url);

  // Does one unit of due work: one attempt for one tenant (reading its next events from the
  // outbox first if needed), or the periodic expiry. Returns false when nothing was due.
  // Outbox and poster failures are outcomes, not exceptions; only what nothing covers (such as
  // std::bad_alloc) escapes, after the tenant was set to back off as after a failed attempt.
  bool run_one();

  // When run_one() will next have work without a new enqueue (unix ms; the past means now).
  int64_t next_due_ms() const;

 private:
  struct Tenant {
    std::deque<Event> window;     // the oldest pending events, read from the outbox
    bool maybe_more = false;      // the outbox may hold pending events beyond the window
    bool in_flight = false;       // a run_one() call is working on this tenant
    bool queued = false;          // in waiting_
    int appending = 0;            // enqueue() calls between their start and their end
    int failures = 0;             // consecutive failed attempts
    int64_t due_ms = 0;
    // Held while appending and while reading the window, so a read never sees a later event
    // without an earlier one that is still being appended.
    std::shared_ptr<std::mutex> io_mu = std::make_shared<std::mutex>();
  };
  struct Outcome;

  // enqueue(), enqueue_once() and enqueue_all_once(): the events stored, in order (an empty
  // source key never deduplicates).
  std::vector<Event> enqueue_keyed(const std::string& tenant, std::vector<Relayed> events);
  // With mu_ held:
  bool has_work(const Tenant& t) const { return !t.window.empty() || t.maybe_more; }
  void schedule(const std::string& name, Tenant& t);  // into waiting_, if it has work
  void settle(const std::string& name, Tenant& t);    // not in flight: schedule or forget
  uint32_t draw();                                    // backoff jitter
  // Without mu_ held:
  bool run_expiry(int64_t now);
  bool refill(const std::string& name);
  Outcome attempt(const Event& head);
  bool record(const Event& head, DeliveryState state);  // in the outbox; false if it threw
  void finish(const std::string& name, const Event& head, const Outcome& outcome);
  void park(const std::string& name, const Event& head);  // finish() for a tenant without URL
  std::optional<std::string> url_for(const std::string& tenant);

  const DeliveryOptions options_;
  Outbox& outbox_;
  Poster& poster_;
  const Clock& clock_;
  Metrics& metrics_;
  EventIdGenerator ids_;

  mutable std::mutex mu_;
  std::map<std::string, Tenant> tenants_;
  std::set<std::pair<int64_t, std::string>> waiting_;  // (due, tenant) of tenants with work
  std::map<std::string, std::string> urls_;            // per-tenant overrides
  // Held by set_tenant_url() from the outbox write to the change of urls_, so concurrent calls
  // for one tenant leave the same URL in the outbox and in urls_.
  std::mutex url_write_mu_;
  int64_t next_expiry_ms_ = 0;
  bool expiring_ = false;
  int64_t pending_ = 0;  // this instance's share of the outbox depth gauge
};

}  // namespace webhooks
