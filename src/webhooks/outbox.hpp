// The outbox: where a tenant's events wait until they are delivered, and stay afterwards for
// replay (GET /events). Durability is the outbox's job; delivery (delivery_queues.hpp) only
// appends, reads and marks. MemoryOutbox (memory_outbox.hpp) is the reference implementation
// for tests; SqliteOutbox (sqlite_outbox.hpp) is the durable one, one SQLite file for all
// tenants.
//
// Contract:
// - Stored: once append() returns true, pending() and list() return the event until it is
//   marked or expires; for a durable implementation that holds across a crash or restart (the
//   append is committed before it returns). A throwing append stored nothing.
// - Source keys: a producer relaying events staged in another database appends each with a key
//   naming the staged row, so a relay repeated after a crash stores nothing twice. An append
//   whose non-empty key the tenant already holds (on an event in any state) stores nothing and
//   returns false, also when it repeats the very same event; the check and the store are one
//   step, so of concurrent appends with one key exactly one returns true. An empty key never
//   deduplicates. A key may be forgotten once its event expires.
// - Batches: append_all() is append() for each event in order, as one step: when it returns,
//   every event was stored or found a duplicate (a key held before or earlier in the batch);
//   when it throws, none was stored. A relay hands over what it read in one commit.
// - Order: "oldest first" is event id order, ascending by the id's text (ids sort in creation
//   order, event_id.hpp). Implementations sort by id rather than trust insertion order.
// - States: an event is appended pending; mark_delivered() or mark_failed() moves a pending
//   event to that final state once. Marking an event that is not pending (already final,
//   expired, unknown) changes nothing and returns false.
// - Expiry: expire() removes delivered and failed events created before the cutoff. Pending
//   events never expire: delivery ends each one, delivered or failed, within
//   webhook_retry_hours, which the config keeps at or below event_retention_hours.
// - Tenants: every event belongs to one tenant (Event::tenant_id); an implementation may keep
//   each tenant's events apart. They outlive the tenant's session: events of a deleted or
//   logged-out session are still delivered.
// - Tenant URLs: the outbox also keeps each tenant's own webhook URL (set through the API), so
//   it outlives a restart like the events waiting for it. set_tenant_url() replaces or, with
//   std::nullopt, removes the tenant's URL; a durable implementation commits it before
//   returning. URLs are stored as given (delivery validates them) and do not expire.
// - Thread-safety: every method may be called from any thread, concurrently. Delivery works on
//   a tenant from one thread at a time; producers append from their own threads.
// - Errors: a storage failure throws OutboxError and changes nothing. Misuse (an empty id or
//   tenant, a stored id appended again with a key the tenant does not hold or with none, an
//   empty tenant for a URL) throws std::invalid_argument.
#pragma once
#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "webhooks/event.hpp"

namespace webhooks {

struct OutboxError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

enum class DeliveryState { pending, delivered, failed };
// "pending", "delivered", "failed" (for GET /events and logs).
const char* state_name(DeliveryState state);

struct StoredEvent {
  Event event;
  DeliveryState state = DeliveryState::pending;
};

// An event with the source key it is appended with (empty: none).
struct KeyedEvent {
  Event event;
  std::string source_key;
};

class Outbox {
 public:
  virtual ~Outbox() = default;

  // Stores a new pending event and returns true, or returns false and stores nothing when
  // source_key is not empty and the event's tenant already holds it (see "Source keys" above).
  bool append(const Event& event, const std::string& source_key);
  // append() of each event, in order, as one step (see "Batches" above); the result says, by
  // position, which were stored.
  virtual std::vector<bool> append_all(const std::vector<KeyedEvent>& events) = 0;

  // The tenant's pending events, oldest first, at most `limit`.
  virtual std::vector<Event> pending(const std::string& tenant, size_t limit) = 0;

  // Every tenant with pending events, and how many: delivery resumes these after a restart,
  // and their sum is the outbox depth metric.
  virtual std::map<std::string, size_t> pending_counts() = 0;

  // Final states (see "States" above). True when the event was pending and now is not.
  virtual bool mark_delivered(const std::string& tenant, const std::string& id) = 0;
  virtual bool mark_failed(const std::string& tenant, const std::string& id) = 0;

  // The tenant's events in every state with an id greater than after_id (all of them when it is
  // empty), oldest first, at most `limit`. after_id need not name a stored event: a page keeps
  // its place when the event it ended on has expired.
  virtual std::vector<StoredEvent> list(const std::string& tenant, const std::string& after_id,
                                        size_t limit) = 0;

  // Removes delivered and failed events created before created_before_ms (unix ms); returns how
  // many were removed.
  virtual size_t expire(int64_t created_before_ms) = 0;

  // Every tenant's own webhook URL (see "Tenant URLs" above), by tenant.
  virtual std::map<std::string, std::string> tenant_urls() = 0;
  // Stores the tenant's URL, or removes it for std::nullopt (also when there was none).
  virtual void set_tenant_url(const std::string& tenant,
                              const std::optional<std::string>& url) = 0;
};

}  // namespace webhooks
