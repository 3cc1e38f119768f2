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

TEST_CASE("memory outbox: an injected failure throws and changes nothing", "[webhooks][outbox]") {
  MemoryOutbox box;
  webhooks::EventIdGenerator ids;
  const auto e = outbox_contract::event_at(ids, "a", 1700000000000);
  box.fail_next(2);
  CHECK_THROWS_AS(box.append(e), OutboxError);
  CHECK_THROWS_AS(box.pending("a", 10), OutboxError);
  CHECK(box.pending("a", 10).empty());
  box.append(e);
  box.fail_next(1);
  CHECK_THROWS_AS(box.mark_delivered("a", e.id), OutboxError);
  CHECK(box.pending("a", 10).size() == 1);
  CHECK(webhooks::state_name(box.list("a", "", 1).at(0).state) == std::string("pending"));
}
