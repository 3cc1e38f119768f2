#include "webhook_receiver.hpp"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <algorithm>
#include <cctype>
#include <set>
#include <stdexcept>
#include <httplib.h>

namespace e2e {
namespace {

constexpr char kSecretPrefix[] = "whsec_";

std::string lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

std::string base64(const unsigned char* data, size_t len) {
  std::string out(4 * ((len + 2) / 3) + 1, '\0');
  const int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(&out[0]), data, static_cast<int>(len));
  out.resize(static_cast<size_t>(n));
  return out;
}

// Standard alphabet with '=' padding; false for anything else.
bool unbase64(const std::string& text, std::string* out) {
  if (text.empty() || text.size() % 4 != 0) return false;
  for (size_t i = 0; i < text.size(); ++i) {
    const unsigned char c = static_cast<unsigned char>(text[i]);
    const bool pad_ok = c == '=' && i >= text.size() - 2 &&
                        (i == text.size() - 1 || text[text.size() - 1] == '=');
    if (!(std::isalnum(c) || c == '+' || c == '/' || pad_ok)) return false;
  }
  std::string buf(text.size() / 4 * 3, '\0');
  const int n = EVP_DecodeBlock(reinterpret_cast<unsigned char*>(&buf[0]),
                                reinterpret_cast<const unsigned char*>(text.data()),
                                static_cast<int>(text.size()));
  if (n < 0) return false;
  // EVP_DecodeBlock counts the padding as zero bytes.
  size_t len = static_cast<size_t>(n);
  if (text[text.size() - 1] == '=') --len;
  if (text[text.size() - 2] == '=') --len;
  buf.resize(len);
  *out = std::move(buf);
  return true;
}

bool key_of(const std::string& secret, std::string* key) {
  if (secret.compare(0, sizeof(kSecretPrefix) - 1, kSecretPrefix) != 0) return false;
  return unbase64(secret.substr(sizeof(kSecretPrefix) - 1), key) && !key->empty();
}

std::string signature_for(const std::string& key, const std::string& id, const std::string& timestamp,
                          const std::string& body) {
  const std::string content = id + "." + timestamp + "." + body;
  unsigned char mac[EVP_MAX_MD_SIZE];
  unsigned int mac_len = 0;
  if (!HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
            reinterpret_cast<const unsigned char*>(content.data()), content.size(), mac, &mac_len))
    throw std::runtime_error("HMAC-SHA256 failed");
  return "v1," + base64(mac, mac_len);
}

bool all_digits(const std::string& s) {
  return !s.empty() && s.size() <= 18 &&
         std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

}  // namespace

std::string WebhookArrival::type() const {
  if (!json.is_object() || !json.contains("type") || !json["type"].is_string()) return "";
  return json["type"].get<std::string>();
}

WebhookVerdict WebhookReceiver::verify(const std::string& secret, const std::string& id,
                                       const std::string& timestamp,
                                       const std::string& signature_header, const std::string& body,
                                       int64_t now_s) {
  std::string key;
  if (!key_of(secret, &key)) return {false, "the secret is not whsec_ + base64"};
  if (id.empty()) return {false, "no webhook-id"};
  if (timestamp.empty()) return {false, "no webhook-timestamp"};
  if (signature_header.empty()) return {false, "no webhook-signature"};
  if (!all_digits(timestamp)) return {false, "webhook-timestamp is not unix seconds"};
  const int64_t ts = std::stoll(timestamp);
  if (ts < now_s - kToleranceSeconds) return {false, "webhook-timestamp is more than 5 minutes old"};
  if (ts > now_s + kToleranceSeconds)
    return {false, "webhook-timestamp is more than 5 minutes in the future"};
  const std::string expected = signature_for(key, id, timestamp, body);
  bool any_v1 = false;
  size_t start = 0;
  while (start <= signature_header.size()) {
    size_t end = signature_header.find(' ', start);
    if (end == std::string::npos) end = signature_header.size();
    const std::string entry = signature_header.substr(start, end - start);
    if (entry.compare(0, 3, "v1,") == 0) {
      any_v1 = true;
      if (entry.size() == expected.size() &&
          CRYPTO_memcmp(entry.data(), expected.data(), expected.size()) == 0)
        return {true, ""};
    }
    start = end + 1;
  }
  return {false, any_v1 ? "no v1 signature matches" : "webhook-signature holds no v1 signature"};
}

