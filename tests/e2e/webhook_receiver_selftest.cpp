// Self-tests of the webhook receiver the end-to-end tests use as a gateway: its verifier against
// the Standard Webhooks reference vector (standard-webhooks libraries/go/webhook_test.go
// TestWebhookSign: secret whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw, id msg_p5jXN8AQM9LWM0D4loKWxJek,
// timestamp 1614265330, body {"test": 2432232314} → v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=;
// also `openssl dgst -sha256 -mac HMAC -macopt hexkey:<the 24 key bytes>` over
// "msg_p5jXN8AQM9LWM0D4loKWxJek.1614265330.{"test": 2432232314}"), the reference suite's refusals,
// and the live server's recording and modes.
#include <catch2/catch.hpp>

#include <ctime>
#include <thread>
#include <httplib.h>
#include "e2e_support.hpp"
#include "webhook_receiver.hpp"

using namespace e2e;

namespace {

constexpr const char* kSecret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
constexpr const char* kId = "msg_p5jXN8AQM9LWM0D4loKWxJek";
constexpr const char* kTimestamp = "1614265330";
constexpr const char* kBody = R"({"test": 2432232314})";
constexpr const char* kSignature = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=";
constexpr int64_t kAt = 1614265330;

int64_t now_s() { return static_cast<int64_t>(std::time(nullptr)); }

// A delivery as the service makes it, signed with `secret` at `timestamp`.
httplib::Result deliver(WebhookReceiver& r, const std::string& id, const std::string& body,
                        const std::string& secret, int64_t timestamp) {
  httplib::Client c("127.0.0.1", r.port());
  c.set_read_timeout(10, 0);
  const std::string ts = std::to_string(timestamp);
  httplib::Headers h{{"webhook-id", id},
                     {"webhook-timestamp", ts},
                     {"webhook-signature", WebhookReceiver::sign(secret, id, ts, body)}};
  return c.Post("/webhook", h, body, "application/json");
}

}  // namespace

TEST_CASE("webhook receiver: the reference vector verifies byte for byte", "[webhook-receiver]") {
  CHECK(WebhookReceiver::sign(kSecret, kId, kTimestamp, kBody) == kSignature);
  const WebhookVerdict v = WebhookReceiver::verify(kSecret, kId, kTimestamp, kSignature, kBody, kAt);
  CHECK(v.ok);
  CHECK(v.why.empty());
  // Within the 5-minute tolerance either way.
  CHECK(WebhookReceiver::verify(kSecret, kId, kTimestamp, kSignature, kBody, kAt + 300).ok);
  CHECK(WebhookReceiver::verify(kSecret, kId, kTimestamp, kSignature, kBody, kAt - 300).ok);
  // The reference suite's "valid multi sig is valid": the right one among others and a v2.
  const std::string several = std::string("v1,Ceo5qEr07ixe2NLpvHk3FH9bwy/WavXrAFQ/9tdO6mc= ") +
                              "v2,Ceo5qEr07ixe2NLpvHk3FH9bwy/WavXrAFQ/9tdO6mc= " + kSignature +
                              " v1,Ceo5qEr07ixe2NLpvHk3FH9bwy/WavXrAFQ/9tdO6mc=";
  CHECK(WebhookReceiver::verify(kSecret, kId, kTimestamp, several, kBody, kAt).ok);
}

