// webhook_post_sample URL SECRET: delivers one sample event to URL through the real delivery
// path (Deliverer, HttpPoster, an in-memory outbox), signed with SECRET, and exits 0 once the
// endpoint answered 2xx (1 if it did not within 20 s, 2 on bad arguments). Prints the event id.
// verify_with_standardwebhooks.js runs it against a server that verifies with the reference
// library.
#include <chrono>
#include <iostream>
#include <string>
#include <thread>

#include "metrics/registry.hpp"
#include "webhooks/deliverer.hpp"
#include "webhooks/http_poster.hpp"
#include "webhooks/memory_outbox.hpp"

int main(int argc, char** argv) {
  if (argc != 3) {
    std::cerr << "usage: webhook_post_sample URL SECRET\n";
    return 2;
  }
  std::string reason;
  auto key = webhooks::SigningKey::parse(argv[2], &reason);
  if (!key) {
    std::cerr << "webhook_post_sample: the secret " << reason << "\n";
    return 2;
  }
  webhooks::SystemClock clock;
  webhooks::MemoryOutbox outbox;
  webhooks::HttpPoster poster(std::chrono::seconds(10), "wa-sidecar/sample");
  metrics::Registry registry;
  webhooks::Metrics metrics(registry);
  const int64_t day = 24LL * 3600 * 1000;
  webhooks::Deliverer deliverer({std::string(argv[1]), *key, day, 3 * day, {}}, outbox, poster,
                                clock, metrics, 1);
  // Text that JSON escapes and UTF-8 beyond ASCII: the signature covers the exact bytes.
  const webhooks::Event e = deliverer.enqueue(
      webhooks::EventType::message_received, "acme",
      {{"from", "15551234567@s.whatsapp.net"}, {"text", "Olá! 👋 \"quoted\"\nline 2 \\ </tag>"}});
  std::cout << e.id << std::endl;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  while (std::chrono::steady_clock::now() < deadline) {
    if (outbox.pending_counts().empty()) return 0;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  std::cerr << "webhook_post_sample: not delivered within 20 s\n";
  return 1;
}
