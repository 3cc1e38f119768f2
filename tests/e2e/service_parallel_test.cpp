// End to end: tenants sending at once, the way a gateway's connection pool calls us. One tenant's
// concurrent sends must leave in ratchet order (the recipient's devices see the Signal counters
// of each chain rising, and decrypt everything); two tenants on different network threads
// interleave without disturbing each other; /health answers throughout.
#include <catch2/catch.hpp>

#include <atomic>
#include <map>
#include <set>
#include <thread>

#include "service_rig.hpp"

using namespace e2e;

namespace {

constexpr int kClientsPerTenant = 12;
constexpr int kSendsPerClient = 4;

std::string send_body(const std::string& to, const std::string& text) {
  return json{{"to", to}, {"message", text}}.dump();
}

}  // namespace

TEST_CASE("e2e parallel: concurrent sends of two tenants leave in order and all decrypt",
          "[e2e][parallel]") {
  ServiceRig rig(sim::SimOptions{}, {{"NETWORK_THREADS", "2"}});
  auto& s = rig.sim();
  const sim::SimContact contact = s.contacts().front();
  const std::vector<std::string> tenants = {"left", "right"};
  std::map<std::string, std::string> sender_of;  // tenant -> its device JID, as the sim names it
  for (const auto& t : tenants) sender_of[t] = rig.pair_tenant(t)["jid"];
  // The first message to the contact builds the sessions (prekey bundles); the burst that
  // follows then runs on established chains.
  for (const auto& t : tenants) {
    HttpResult r = rig.api().post("/send", t, send_body(contact.phone, "warm-up " + t));
    REQUIRE(r.status == 200);
  }

  const uint16_t port = rig.service().port();
  const std::string secret = rig.config().secret;
  std::map<std::string, std::set<std::string>> sent_texts;  // tenant -> texts answered 200
  std::mutex sent_mu;
  std::vector<std::string> failed_answers;
  std::atomic<bool> storm{true};
  std::atomic<int> health_answers{0}, health_failures{0};

  // /health keeps answering while both tenants send.
  std::thread health([&] {
    ServiceApi api(port, secret);
    api.set_keep_alive(true);
    while (storm) {
      HttpResult r = api.get("/health", std::nullopt);
      (r.status == 200 ? health_answers : health_failures)++;
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
  });
  std::vector<std::thread> clients;
  for (const auto& t : tenants) {
    for (int c = 0; c < kClientsPerTenant; ++c) {
      clients.emplace_back([&, t, c] {
        ServiceApi api(port, secret);
        api.set_keep_alive(true);
        for (int i = 0; i < kSendsPerClient; ++i) {
          const std::string text = t + " client " + std::to_string(c) + " message " + std::to_string(i);
          HttpResult r = api.post("/send", t, send_body(contact.phone, text));
          std::lock_guard<std::mutex> lk(sent_mu);
          if (r.status != 200) {
            failed_answers.push_back(r.raw);  // Catch is not thread-safe: reported after the join
            continue;
          }
          sent_texts[t].insert(text);
        }
      });
    }
  }
  for (auto& th : clients) th.join();
  storm = false;
  health.join();
  for (const auto& raw : failed_answers) UNSCOPED_INFO(raw);
  CHECK(failed_answers.empty());
  CHECK(health_failures == 0);
  CHECK(health_answers > 0);

  // Every contact device and our phone got every message of each tenant once, decrypted it,
  // and saw each sending chain's counter rise with every copy: the stanzas left in the order
  // their ratchet steps were taken.
  const auto received = s.received_messages();
  for (const auto& t : tenants) {
    // The contact's devices and our phone (the other tenant, a companion of the same account,
    // gets copies too, which the simulator cannot decrypt).
    std::map<std::string, std::vector<const sim::ReceivedMessage*>> by_device;
    for (uint16_t dev : contact.devices) by_device[lid_device_jid(contact.lid_user, dev)];
    by_device[lid_device_jid(s.lid_user(), 0)];
    for (const auto& m : received) {
      auto it = by_device.find(m.device);
      if (m.sender == sender_of[t] && it != by_device.end()) it->second.push_back(&m);
    }
    for (const auto& [device, copies] : by_device) {
      INFO(t << " to " << device);
      std::set<std::string> texts;
      for (size_t i = 0; i < copies.size(); ++i) {
        INFO("copy " << i << " of message " << copies[i]->id);
        CHECK(copies[i]->decrypt_error.empty());
        if (i > 0) CHECK(copies[i]->counter > copies[i - 1]->counter);
        CHECK(texts.insert(copies[i]->text).second);
      }
      for (const auto& text : sent_texts[t]) CHECK(texts.count(text) == 1);
      CHECK(copies.size() == sent_texts[t].size() + 1);  // and the warm-up
    }
  }
  CHECK(sent_texts[tenants[0]].size() == size_t(kClientsPerTenant * kSendsPerClient));
  CHECK(sent_texts[tenants[1]].size() == size_t(kClientsPerTenant * kSendsPerClient));
  CHECK(s.anomalies().empty());
}