TEST_CASE("webhook receiver: a wrong vector is refused, each for its reason", "[webhook-receiver]") {
  auto why = [](const std::string& secret, const std::string& id, const std::string& ts,
                const std::string& sig, const std::string& body, int64_t now) {
    const WebhookVerdict v = WebhookReceiver::verify(secret, id, ts, sig, body, now);
    CHECK_FALSE(v.ok);
    return v.why;
  };
  // One digit of the body, of the id, of the timestamp; another key; another signature.
  CHECK(why(kSecret, kId, kTimestamp, kSignature, R"({"test": 2432232315})", kAt) == "no v1 signature matches");
  CHECK(why(kSecret, "msg_p5jXN8AQM9LWM0D4loKWxJeK", kTimestamp, kSignature, kBody, kAt) ==
        "no v1 signature matches");
  CHECK(why(kSecret, kId, "1614265331", kSignature, kBody, kAt) == "no v1 signature matches");
  CHECK(why("whsec_c2VjcmV0LW9mLWFub3RoZXItZW5kcG9pbnQ=", kId, kTimestamp, kSignature, kBody, kAt) ==
        "no v1 signature matches");
  CHECK(why(kSecret, kId, kTimestamp, "v1,Ceo5qEr07ixe2NLpvHk3FH9bwy/WavXrAFQ/9tdO6mc=", kBody, kAt) ==
        "no v1 signature matches");
  // The right MAC under another version tag is not a v1 signature.
  CHECK(why(kSecret, kId, kTimestamp, "v2,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=", kBody, kAt) ==
        "webhook-signature holds no v1 signature");
  // The reference suite's "old timestamp fails" / "new timestamp fails".
  CHECK(why(kSecret, kId, kTimestamp, kSignature, kBody, kAt + 301) ==
        "webhook-timestamp is more than 5 minutes old");
  CHECK(why(kSecret, kId, kTimestamp, kSignature, kBody, kAt - 301) ==
        "webhook-timestamp is more than 5 minutes in the future");
  // Missing headers, a timestamp that is not seconds, a secret without its prefix.
  CHECK(why(kSecret, "", kTimestamp, kSignature, kBody, kAt) == "no webhook-id");
  CHECK(why(kSecret, kId, "", kSignature, kBody, kAt) == "no webhook-timestamp");
  CHECK(why(kSecret, kId, kTimestamp, "", kBody, kAt) == "no webhook-signature");
  CHECK(why(kSecret, kId, "1614265330.5", kSignature, kBody, kAt) == "webhook-timestamp is not unix seconds");
  CHECK(why("MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", kId, kTimestamp, kSignature, kBody, kAt) ==
        "the secret is not whsec_ + base64");
}

TEST_CASE("webhook receiver: records deliveries, verifies them and answers as told", "[webhook-receiver]") {
  WebhookReceiver r(kSecret);
  CHECK(r.url() == "http://127.0.0.1:" + std::to_string(r.port()) + "/webhook");

  // A good delivery: 204 by default, recorded verified with its headers and JSON.
  const std::string body = R"({"type":"message.received","data":{"text":"Olá 👋"}})";
  auto res = deliver(r, "evt_1", body, kSecret, now_s());
  REQUIRE(res);
  CHECK(res->status == 204);
  REQUIRE(r.wait_for_count(1, 2s));
  WebhookArrival a = r.arrivals().at(0);
  CHECK(a.verified);
  CHECK(a.why_not.empty());
  CHECK(a.id == "evt_1");
  CHECK(a.body == body);
  CHECK(a.type() == "message.received");
  CHECK(a.json["data"]["text"] == "Olá 👋");
  CHECK(a.headers.at("content-type") == "application/json");
  CHECK(a.answered == 204);
  CHECK(a.path == "/webhook");

  // Signed with another key, or 10 minutes ago: recorded, not verified (and still answered).
  REQUIRE(deliver(r, "evt_2", body, "whsec_c2VjcmV0LW9mLWFub3RoZXItZW5kcG9pbnQ=", now_s()));
  REQUIRE(deliver(r, "evt_3", body, kSecret, now_s() - 600));
  REQUIRE(r.wait_for_count(3, 2s));
  CHECK(r.arrivals()[1].why_not == "no v1 signature matches");
  CHECK(r.arrivals()[2].why_not == "webhook-timestamp is more than 5 minutes old");

  // Refusing: the sender sees 503, and its retry of evt_1 is one more attempt of one event.
  r.answer_with(503);
  res = deliver(r, "evt_1", body, kSecret, now_s());
  REQUIRE(res);
  CHECK(res->status == 503);
  CHECK(r.attempts("evt_1") == 2);
  const auto events = r.events();
  REQUIRE(events.size() == 3);
  CHECK(events[0].id == "evt_1");
  CHECK(events[1].id == "evt_2");
  CHECK(events[2].id == "evt_3");
  CHECK(r.arrivals().back().answered == 503);

  // Hanging: the answer comes after the delay, the arrival is recorded at once.
  r.answer_with(200);
  r.hang_for(400ms);
  const auto started = std::chrono::steady_clock::now();
  int held_status = 0;  // Catch's assertions are not thread-safe: checked after the join
  std::thread slow([&] {
    auto held = deliver(r, "evt_4", body, kSecret, now_s());
    if (held) held_status = held->status;
  });
  CHECK(r.wait_until([](const std::vector<WebhookArrival>& all) { return all.back().id == "evt_4"; }, 2s));
  CHECK(std::chrono::steady_clock::now() - started < 400ms);
  slow.join();
  CHECK(held_status == 200);
  CHECK(std::chrono::steady_clock::now() - started >= 400ms);
  CHECK_FALSE(r.wait_for_count(10, 50ms));

  r.clear();
  CHECK(r.count() == 0);
}
