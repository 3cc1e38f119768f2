#include "http/events_route.hpp"

#include <charconv>
#include <map>

namespace sidecar::http {
namespace {

constexpr size_t kEventIdLength = 26;

ApiError invalid_query(const std::string& message) { return {400, "invalid_query", message}; }

bool is_event_id(const std::string& s) {
  if (s.size() != kEventIdLength) return false;
  for (char c : s) {
    // Crockford base32 as the ids are written: digits and upper-case letters without I L O U.
    const bool digit = c >= '0' && c <= '9';
    const bool letter = c >= 'A' && c <= 'Z' && c != 'I' && c != 'L' && c != 'O' && c != 'U';
    if (!digit && !letter) return false;
  }
  return true;
}

}  // namespace

std::variant<EventQuery, ApiError> parse_event_query(const std::string& target) {
  EventQuery q;
  const size_t mark = target.find('?');
  if (mark == std::string::npos) return q;
  std::map<std::string, std::string> params;
  const std::string query = target.substr(mark + 1);
  size_t start = 0;
  while (start <= query.size()) {
    size_t end = query.find('&', start);
    if (end == std::string::npos) end = query.size();
    const std::string pair = query.substr(start, end - start);
    start = end + 1;
    if (pair.empty()) continue;
    const size_t eq = pair.find('=');
    const std::string name = pair.substr(0, eq);
    const std::string value = eq == std::string::npos ? "" : pair.substr(eq + 1);
    if (name != "after" && name != "limit") continue;
    // Values are ids and numbers, which need no percent-encoding; anything encoded is refused
    // by the checks below rather than decoded.
    if (!params.emplace(name, value).second) return invalid_query("'" + name + "' is given twice.");
  }
  if (auto it = params.find("after"); it != params.end()) {
    if (!is_event_id(it->second)) {
      return invalid_query("'after' must be an event id (26 characters, as in the events' id).");
    }
    q.after = it->second;
  }
  if (auto it = params.find("limit"); it != params.end()) {
    const std::string& v = it->second;
    size_t n = 0;
    auto [end, ec] = std::from_chars(v.data(), v.data() + v.size(), n);
    if (v.empty() || ec != std::errc() || end != v.data() + v.size() || n < 1 || n > kMaxEventPage) {
      return invalid_query("'limit' must be an integer from 1 to " + std::to_string(kMaxEventPage) +
                           ".");
    }
    q.limit = n;
  }
  return q;
}

nlohmann::json event_page_json(const EventPage& page) {
  return nlohmann::json{{"events", page.events},
                        {"next", page.next ? nlohmann::json(*page.next) : nlohmann::json(nullptr)}};
}

std::variant<WebhookUrlChange, ApiError> parse_webhook_url_field(const nlohmann::json& body) {
  WebhookUrlChange change;
  auto it = body.find("webhookUrl");
  if (it == body.end()) return change;
  change.present = true;
  if (it->is_null()) return change;
  if (!it->is_string() || it->get_ref<const std::string&>().empty()) {
    return ApiError{400, "invalid_webhook_url", "'webhookUrl' must be an http(s) URL or null."};
  }
  change.url = it->get<std::string>();
  return change;
}

}  // namespace sidecar::http
