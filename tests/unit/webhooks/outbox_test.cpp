// MemoryOutbox against the Outbox contract (outbox_contract.hpp), and its injected failures.
#include <catch2/catch.hpp>

#include "outbox_contract.hpp"
#include "webhooks/memory_outbox.hpp"

using webhooks::MemoryOutbox;
using webhooks::OutboxError;

TEST_CASE("memory outbox: pending is oldest first", "[webhooks][outbox]") {
  MemoryOutbox box;
  outbox_contract::pending_is_oldest_first(box);
}

TEST_CASE("memory outbox: marks are final and listed", "[webhooks][outbox]") {
  MemoryOutbox box;
  outbox_contract::marks_are_final_and_listed(box);
}

TEST_CASE("memory outbox: list pages after an id", "[webhooks][outbox]") {
  MemoryOutbox box;
  outbox_contract::list_pages_after_an_id(box);
}

TEST_CASE("memory outbox: expire keeps pending events", "[webhooks][outbox]") {
  MemoryOutbox box;
  outbox_contract::expire_keeps_pending_events(box);
}

TEST_CASE("memory outbox: misuse is refused", "[webhooks][outbox]") {
  MemoryOutbox box;
  outbox_contract::misuse_is_refused(box);
}

TEST_CASE("memory outbox: concurrent appends and marks", "[webhooks][outbox]") {
  MemoryOutbox box;
  outbox_contract::concurrent_appends_and_marks(box);
}

TEST_CASE("memory outbox: a source key appends once", "[webhooks][outbox]") {
  MemoryOutbox box;
  outbox_contract::source_key_appends_once(box);
}

TEST_CASE("memory outbox: a batch appends in one step", "[webhooks][outbox]") {
  MemoryOutbox box;
  outbox_contract::batches_append_in_one_step(box);
}

TEST_CASE("memory outbox: concurrent appends with one key", "[webhooks][outbox]") {
  MemoryOutbox box;
  outbox_contract::concurrent_appends_with_one_key(box);
}

TEST_CASE("memory outbox: tenant URLs are kept", "[webhooks][outbox]") {
  MemoryOutbox box;
  outbox_contract::tenant_urls_are_kept(box);
}

TEST_CASE("memory outbox: a source key is forgotten with its expired event",
          "[webhooks][outbox]") {
  // Allowed by the contract rather than required; this is what MemoryOutbox does.
  MemoryOutbox box;
  webhooks::EventIdGenerator ids;
  const auto e = outbox_contract::event_at(ids, "a", 1000);
  CHECK(box.append(e, "row-1"));
  CHECK(box.mark_delivered("a", e.id));
  CHECK(box.expire(2000) == 1);
  CHECK(box.append(outbox_contract::event_at(ids, "a", 3000), "row-1"));
}

TEST_CASE("memory outbox: an injected failure throws and changes nothing", "[webhooks][outbox]") {
  MemoryOutbox box;
  webhooks::EventIdGenerator ids;
  const auto e = outbox_contract::event_at(ids, "a", 1700000000000);
  box.fail_next(2);
  CHECK_THROWS_AS(box.append(e, "row-1"), OutboxError);
  CHECK_THROWS_AS(box.pending("a", 10), OutboxError);
  CHECK(box.pending("a", 10).empty());
  CHECK(box.append(e, "row-1"));  // the failed append held no key
  box.fail_next(1);
  CHECK_THROWS_AS(box.mark_delivered("a", e.id), OutboxError);
  CHECK(box.pending("a", 10).size() == 1);
  CHECK(webhooks::state_name(box.list("a", "", 1).at(0).state) == std::string("pending"));
  box.fail_next(1);
  CHECK_THROWS_AS(box.set_tenant_url("a", std::string("https://a.example/")), OutboxError);
  CHECK(box.tenant_urls().empty());
}