std::string WebhookReceiver::sign(const std::string& secret, const std::string& id,
                                  const std::string& timestamp, const std::string& body) {
  std::string key;
  if (!key_of(secret, &key)) return "";
  return signature_for(key, id, timestamp, body);
}

WebhookReceiver::WebhookReceiver(std::string secret)
    : secret_(std::move(secret)), server_(std::make_unique<httplib::Server>()) {
  // Enough workers that deliveries held by hang_for() do not queue the ones behind them.
  server_->new_task_queue = [] { return new httplib::ThreadPool(16); };
  server_->Post(R"(/.*)", [this](const httplib::Request& req, httplib::Response& res) {
    WebhookArrival a;
    a.at = std::chrono::system_clock::now();
    a.at_steady = std::chrono::steady_clock::now();
    a.path = req.path;
    for (const auto& [name, value] : req.headers) a.headers[lower(name)] = value;
    a.body = req.body;
    a.json = nlohmann::json::parse(req.body, nullptr, false);
    a.id = req.get_header_value("webhook-id");
    a.timestamp = req.get_header_value("webhook-timestamp");
    a.signature = req.get_header_value("webhook-signature");
    const int64_t now_s =
        std::chrono::duration_cast<std::chrono::seconds>(a.at.time_since_epoch()).count();
    const WebhookVerdict v = verify(secret_, a.id, a.timestamp, a.signature, a.body, now_s);
    a.verified = v.ok;
    a.why_not = v.why;

    std::unique_lock<std::mutex> l(mu_);
    const int status = status_;
    const auto hang = hang_;
    a.answered = status;
    arrivals_.push_back(std::move(a));
    cv_.notify_all();
    if (hang.count() > 0) cv_.wait_for(l, hang, [this] { return stopping_; });
    l.unlock();
    res.status = status;
  });
  const int port = server_->bind_to_any_port("127.0.0.1");
  if (port <= 0) throw std::runtime_error("webhook receiver: cannot bind 127.0.0.1");
  port_ = static_cast<uint16_t>(port);
  thread_ = std::thread([this] { server_->listen_after_bind(); });
  // httplib's stop() does nothing until the server runs.
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  while (!server_->is_running() && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
}

WebhookReceiver::~WebhookReceiver() {
  {
    std::lock_guard<std::mutex> l(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  server_->stop();
  if (thread_.joinable()) thread_.join();
}

std::string WebhookReceiver::url(const std::string& path) const {
  return "http://127.0.0.1:" + std::to_string(port_) + path;
}

void WebhookReceiver::answer_with(int status) {
  std::lock_guard<std::mutex> l(mu_);
  status_ = status;
}

void WebhookReceiver::hang_for(std::chrono::milliseconds delay) {
  std::lock_guard<std::mutex> l(mu_);
  hang_ = delay;
}

std::vector<WebhookArrival> WebhookReceiver::arrivals() const {
  std::lock_guard<std::mutex> l(mu_);
  return arrivals_;
}

size_t WebhookReceiver::count() const {
  std::lock_guard<std::mutex> l(mu_);
  return arrivals_.size();
}

bool WebhookReceiver::wait_until(const std::function<bool(const std::vector<WebhookArrival>&)>& pred,
                                 std::chrono::milliseconds timeout) const {
  std::unique_lock<std::mutex> l(mu_);
  return cv_.wait_for(l, timeout, [&] { return pred(arrivals_); });
}

bool WebhookReceiver::wait_for_count(size_t n, std::chrono::milliseconds timeout) const {
  return wait_until([n](const std::vector<WebhookArrival>& a) { return a.size() >= n; }, timeout);
}

std::vector<WebhookArrival> WebhookReceiver::events() const {
  std::lock_guard<std::mutex> l(mu_);
  std::vector<WebhookArrival> out;
  std::set<std::string> seen;
  for (const WebhookArrival& a : arrivals_)
    if (seen.insert(a.id).second) out.push_back(a);
  return out;
}

size_t WebhookReceiver::attempts(const std::string& id) const {
  std::lock_guard<std::mutex> l(mu_);
  return static_cast<size_t>(std::count_if(arrivals_.begin(), arrivals_.end(),
                                           [&id](const WebhookArrival& a) { return a.id == id; }));
}

void WebhookReceiver::clear() {
  std::lock_guard<std::mutex> l(mu_);
  arrivals_.clear();
}

}  // namespace e2e
