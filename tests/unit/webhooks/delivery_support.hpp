// What the delivery tests share: a manual clock, a fake poster that records every post and
// answers through a function of the request, and a harness holding an outbox, metrics on a
// registry of their own, and DeliveryQueues over them.
#pragma once
#include <catch2/catch.hpp>

#include <atomic>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "prometheus_sample.hpp"
#include "util/bytes.hpp"
#include "util/crypto.hpp"
#include "webhooks/delivery_queues.hpp"
#include "webhooks/memory_outbox.hpp"

namespace delivery_test {

using webhooks::Event;
using webhooks::EventType;
using webhooks::PostError;
using webhooks::PostRequest;
using webhooks::PostResult;

inline constexpr int64_t kStart = 1700000000000;  // 2023-11-14T22:13:20Z
inline constexpr int64_t kHour = 60 * 60 * 1000;
inline constexpr const char* kDefaultUrl = "https://gateway.example/hooks/wa";

class ManualClock : public webhooks::Clock {
 public:
  int64_t now_ms() const override { return now_.load(); }
  void set(int64_t ms) { now_.store(ms); }
  void advance(int64_t ms) { now_ += ms; }

 private:
  std::atomic<int64_t> now_{kStart};
};

inline PostResult answered(int status) {
  PostResult r;
  r.status = status;
  return r;
}

inline PostResult failed(PostError error) {
  PostResult r;
  r.error = error;
  r.detail = "fake failure";
  return r;
}

struct Post {
  PostRequest request;
  int64_t at_ms;
  std::string header(const std::string& name) const {
    for (const auto& [k, v] : request.headers) {
      if (k == name) return v;
    }
    return "";
  }
  std::string id() const { return header("webhook-id"); }
  std::string tenant() const { return nlohmann::json::parse(request.body).at("tenantId"); }
};

class FakePoster : public webhooks::Poster {
 public:
  using Answer = std::function<PostResult(const Post&)>;
  explicit FakePoster(const webhooks::Clock& clock) : clock_(clock) {}

  void answer_with(Answer a) {
    std::lock_guard<std::mutex> lk(mu_);
    answer_ = std::move(a);
  }
  PostResult post(const PostRequest& request) override {
    Post p{request, clock_.now_ms()};
    Answer answer;
    {
      std::lock_guard<std::mutex> lk(mu_);
      posts_.push_back(p);
      answer = answer_;
    }
    return answer ? answer(p) : answered(200);
  }
  std::vector<Post> posts() const {
    std::lock_guard<std::mutex> lk(mu_);
    return posts_;
  }
  std::vector<Post> posts_of(const std::string& tenant) const {
    std::vector<Post> out;
    for (const Post& p : posts()) {
      if (p.tenant() == tenant) out.push_back(p);
    }
    return out;
  }

 private:
  const webhooks::Clock& clock_;
  mutable std::mutex mu_;
  std::vector<Post> posts_;
  Answer answer_;
};

inline std::string random_secret() {
  return "whsec_" + util::base64_encode(util::crypto::random_bytes(32));
}

inline webhooks::SigningKey key_of(const std::string& secret) {
  auto key = webhooks::SigningKey::parse(secret, nullptr);
  REQUIRE(key);
  return *key;
}

struct Harness {
  std::string secret = random_secret();
  ManualClock clock;
  webhooks::MemoryOutbox outbox;
  FakePoster poster{clock};
  metrics::Registry registry;
  webhooks::Metrics metrics{registry};

  webhooks::DeliveryOptions options(std::optional<std::string> url = std::string(kDefaultUrl)) {
    return webhooks::DeliveryOptions{std::move(url), key_of(secret), 24 * kHour, 72 * kHour, {}};
  }
  std::unique_ptr<webhooks::DeliveryQueues> queues(webhooks::DeliveryOptions o) {
    return std::make_unique<webhooks::DeliveryQueues>(std::move(o), outbox, poster, clock,
                                                      metrics);
  }
  std::unique_ptr<webhooks::DeliveryQueues> queues() { return queues(options()); }

  double metric(const std::string& series) {
    return testing_support::prometheus_sample(registry.render(), series);
  }
  std::vector<webhooks::StoredEvent> stored(const std::string& tenant) {
    return outbox.list(tenant, "", 100000);
  }
};

// Runs everything due now; fails the test rather than loop forever.
inline int run_due(webhooks::DeliveryQueues& q) {
  int n = 0;
  while (q.run_one()) REQUIRE(++n < 100000);
  return n;
}

// Moves the clock to the next due time (never back) and runs what is due then.
inline void run_next(webhooks::DeliveryQueues& q, ManualClock& clock) {
  clock.set(std::max(clock.now_ms(), q.next_due_ms()));
  run_due(q);
}

// Runs due work and moves the clock on until `done` holds; fails the test, rather than loop
// forever, if it does not within `steps` moves.
inline void run_until(webhooks::DeliveryQueues& q, ManualClock& clock,
                      const std::function<bool()>& done, int steps = 5000) {
  for (int i = 0; !done(); ++i) {
    REQUIRE(i < steps);
    run_next(q, clock);
  }
}

inline nlohmann::json data_n(int n) { return {{"n", n}, {"text", "message " + std::to_string(n)}}; }

}  // namespace delivery_test
