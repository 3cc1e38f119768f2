// The Outbox contract (src/webhooks/outbox.hpp) as checks any implementation must pass. Each
// function takes an empty outbox. MemoryOutbox runs them in outbox_test.cpp; a durable outbox
// can include this header and run the same functions against a fresh store.
#pragma once
#include <catch2/catch.hpp>

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <limits>
#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "webhooks/event_id.hpp"
#include "webhooks/outbox.hpp"

namespace outbox_contract {

using webhooks::DeliveryState;
using webhooks::Event;
using webhooks::Outbox;

inline Event event_at(webhooks::EventIdGenerator& ids, const std::string& tenant, int64_t ms,
                      int n = 0) {
  Event e;
  e.id = ids.next(ms);
  e.type = webhooks::EventType::message_received;
  e.tenant_id = tenant;
  e.created_ms = ms;
  e.data = {{"n", n}, {"text", "message " + std::to_string(n)}};
  return e;
}

inline std::vector<std::string> ids_of(const std::vector<Event>& events) {
  std::vector<std::string> out;
  for (const Event& e : events) out.push_back(e.id);
  return out;
}

inline std::vector<std::string> ids_of(const std::vector<webhooks::StoredEvent>& events) {
  std::vector<std::string> out;
  for (const auto& e : events) out.push_back(e.event.id);
  return out;
}

// Pending events come back whole, oldest id first (not insertion order), per tenant, bounded.
inline void pending_is_oldest_first(Outbox& box) {
  webhooks::EventIdGenerator ids;
  std::vector<Event> a;
  for (int i = 0; i < 5; ++i) a.push_back(event_at(ids, "a", 1700000000000 + i, i));
  const Event b = event_at(ids, "b", 1700000000010);
  for (int i : {3, 0, 4, 1, 2}) CHECK(box.append(a[i], ""));
  CHECK(box.append(b, ""));
  const std::vector<Event> got = box.pending("a", 100);
  REQUIRE(got.size() == 5);
  for (size_t i = 0; i < got.size(); ++i) CHECK(got[i] == a[i]);
  CHECK(ids_of(box.pending("a", 2)) == std::vector<std::string>{a[0].id, a[1].id});
  CHECK(box.pending("a", 0).empty());
  CHECK(ids_of(box.pending("b", 100)) == std::vector<std::string>{b.id});
  CHECK(box.pending("nobody", 100).empty());
  CHECK(box.pending_counts() == std::map<std::string, size_t>{{"a", 5}, {"b", 1}});
}

// Marking moves a pending event to its final state once; list() shows every state.
inline void marks_are_final_and_listed(Outbox& box) {
  webhooks::EventIdGenerator ids;
  std::vector<Event> a;
  for (int i = 0; i < 4; ++i) {
    a.push_back(event_at(ids, "a", 1700000000000 + i, i));
    CHECK(box.append(a.back(), ""));
  }
  CHECK(box.mark_delivered("a", a[0].id));
  CHECK(box.mark_failed("a", a[2].id));
  CHECK_FALSE(box.mark_delivered("a", a[0].id));  // already delivered
  CHECK_FALSE(box.mark_failed("a", a[0].id));
  CHECK_FALSE(box.mark_delivered("a", a[2].id));  // already failed
  CHECK_FALSE(box.mark_delivered("b", a[1].id));  // another tenant's id
  CHECK_FALSE(box.mark_delivered("a", "01HF7YAT00ABCDEFGHJKMNPQRS"));  // unknown
  CHECK(ids_of(box.pending("a", 100)) == std::vector<std::string>{a[1].id, a[3].id});
  CHECK(box.pending_counts() == std::map<std::string, size_t>{{"a", 2}});
  const auto listed = box.list("a", "", 100);
  REQUIRE(listed.size() == 4);
  CHECK(listed[0].state == DeliveryState::delivered);
  CHECK(listed[1].state == DeliveryState::pending);
  CHECK(listed[2].state == DeliveryState::failed);
  CHECK(listed[3].state == DeliveryState::pending);
  for (size_t i = 0; i < listed.size(); ++i) CHECK(listed[i].event == a[i]);
  CHECK(box.mark_delivered("a", a[1].id));
  CHECK(box.mark_delivered("a", a[3].id));
  CHECK(box.pending_counts().empty());
}

// Pages: ids strictly after after_id, oldest first, bounded; a vanished after_id keeps its place.
inline void list_pages_after_an_id(Outbox& box) {
  webhooks::EventIdGenerator ids;
  std::vector<std::string> all;
  for (int i = 0; i < 10; ++i) {
    const Event e = event_at(ids, "a", 1700000000000 + i * 1000, i);
    CHECK(box.append(e, ""));
    all.push_back(e.id);
  }
  CHECK(box.append(event_at(ids, "b", 1700000000500), ""));
  CHECK(ids_of(box.list("a", "", 3)) == std::vector<std::string>(all.begin(), all.begin() + 3));
  CHECK(ids_of(box.list("a", all[2], 3)) ==
        std::vector<std::string>(all.begin() + 3, all.begin() + 6));
  CHECK(ids_of(box.list("a", all[8], 3)) == std::vector<std::string>{all[9]});
  CHECK(box.list("a", all[9], 3).empty());
  // An id that was never stored (one that expired, or from between two events) still pages.
  // (A second generator: the first would not go back in time.)
  const std::string between = webhooks::EventIdGenerator().next(1700000000000 + 4500);
  CHECK(ids_of(box.list("a", between, 2)) == std::vector<std::string>{all[5], all[6]});
  CHECK(box.list("nobody", "", 10).empty());
}

// Expiry removes finished events created before the cutoff and never a pending one.
inline void expire_keeps_pending_events(Outbox& box) {
  webhooks::EventIdGenerator ids;
  const Event old_delivered = event_at(ids, "a", 1000);
  const Event old_failed = event_at(ids, "a", 2000);
  const Event old_pending = event_at(ids, "a", 3000);
  const Event new_delivered = event_at(ids, "a", 5000);
  const Event other_old = event_at(ids, "b", 1500);
  for (const Event* e : {&old_delivered, &old_failed, &old_pending, &new_delivered, &other_old}) {
    CHECK(box.append(*e, ""));
  }
  box.mark_delivered("a", old_delivered.id);
  box.mark_failed("a", old_failed.id);
  box.mark_delivered("a", new_delivered.id);
  box.mark_delivered("b", other_old.id);
  CHECK(box.expire(5000) == 3);  // created before 5000: not new_delivered, at exactly 5000
  CHECK(ids_of(box.list("a", "", 10)) ==
        std::vector<std::string>{old_pending.id, new_delivered.id});
  CHECK(box.list("b", "", 10).empty());
  CHECK(ids_of(box.pending("a", 10)) == std::vector<std::string>{old_pending.id});
  CHECK(box.expire(1000000) == 1);
  CHECK(ids_of(box.list("a", "", 10)) == std::vector<std::string>{old_pending.id});
}

// Misuse is refused without changing anything.
inline void misuse_is_refused(Outbox& box) {
  webhooks::EventIdGenerator ids;
  const Event e = event_at(ids, "a", 1700000000000);
  CHECK(box.append(e, ""));
  CHECK_THROWS_AS(box.append(e, ""), std::invalid_argument);
  Event no_id = event_at(ids, "a", 1700000000001);
  no_id.id.clear();
  CHECK_THROWS_AS(box.append(no_id, ""), std::invalid_argument);
  Event no_tenant = event_at(ids, "a", 1700000000002);
  no_tenant.tenant_id.clear();
  CHECK_THROWS_AS(box.append(no_tenant, ""), std::invalid_argument);
  CHECK(box.list("a", "", 10).size() == 1);
}

// A source key stores its tenant's event once: a repeated relay stores nothing (whatever the
// first event's state, even when it repeats the very same event); keys are per tenant, and an
// empty key never deduplicates.
// A batch is append() of each event in order, as one step: duplicates (held before or earlier
// in the batch) are reported by position, and a misuse anywhere stores none of the batch.
inline void batches_append_in_one_step(Outbox& box) {
  using webhooks::KeyedEvent;
  webhooks::EventIdGenerator ids;
  const int64_t t0 = 1700000000000;
  const Event held = event_at(ids, "a", t0, 0);
  CHECK(box.append(held, "row-0"));
  const Event e1 = event_at(ids, "a", t0 + 1, 1);
  const Event e2 = event_at(ids, "a", t0 + 2, 2);
  const Event e3 = event_at(ids, "a", t0 + 3, 3);
  const Event b1 = event_at(ids, "b", t0 + 4, 1);
  const std::vector<bool> stored = box.append_all({KeyedEvent{e1, "row-1"},
                                                   KeyedEvent{event_at(ids, "a", t0 + 5), "row-0"},
                                                   KeyedEvent{e2, "row-2"},
                                                   KeyedEvent{event_at(ids, "a", t0 + 6), "row-2"},
                                                   KeyedEvent{e3, ""},
                                                   KeyedEvent{b1, "row-1"}});
  CHECK(stored == std::vector<bool>{true, false, true, false, true, true});
  CHECK(ids_of(box.pending("a", 10)) == std::vector<std::string>{held.id, e1.id, e2.id, e3.id});
  CHECK(ids_of(box.pending("b", 10)) == std::vector<std::string>{b1.id});
  CHECK(box.append_all({}).empty());

  // The second event reuses a stored id: the first, valid on its own, is not stored either.
  const Event e4 = event_at(ids, "a", t0 + 7, 4);
  CHECK_THROWS_AS(box.append_all({KeyedEvent{e4, "row-4"}, KeyedEvent{e1, "row-5"}}),
                  std::invalid_argument);
  // The same id twice within one batch is misuse as well.
  CHECK_THROWS_AS(box.append_all({KeyedEvent{e4, "row-4"}, KeyedEvent{e4, "row-6"}}),
                  std::invalid_argument);
  CHECK(box.pending("a", 10).size() == 4);
  CHECK(box.append(e4, "row-4"));  // its key was left free
}

inline void source_key_appends_once(Outbox& box) {
  webhooks::EventIdGenerator ids;
  const int64_t t0 = 1700000000000;
  const Event first = event_at(ids, "a", t0, 1);
  CHECK(box.append(first, "row-1"));
  CHECK_FALSE(box.append(event_at(ids, "a", t0 + 1, 1), "row-1"));  // relayed again: a new id
  CHECK_FALSE(box.append(first, "row-1"));  // the very same event: a duplicate, not misuse
  CHECK(ids_of(box.list("a", "", 10)) == std::vector<std::string>{first.id});
  CHECK(box.pending_counts() == std::map<std::string, size_t>{{"a", 1}});

  const Event other_tenant = event_at(ids, "b", t0 + 2, 1);
  CHECK(box.append(other_tenant, "row-1"));
  const Event second = event_at(ids, "a", t0 + 3, 2);
  CHECK(box.append(second, "row-2"));
  const Event plain1 = event_at(ids, "a", t0 + 4, 3);
  const Event plain2 = event_at(ids, "a", t0 + 5, 3);
  CHECK(box.append(plain1, ""));
  CHECK(box.append(plain2, ""));

  // A finished event keeps its key until it expires.
  CHECK(box.mark_delivered("a", first.id));
  CHECK(box.mark_failed("a", second.id));
  CHECK_FALSE(box.append(event_at(ids, "a", t0 + 6, 1), "row-1"));
  CHECK_FALSE(box.append(event_at(ids, "a", t0 + 7, 2), "row-2"));

  // A stored id under another key is misuse; the refused append leaves that key free.
  CHECK_THROWS_AS(box.append(plain1, "row-3"), std::invalid_argument);
  CHECK_THROWS_AS(box.append(first, "row-3"), std::invalid_argument);
  Event no_id = event_at(ids, "a", t0 + 8, 3);
  no_id.id.clear();
  CHECK_THROWS_AS(box.append(no_id, "row-3"), std::invalid_argument);
  const Event third = event_at(ids, "a", t0 + 9, 3);
  CHECK(box.append(third, "row-3"));
  CHECK(ids_of(box.list("a", "", 10)) ==
        std::vector<std::string>{first.id, second.id, plain1.id, plain2.id, third.id});
  CHECK(ids_of(box.list("b", "", 10)) == std::vector<std::string>{other_tenant.id});

  // Pending events never expire, so neither do their keys.
  CHECK(box.expire(std::numeric_limits<int64_t>::max()) == 2);
  CHECK_FALSE(box.append(event_at(ids, "a", t0 + 10, 3), "row-3"));
  CHECK_FALSE(box.append(event_at(ids, "b", t0 + 11, 1), "row-1"));
  CHECK(box.pending_counts() == std::map<std::string, size_t>{{"a", 3}, {"b", 1}});
}

// Relays racing on the same staged rows: each key is stored exactly once.
inline void concurrent_appends_with_one_key(Outbox& box) {
  webhooks::EventIdGenerator ids;
  constexpr int kRelays = 4;
  constexpr int kRows = 25;
  std::atomic<int> stored{0};
  std::vector<std::thread> relays;
  for (int r = 0; r < kRelays; ++r) {
    relays.emplace_back([&] {
      for (int row = 0; row < kRows; ++row) {
        const Event e = event_at(ids, "a", 1700000000000 + row, row);
        if (box.append(e, "row-" + std::to_string(row))) ++stored;
      }
    });
  }
  for (auto& t : relays) t.join();
  CHECK(stored.load() == kRows);
  CHECK(box.pending_counts() == std::map<std::string, size_t>{{"a", kRows}});
  std::vector<int> rows;
  for (const Event& e : box.pending("a", 1000)) rows.push_back(e.data.at("n").get<int>());
  std::sort(rows.begin(), rows.end());
  CHECK(std::unique(rows.begin(), rows.end()) == rows.end());
}

// Tenant URLs: set replaces, std::nullopt removes (also one never set), all come back; they are
// no events, so expiry leaves them alone.
inline void tenant_urls_are_kept(Outbox& box) {
  using Urls = std::map<std::string, std::string>;
  CHECK(box.tenant_urls().empty());
  box.set_tenant_url("a", std::string("https://a.example/one"));
  box.set_tenant_url("b", std::string("http://10.0.0.2:8080/hook?t=b"));
  box.set_tenant_url("a", std::string("https://a.example/two"));
  CHECK(box.tenant_urls() ==
        Urls{{"a", "https://a.example/two"}, {"b", "http://10.0.0.2:8080/hook?t=b"}});
  box.set_tenant_url("b", std::nullopt);
  box.set_tenant_url("nobody", std::nullopt);
  CHECK(box.tenant_urls() == Urls{{"a", "https://a.example/two"}});

  webhooks::EventIdGenerator ids;
  const Event e = event_at(ids, "a", 1000);
  CHECK(box.append(e, ""));
  CHECK(box.mark_delivered("a", e.id));
  CHECK(box.expire(std::numeric_limits<int64_t>::max()) == 1);
  CHECK(box.tenant_urls() == Urls{{"a", "https://a.example/two"}});

  CHECK_THROWS_AS(box.set_tenant_url("", std::string("https://x.example/")),
                  std::invalid_argument);
  CHECK(box.tenant_urls() == Urls{{"a", "https://a.example/two"}});
}

// Producers append from their threads while delivery marks: nothing is lost or duplicated.
inline void concurrent_appends_and_marks(Outbox& box) {
  webhooks::EventIdGenerator ids;
  constexpr int kPerTenant = 300;
  std::vector<std::thread> producers;
  for (const std::string tenant : {"a", "b", "c"}) {
    producers.emplace_back([&box, &ids, tenant] {
      for (int i = 0; i < kPerTenant; ++i) {
        box.append(event_at(ids, tenant, 1700000000000 + i, i), "");
      }
    });
  }
  size_t marked = 0;
  std::thread marker([&] {
    while (marked < kPerTenant) {
      for (const Event& e : box.pending("a", 50)) marked += box.mark_delivered("a", e.id) ? 1 : 0;
    }
  });
  for (auto& t : producers) t.join();
  marker.join();
  CHECK(marked == kPerTenant);
  CHECK(box.pending_counts() ==
        std::map<std::string, size_t>{{"b", kPerTenant}, {"c", kPerTenant}});
  CHECK(box.list("a", "", 1000).size() == kPerTenant);
}

}  // namespace outbox_contract
