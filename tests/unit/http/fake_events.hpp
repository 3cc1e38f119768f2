// An EventService for router tests: events and URLs in memory, calls recorded.
#pragma once
#include <map>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "manager/event_service.hpp"

struct FakeEvents : sidecar::EventService {
  sidecar::EventPage events(const std::string& tenant, const std::string& after,
                            size_t limit) override {
    std::lock_guard<std::mutex> lk(mu);
    if (tenant == "boom") throw std::runtime_error("sqlite: disk I/O error");
    last_after = after;
    last_limit = limit;
    sidecar::EventPage page;
    for (const auto& e : stored[tenant]) {
      if (e.at("id").get<std::string>() > after && page.events.size() < limit) {
        page.events.push_back(e);
      }
    }
    if (!page.events.empty() && page.events.size() == limit) {
      page.next = page.events.back().at("id").get<std::string>();
    }
    return page;
  }
  bool can_sign() const override { return signing; }
  void set_webhook_url(const std::string& tenant, const std::optional<std::string>& url) override {
    std::lock_guard<std::mutex> lk(mu);
    if (url && url->rfind("http", 0) != 0) throw sidecar::WebhookUrlError("must be an http:// or https:// URL");
    urls[tenant] = url;
  }

  std::mutex mu;
  bool signing = true;
  std::map<std::string, std::vector<nlohmann::json>> stored;
  std::map<std::string, std::optional<std::string>> urls;
  std::string last_after;
  size_t last_limit = 0;
};
