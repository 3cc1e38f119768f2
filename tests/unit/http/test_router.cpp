// The Router over real sockets: a fake SessionService, httplib::Client for well-formed
// requests and a raw socket for what httplib::Client cannot send (NUL bytes, chunked bodies,
// pipelining, malformed request lines).
#include <catch2/catch.hpp>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <sstream>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include <httplib.h>
#include <nlohmann/json.hpp>

#include "http/router.hpp"
#include "raw_http.hpp"
#include "util/log.hpp"
#include "fake_events.hpp"

using nlohmann::json;
using sidecar::Config;
using sidecar::SessionService;
using sidecar::SessionView;

namespace {

constexpr const char* kSecret = "correct-horse-battery-staple-42";
constexpr const char* kJsonType = "application/json; charset=utf-8";
constexpr size_t kMaxBody = 1024;
constexpr int64_t kQrExpiry = 1700000000123;  // 2023-11-14T22:13:20.123Z (GNU date)
constexpr const char* kQrExpiryIso = "2023-11-14T22:13:20.123Z";

class FakeSessions : public SessionService {
 public:
  CreateResult create_session(const std::string& tenant) override {
    ++create_calls;
    if (tenant == "boom") throw std::runtime_error("sqlite: disk I/O error at /var/lib/secret.db");
    std::lock_guard<std::mutex> lock(mu_);
    auto it = sessions_.find(tenant);
    if (it != sessions_.end()) return {false, it->second};
    SessionView v;
    v.tenant_id = tenant;
    v.status = sidecar::kStatusQrReady;
    v.qr = "2@ref,noisepub,identitypub,advsecret";
    v.qr_image = "data:image/png;base64,iVBORw0KGgo=";
    v.qr_expires_at_ms = kQrExpiry;
    v.qr_sequence = 1;
    v.since_ms = 1700000000000;
    sessions_[tenant] = v;
    return {true, v};
  }
  std::optional<SessionView> status(const std::string& tenant) override {
    ++status_calls;
    if (tenant == "boom") throw std::runtime_error("internal state /var/lib/secret.db");
    std::lock_guard<std::mutex> lock(mu_);
    auto it = sessions_.find(tenant);
    if (it == sessions_.end()) return std::nullopt;
    return it->second;
  }
  sidecar::HealthView health() override {
    sidecar::HealthView h;
    h.total = 3;
    h.connected = 1;
    h.uptime_seconds = 42;
    h.version = "0.1.0-test";
    return h;
  }
  void send_text(const std::string& tenant, const std::string& to, const std::string& message,
                 SendDone done) override {
    ++send_calls;
    sidecar::SendOutcome outcome;
    {
      std::lock_guard<std::mutex> lock(mu_);
      last_to = to;
      last_message = message;
      outcome = next_send;
    }
    done(outcome);
  }
  sidecar::DeleteOutcome delete_session(const std::string& tenant) override {
    ++delete_calls;
    if (tenant == "boom") throw std::runtime_error("cannot remove /var/lib/secret/boom");
    if (tenant == "refusing") {
      return {sidecar::DeleteOutcome::Kind::failed, "WhatsApp refused the logout request (code 500)."};
    }
    std::lock_guard<std::mutex> lock(mu_);
    if (sessions_.erase(tenant) == 0) {
      return {sidecar::DeleteOutcome::Kind::not_found, "No session exists for this tenant."};
    }
    return {sidecar::DeleteOutcome::Kind::deleted, "Logged out."};
  }
  void put(const SessionView& v) {
    std::lock_guard<std::mutex> lock(mu_);
    sessions_[v.tenant_id] = v;
  }

  std::atomic<int> create_calls{0};
  std::atomic<int> status_calls{0};
  std::atomic<int> send_calls{0};
  std::atomic<int> delete_calls{0};
  sidecar::SendOutcome next_send;
  std::string last_to, last_message;

 private:
  std::mutex mu_;
  std::map<std::string, SessionView> sessions_;
};

struct TestServer {
  explicit TestServer(size_t max_body = kMaxBody) {
    config.internal_secret = kSecret;
    config.host = "127.0.0.1";
    config.port = 0;
    config.max_body_bytes = max_body;
    config.http_threads = 4;
    router = std::make_unique<sidecar::Router>(config, fake, events);
    port = router->start();
  }
  ~TestServer() { router->stop(); }

  std::unique_ptr<httplib::Client> client() const {
    auto c = std::make_unique<httplib::Client>("127.0.0.1", port);
    c->set_connection_timeout(5, 0);
    c->set_read_timeout(5, 0);
    return c;
  }

  FakeSessions fake;
  FakeEvents events;
  Config config;
  std::unique_ptr<sidecar::Router> router;
  int port = 0;
};

httplib::Headers auth(const std::string& tenant = "") {
  httplib::Headers h{{"X-Internal-Secret", kSecret}};
  if (!tenant.empty()) h.emplace("X-Tenant-Id", tenant);
  return h;
}

httplib::Result call(httplib::Client& c, const std::string& method, const std::string& path,
                     const httplib::Headers& headers, const std::string& body = "",
                     const std::string& content_type = "") {
  if (method == "GET") return c.Get(path.c_str(), headers);
  if (method == "HEAD") return c.Head(path.c_str(), headers);
  if (method == "POST") return c.Post(path.c_str(), headers, body, content_type.c_str());
  if (method == "PUT") return c.Put(path.c_str(), headers, body, content_type.c_str());
  if (method == "DELETE") return c.Delete(path.c_str(), headers);
  if (method == "OPTIONS") return c.Options(path.c_str(), headers);
  throw std::logic_error("unsupported method in test: " + method);
}

// Every response, success or not, is our envelope with the same headers.
json envelope_of(const httplib::Response& r) {
  CHECK(r.get_header_value("Content-Type") == kJsonType);
  CHECK(r.get_header_value("Cache-Control") == "no-store");
  json j = json::parse(r.body, nullptr, false);
  REQUIRE_FALSE(j.is_discarded());
  REQUIRE(j.is_object());
  REQUIRE(j.contains("success"));
  return j;
}

void check_error(const httplib::Result& res, int status, const std::string& code) {
  REQUIRE(res);
  CHECK(res->status == status);
  const json j = envelope_of(*res);
  CHECK(j.at("success") == false);
  CHECK_FALSE(j.contains("data"));
  REQUIRE(j.at("error").is_object());
  CHECK(j.at("error").at("code") == code);
  REQUIRE(j.at("error").at("message").is_string());
  CHECK_FALSE(j.at("error").at("message").get<std::string>().empty());
}

json check_success(const httplib::Result& res, int status) {
  REQUIRE(res);
  CHECK(res->status == status);
  const json j = envelope_of(*res);
  CHECK(j.at("success") == true);
  CHECK_FALSE(j.contains("error"));
  REQUIRE(j.at("data").is_object());
  return j.at("data");
}

std::set<std::string> keys_of(const json& j) {
  std::set<std::string> keys;
  for (auto it = j.begin(); it != j.end(); ++it) keys.insert(it.key());
  return keys;
}

// ---- raw socket helpers (tests/common/raw_http.hpp) ---------------------------------------

using testing_support::RawResponse;

std::vector<RawResponse> raw_exchange(int port, const std::vector<std::string>& requests) {
  return testing_support::raw_exchange(port, requests);
}

std::vector<RawResponse> raw_exchange(int port, const std::string& request) {
  return testing_support::raw_exchange(port, std::vector<std::string>{request});
}

std::string error_code_of(const RawResponse& r) {
  const json j = json::parse(r.body, nullptr, false);
  if (j.is_discarded() || !j.contains("error")) return "<not an error envelope: " + r.body + ">";
  return j.at("error").at("code").get<std::string>();
}

std::string header_of(const RawResponse& r, const std::string& lower_name) {
  return r.header(lower_name);
}

std::string raw_head(const std::string& request_line, const std::string& extra_headers) {
  return request_line + "\r\nHost: 127.0.0.1\r\nX-Internal-Secret: " + kSecret + "\r\n" +
         extra_headers + "\r\n";
}

// The log format may nest fields; look for a key at any depth.
const json* find_key(const json& j, const std::string& key) {
  if (!j.is_object()) return nullptr;
  if (j.contains(key)) return &j.at(key);
  for (const auto& item : j.items()) {
    if (const json* found = find_key(item.value(), key)) return found;
  }
  return nullptr;
}

struct BadCase {
  const char* name;
  const char* method;
  const char* path;
  httplib::Headers headers;
  std::string body;
  std::string content_type;
  int status;
  const char* code;
};

}  // namespace

TEST_CASE("router refuses every bad input with the documented status and code",
          "[http][router]") {
  TestServer server;
  server.fake.create_session("existing");  // so a status call that got through would be a 200
  server.fake.create_calls = 0;
  auto client = server.client();

  const std::string secret = kSecret;
  std::string secret_last_char = secret;
  secret_last_char.back() = static_cast<char>(secret_last_char.back() + 1);
  std::string secret_first_char = secret;
  secret_first_char.front() = 'X';
  const std::string tenant65(65, 't');
  const std::string ok_json = "{}";
  const std::string big_body = "{\"pad\":\"" + std::string(kMaxBody * 2, 'x') + "\"}";
  std::string deep = "{\"a\":";
  for (int i = 0; i < 100; ++i) deep += "[";
  for (int i = 0; i < 100; ++i) deep += "]";
  deep += "}";

  const std::vector<BadCase> cases = {
      // --- secret (checked first, on every path) ---
      {"no secret", "GET", "/status", {{"X-Tenant-Id", "existing"}}, "", "", 401, "unauthorized"},
      {"no secret, POST", "POST", "/session", {{"X-Tenant-Id", "acme"}}, ok_json,
       "application/json", 401, "unauthorized"},
      {"no secret, health", "GET", "/health", {}, "", "", 401, "unauthorized"},
      {"no secret, unknown route", "GET", "/nope", {}, "", "", 401, "unauthorized"},
      {"empty secret", "GET", "/health", {{"X-Internal-Secret", ""}}, "", "", 401,
       "unauthorized"},
      {"wrong secret, same length", "GET", "/health", {{"X-Internal-Secret", secret_first_char}},
       "", "", 401, "unauthorized"},
      {"secret differing in the last char", "GET", "/health",
       {{"X-Internal-Secret", secret_last_char}}, "", "", 401, "unauthorized"},
      {"secret one char short", "GET", "/health",
       {{"X-Internal-Secret", secret.substr(0, secret.size() - 1)}}, "", "", 401, "unauthorized"},
      {"secret with a suffix", "GET", "/health", {{"X-Internal-Secret", secret + "x"}}, "", "",
       401, "unauthorized"},
      {"much shorter secret", "GET", "/health", {{"X-Internal-Secret", "a"}}, "", "", 401,
       "unauthorized"},
      {"secret in another header", "GET", "/health", {{"Authorization", "Bearer " + secret}}, "",
       "", 401, "unauthorized"},
      // Header values are taken as sent: an encoded NUL is three characters, not a NUL.
      {"secret, NUL, suffix", "GET", "/health", {{"X-Internal-Secret", secret + "%00junk"}}, "",
       "", 401, "unauthorized"},
      {"secret sent twice", "GET", "/health",
       {{"X-Internal-Secret", secret}, {"X-Internal-Secret", secret}}, "", "", 401,
       "unauthorized"},
      {"wrong secret and bad tenant", "GET", "/status",
       {{"X-Internal-Secret", "nope"}, {"X-Tenant-Id", "../etc"}}, "", "", 401, "unauthorized"},
      {"wrong secret, body too large", "POST", "/session",
       {{"X-Internal-Secret", "nope"}, {"X-Tenant-Id", "acme"}}, big_body, "application/json",
       401, "unauthorized"},
      // --- tenant ---
      {"no tenant, status", "GET", "/status", auth(), "", "", 400, "missing_tenant_id"},
      {"no tenant, session", "POST", "/session", auth(), ok_json, "application/json", 400,
       "missing_tenant_id"},
      // An empty (or blank, once trimmed) tenant header is a missing tenant.
      {"empty tenant", "GET", "/status", auth(""), "", "", 400, "missing_tenant_id"},
      {"blank tenant", "GET", "/status", {{"X-Internal-Secret", secret}, {"X-Tenant-Id", "   "}},
       "", "", 400, "missing_tenant_id"},
      {"tenant of 65 chars", "GET", "/status", auth(tenant65), "", "", 400, "invalid_tenant_id"},
      {"tenant of 65 chars, session", "POST", "/session", auth(tenant65), ok_json,
       "application/json", 400, "invalid_tenant_id"},
      {"tenant with slash", "GET", "/status", auth("a/b"), "", "", 400, "invalid_tenant_id"},
      {"tenant ..", "POST", "/session", auth(".."), "", "", 400, "invalid_tenant_id"},
      {"tenant with dot", "GET", "/status", auth("a.b"), "", "", 400, "invalid_tenant_id"},
      {"tenant with space", "GET", "/status", auth("a b"), "", "", 400, "invalid_tenant_id"},
      {"tenant with tab", "GET", "/status", auth("a\tb"), "", "", 400, "invalid_tenant_id"},
      {"tenant unicode", "GET", "/status", auth("caf\xc3\xa9"), "", "", 400,
       "invalid_tenant_id"},
      // Never percent-decoded: "%2e%2e" is not "..", and '%' is no tenant-id character.
      {"tenant with NUL (percent-encoded)", "GET", "/status", auth("ab%00cd"), "", "", 400,
       "invalid_tenant_id"},
      {"tenant %2e%2e", "GET", "/status", auth("%2e%2e"), "", "", 400, "invalid_tenant_id"},
      {"tenant %2F", "GET", "/status", auth("a%2Fb"), "", "", 400, "invalid_tenant_id"},
      {"tenant with plus", "GET", "/status", auth("a+b"), "", "", 400, "invalid_tenant_id"},
      {"tenant sent twice", "GET", "/status",
       {{"X-Internal-Secret", secret}, {"X-Tenant-Id", "existing"}, {"X-Tenant-Id", "other"}},
       "", "", 400, "invalid_tenant_id"},
      // --- body ---
      {"truncated JSON", "POST", "/session", auth("acme"), "{", "application/json", 400,
       "invalid_json"},
      {"not JSON", "POST", "/session", auth("acme"), "hello", "application/json", 400,
       "invalid_json"},
      {"JSON array", "POST", "/session", auth("acme"), "[]", "application/json", 400,
       "invalid_json"},
      {"JSON array of object", "POST", "/session", auth("acme"), "[{}]", "application/json", 400,
       "invalid_json"},
      {"JSON string", "POST", "/session", auth("acme"), "\"x\"", "application/json", 400,
       "invalid_json"},
      {"JSON null", "POST", "/session", auth("acme"), "null", "application/json", 400,
       "invalid_json"},
      {"trailing garbage", "POST", "/session", auth("acme"), "{}x", "application/json", 400,
       "invalid_json"},
      {"invalid UTF-8 in string", "POST", "/session", auth("acme"), "{\"a\":\"\xff\"}",
       "application/json", 400, "invalid_json"},
      {"nesting too deep", "POST", "/session", auth("acme"), deep, "application/json", 400,
       "invalid_json"},
      {"text/plain", "POST", "/session", auth("acme"), ok_json, "text/plain", 415,
       "unsupported_media_type"},
      {"application/jsonx", "POST", "/session", auth("acme"), ok_json, "application/jsonx", 415,
       "unsupported_media_type"},
      {"form encoded", "POST", "/session", auth("acme"), "a=1",
       "application/x-www-form-urlencoded", 415, "unsupported_media_type"},
      {"body too large", "POST", "/session", auth("acme"), big_body, "application/json", 413,
       "payload_too_large"},
      // --- routes and methods ---
      {"unknown route", "GET", "/nope", auth("acme"), "", "", 404, "not_found"},
      {"send without message", "POST", "/send", auth("acme"),
       "{\"to\":\"15551234567\",\"text\":\"hi\"}", "application/json", 400, "invalid_message"},
      {"send with empty message", "POST", "/send", auth("acme"),
       "{\"to\":\"15551234567\",\"message\":\"\"}", "application/json", 400, "invalid_message"},
      {"send with numeric message", "POST", "/send", auth("acme"),
       "{\"to\":\"15551234567\",\"message\":5}", "application/json", 400, "invalid_message"},
      {"send without to", "POST", "/send", auth("acme"), "{\"message\":\"hi\"}",
       "application/json", 400, "invalid_recipient"},
      {"send with numeric to", "POST", "/send", auth("acme"),
       "{\"to\":15551234567,\"message\":\"hi\"}", "application/json", 400, "invalid_recipient"},
      {"send with array body", "POST", "/send", auth("acme"), "[]", "application/json", 400,
       "invalid_json"},
      {"send without tenant", "POST", "/send", auth(), "{\"to\":\"1\",\"message\":\"hi\"}",
       "application/json", 400, "missing_tenant_id"},
      {"GET /send", "GET", "/send", auth("acme"), "", "", 405, "method_not_allowed"},
      {"root", "GET", "/", auth(), "", "", 404, "not_found"},
      {"trailing slash", "GET", "/status/", auth("existing"), "", "", 404, "not_found"},
      {"case differs", "GET", "/Status", auth("existing"), "", "", 404, "not_found"},
      {"prefix of route", "POST", "/sessions", auth("acme"), ok_json, "application/json", 404,
       "not_found"},
      {"GET /session", "GET", "/session", auth("acme"), "", "", 405, "method_not_allowed"},
      {"PUT /session", "PUT", "/session", auth("acme"), ok_json, "application/json", 405,
       "method_not_allowed"},
      {"DELETE /send", "DELETE", "/send", auth("acme"), "", "", 405, "method_not_allowed"},
      {"DELETE /session without tenant", "DELETE", "/session", auth(), "", "", 400,
       "missing_tenant_id"},
      {"DELETE /session with bad tenant", "DELETE", "/session", auth("../x"), "", "", 400,
       "invalid_tenant_id"},
      {"DELETE /session without secret", "DELETE", "/session", {{"X-Tenant-Id", "existing"}}, "",
       "", 401, "unauthorized"},
      {"POST /status", "POST", "/status", auth("existing"), ok_json, "application/json", 405,
       "method_not_allowed"},
      {"OPTIONS /status", "OPTIONS", "/status", auth("existing"), "", "", 405,
       "method_not_allowed"},
      {"DELETE /health", "DELETE", "/health", auth(), "", "", 405, "method_not_allowed"},
  };

  for (const BadCase& c : cases) {
    DYNAMIC_SECTION(c.name) {
      const auto res = call(*client, c.method, c.path, c.headers, c.body, c.content_type);
      check_error(res, c.status, c.code);
      if (c.status == 405) {
        const std::string path = c.path;
        const std::string allow =
            path == "/session" ? "POST, DELETE" : path == "/send" ? "POST" : "GET, HEAD";
        CHECK(res->get_header_value("Allow") == allow);
      } else {
        CHECK_FALSE(res->has_header("Allow"));
      }
      // A refused request never reaches the session layer.
      CHECK(server.fake.create_calls == 0);
      CHECK(server.fake.send_calls == 0);
      CHECK(server.fake.delete_calls == 0);
    }
  }
}

TEST_CASE("POST /session creates (201) and then finds (200) the session", "[http][router]") {
  TestServer server;
  auto client = server.client();

  const json created = check_success(call(*client, "POST", "/session", auth("acme_Co-1")), 201);
  CHECK(keys_of(created) ==
        std::set<std::string>{"tenantId", "status", "qr", "qrImage", "qrExpiresAt"});
  CHECK(created.at("tenantId") == "acme_Co-1");
  CHECK(created.at("status") == "qr_ready");
  CHECK(created.at("qr") == "2@ref,noisepub,identitypub,advsecret");
  CHECK(created.at("qrImage") == "data:image/png;base64,iVBORw0KGgo=");
  CHECK(created.at("qrExpiresAt") == kQrExpiryIso);

  const json again = check_success(
      call(*client, "POST", "/session", auth("acme_Co-1"), "{}", "application/json"), 200);
  CHECK(again == created);
  CHECK(server.fake.create_calls == 2);

  SECTION("accepted bodies and content types") {
    check_success(call(*client, "POST", "/session", auth("t2"), "{}",
                       "application/json; charset=utf-8"),
                  201);
    check_success(call(*client, "POST", "/session", auth("t3"), " {\"future\":1} ",
                       "APPLICATION/JSON"),
                  201);
    check_success(call(*client, "POST", "/session", auth(std::string(64, 'x'))), 201);
    // A body of exactly max_body_bytes is allowed.
    const std::string exact = "{\"p\":\"" + std::string(kMaxBody - 8, 'y') + "\"}";
    REQUIRE(exact.size() == kMaxBody);
    check_success(call(*client, "POST", "/session", auth("t5"), exact, "application/json"), 201);
  }
  SECTION("absent QR fields are null") {
    SessionView v;
    v.tenant_id = "paired";
    v.status = sidecar::kStatusConnected;
    v.connected = true;
    server.fake.put(v);
    const json d = check_success(call(*client, "POST", "/session", auth("paired")), 200);
    CHECK(d.at("status") == "connected");
    CHECK(d.at("qr").is_null());
    CHECK(d.at("qrImage").is_null());
    CHECK(d.at("qrExpiresAt").is_null());
  }
}

TEST_CASE("a failing create_session is a generic 500", "[http][router]") {
  TestServer server;
  auto client = server.client();
  const auto res = call(*client, "POST", "/session", auth("boom"), "{}", "application/json");
  check_error(res, 500, "internal_error");
  CHECK(res->body.find("sqlite") == std::string::npos);
  CHECK(res->body.find("/var") == std::string::npos);
  CHECK(server.fake.create_calls == 1);

  check_error(call(*client, "GET", "/status", auth("boom")), 500, "internal_error");
  // The server keeps serving after an exception.
  check_success(call(*client, "GET", "/health", auth()), 200);
}

TEST_CASE("GET /status reports every key, null where absent", "[http][router]") {
  TestServer server;
  auto client = server.client();
  const std::set<std::string> all_keys = {
      "tenantId",     "status", "connected",  "phoneNumber",    "jid",       "qr",
      "qrImage",      "qrExpiresAt", "qrSequence", "since",     "lastActivityAt",
      "lastError",    "reconnectAttempts"};

  SECTION("a fresh session") {
    SessionView v;
    v.tenant_id = "fresh";
    v.status = sidecar::kStatusInitializing;
    server.fake.put(v);
    const json d = check_success(call(*client, "GET", "/status", auth("fresh")), 200);
    CHECK(keys_of(d) == all_keys);
    CHECK(d.at("tenantId") == "fresh");
    CHECK(d.at("status") == "initializing");
    CHECK(d.at("connected") == false);
    for (const char* k : {"phoneNumber", "jid", "qr", "qrImage", "qrExpiresAt", "since",
                          "lastActivityAt", "lastError"}) {
      INFO(k);
      CHECK(d.at(k).is_null());
    }
    CHECK(d.at("qrSequence") == 0);
    CHECK(d.at("reconnectAttempts") == 0);
  }
  SECTION("a connected session with a past error") {
    SessionView v;
    v.tenant_id = "full";
    v.status = sidecar::kStatusConnected;
    v.connected = true;
    v.phone_number = "15551234567";
    v.jid = "15551234567:12@s.whatsapp.net";
    v.qr_sequence = 3;
    v.since_ms = 951782400000;             // 2000-02-29T00:00:00.000Z
    v.last_activity_ms = 1700000000123;    // 2023-11-14T22:13:20.123Z
    v.last_error = sidecar::ErrorInfo{"stream_error", "The server closed the stream.",
                                      951868799999};  // 2000-02-29T23:59:59.999Z
    v.reconnect_attempts = 2;
    server.fake.put(v);
    const json d = check_success(call(*client, "GET", "/status", auth("full")), 200);
    CHECK(keys_of(d) == all_keys);
    CHECK(d.at("connected") == true);
    CHECK(d.at("phoneNumber") == "15551234567");
    CHECK(d.at("jid") == "15551234567:12@s.whatsapp.net");
    CHECK(d.at("qr").is_null());
    CHECK(d.at("qrSequence") == 3);
    CHECK(d.at("since") == "2000-02-29T00:00:00.000Z");
    CHECK(d.at("lastActivityAt") == "2023-11-14T22:13:20.123Z");
    CHECK(d.at("lastError") == json{{"code", "stream_error"},
                                    {"message", "The server closed the stream."},
                                    {"at", "2000-02-29T23:59:59.999Z"}});
    CHECK(d.at("reconnectAttempts") == 2);
  }
  SECTION("an unknown tenant") {
    check_error(call(*client, "GET", "/status", auth("nobody")), 404, "session_not_found");
  }
  SECTION("HEAD answers like GET without a body") {
    SessionView v;
    v.tenant_id = "fresh";
    server.fake.put(v);
    const auto res = call(*client, "HEAD", "/status", auth("fresh"));
    REQUIRE(res);
    CHECK(res->status == 200);
    CHECK(res->body.empty());
  }
}

TEST_CASE("GET /health needs the secret but no tenant", "[http][router]") {
  TestServer server;
  auto client = server.client();
  const json d = check_success(call(*client, "GET", "/health", auth()), 200);
  CHECK(d == json{{"status", "ok"},
                  {"sessions", {{"total", 3}, {"connected", 1}}},
                  {"uptimeSeconds", 42},
                  {"version", "0.1.0-test"}});
  // A tenant header, even a malformed one, is ignored here.
  check_success(call(*client, "GET", "/health", auth("../x")), 200);
  CHECK(server.fake.status_calls == 0);
}

TEST_CASE("requests httplib::Client cannot make", "[http][router][raw]") {
  TestServer server;

  SECTION("a raw NUL byte in the tenant id: malformed header syntax, refused before routing") {
    const std::string req =
        raw_head("GET /status HTTP/1.1", std::string("X-Tenant-Id: ab\0cd\r\n", 20) +
                                             "Connection: close\r\n");
    const auto rs = raw_exchange(server.port, req);
    REQUIRE(rs.size() == 1);
    CHECK(rs[0].status == 400);
    CHECK(error_code_of(rs[0]) == "bad_request");  // RFC 9110 §5.5: NUL is no field-value octet
    CHECK(rs[0].header("connection") == "close");
    CHECK(server.fake.status_calls == 0);
  }
  SECTION("a body without Content-Type (httplib::Client always adds one)") {
    const std::string ok = raw_head("POST /session HTTP/1.1",
                                    "X-Tenant-Id: untyped\r\nContent-Length: 2\r\n"
                                    "Connection: close\r\n") +
                           "{}";
    const auto rs = raw_exchange(server.port, ok);
    REQUIRE(rs.size() == 1);
    CHECK(rs[0].status == 201);
    const std::string bad = raw_head("POST /session HTTP/1.1",
                                     "X-Tenant-Id: untyped\r\nContent-Length: 5\r\n"
                                     "Connection: close\r\n") +
                            "hello";
    const auto rs2 = raw_exchange(server.port, bad);
    REQUIRE(rs2.size() == 1);
    CHECK(rs2[0].status == 400);
    CHECK(error_code_of(rs2[0]) == "invalid_json");
  }
  SECTION("a chunked body within the limit") {
    const std::string req = raw_head("POST /session HTTP/1.1",
                                     "X-Tenant-Id: chunky\r\nContent-Type: application/json\r\n"
                                     "Transfer-Encoding: chunked\r\nConnection: close\r\n") +
                            "1\r\n{\r\n1\r\n}\r\n0\r\n\r\n";
    const auto rs = raw_exchange(server.port, req);
    REQUIRE(rs.size() == 1);
    CHECK(rs[0].status == 201);
  }
  SECTION("a chunked body over the limit") {
    std::string chunks;
    for (int i = 0; i < 8; ++i) {
      chunks += "100\r\n" + std::string(256, ' ') + "\r\n";  // 8 x 256 bytes of whitespace
    }
    const std::vector<std::string> reqs = {
        raw_head("POST /session HTTP/1.1",
                 "X-Tenant-Id: chunky\r\nTransfer-Encoding: chunked\r\n") +
            chunks + "0\r\n\r\n",
        raw_head("GET /health HTTP/1.1", "Connection: close\r\n")};
    const auto rs = raw_exchange(server.port, reqs);
    REQUIRE(rs.size() == 2);  // drained, so the next request on the connection is served
    CHECK(rs[0].status == 413);
    CHECK(error_code_of(rs[0]) == "payload_too_large");
    CHECK(header_of(rs[0], "content-type") == kJsonType);
    CHECK(rs[1].status == 200);
    CHECK(server.fake.create_calls == 0);
  }
  SECTION("Content-Length over the limit, then another request on the connection") {
    const std::vector<std::string> reqs = {
        raw_head("POST /session HTTP/1.1",
                 "X-Tenant-Id: big\r\nContent-Type: application/json\r\n"
                 "Content-Length: 4000\r\n") +
            std::string(4000, ' '),
        raw_head("GET /health HTTP/1.1", "Connection: close\r\n")};
    const auto rs = raw_exchange(server.port, reqs);
    REQUIRE(rs.size() == 2);
    CHECK(rs[0].status == 413);
    CHECK(error_code_of(rs[0]) == "payload_too_large");
    CHECK(header_of(rs[0], "cache-control") == "no-store");
    CHECK(rs[1].status == 200);
  }
  SECTION("a refused POST still consumes its body") {
    const std::vector<std::string> reqs = {
        raw_head("POST /session HTTP/1.1", "Content-Length: 2\r\n") + "{}",
        raw_head("GET /health HTTP/1.1", "Connection: close\r\n")};
    const auto rs = raw_exchange(server.port, reqs);
    REQUIRE(rs.size() == 2);
    CHECK(rs[0].status == 400);
    CHECK(error_code_of(rs[0]) == "missing_tenant_id");
    CHECK(rs[1].status == 200);
  }
  SECTION("a POST with neither Content-Length nor Transfer-Encoding has an empty body") {
    // RFC 9112 §6.3: no framing header, no body. Reading until EOF instead would answer
    // nothing, and the GET sent afterwards would be swallowed as body.
    const std::vector<std::string> reqs = {
        raw_head("POST /session HTTP/1.1", "X-Tenant-Id: nolength\r\n"),
        raw_head("GET /health HTTP/1.1", "Connection: close\r\n")};
    const auto rs = raw_exchange(server.port, reqs);
    REQUIRE(rs.size() == 2);
    CHECK(rs[0].status == 201);
    CHECK(rs[1].status == 200);
  }
  SECTION("a GET with a body is answered, and the connection is not reused") {
    // A body on a route that takes none is not worth keeping the connection in sync for.
    const std::string req =
        raw_head("GET /health HTTP/1.1", "Content-Length: 2\r\n") + "{}";
    const auto rs = raw_exchange(server.port, req);
    REQUIRE(rs.size() == 1);
    CHECK(rs[0].status == 200);
    CHECK(header_of(rs[0], "connection") == "close");
  }
  SECTION("an unsupported Transfer-Encoding") {
    const std::string req = raw_head("POST /session HTTP/1.1",
                                     "X-Tenant-Id: te\r\nTransfer-Encoding: gzip\r\n") +
                            "{}";
    const auto rs = raw_exchange(server.port, req);
    REQUIRE(rs.size() >= 1);
    CHECK(rs[0].status == 400);
    CHECK(error_code_of(rs[0]) == "bad_request");
    CHECK(header_of(rs[0], "connection") == "close");
  }
  SECTION("a malformed Content-Length") {
    const std::string req =
        raw_head("POST /session HTTP/1.1", "X-Tenant-Id: cl\r\nContent-Length: 2x\r\n") + "{}";
    const auto rs = raw_exchange(server.port, req);
    REQUIRE(rs.size() >= 1);
    CHECK(rs[0].status == 400);
    CHECK(error_code_of(rs[0]) == "bad_request");
  }
  SECTION("a malformed request line gets our envelope too") {
    const auto rs = raw_exchange(server.port, "NONSENSE\r\n\r\n");
    REQUIRE(rs.size() >= 1);
    CHECK(rs[0].status == 400);
    CHECK(error_code_of(rs[0]) == "bad_request");
    CHECK(header_of(rs[0], "content-type") == kJsonType);
  }
  SECTION("a method no route serves") {
    const std::string req = raw_head("TRACE /status HTTP/1.1", "Connection: close\r\n");
    const auto rs = raw_exchange(server.port, req);
    REQUIRE(rs.size() == 1);
    CHECK(rs[0].status == 405);
    CHECK(error_code_of(rs[0]) == "method_not_allowed");
    CHECK(header_of(rs[0], "allow") == "GET, HEAD");
  }
  SECTION("an over-long URI") {
    const std::string req =
        raw_head("GET /" + std::string(9000, 'a') + " HTTP/1.1", "Connection: close\r\n");
    const auto rs = raw_exchange(server.port, req);
    REQUIRE(rs.size() == 1);
    CHECK(rs[0].status == 414);
    CHECK(error_code_of(rs[0]) == "uri_too_long");
  }
}

TEST_CASE("router start and stop", "[http][router]") {
  TestServer first;
  CHECK(first.port > 0);

  SECTION("a taken port is an error") {
    FakeSessions fake;
    FakeEvents events;
    Config cfg = first.config;
    cfg.port = first.port;
    sidecar::Router second(cfg, fake, events);
    CHECK_THROWS_AS(second.start(), std::runtime_error);
  }
  SECTION("stop closes the port and is idempotent") {
    first.router->stop();
    first.router->stop();
    httplib::Client c("127.0.0.1", first.port);
    c.set_connection_timeout(1, 0);
    const auto res = c.Get("/health", auth());
    CHECK_FALSE(res);
  }
  SECTION("stop right after start") {
    FakeSessions fake;
    FakeEvents events;
    Config cfg = first.config;
    cfg.port = 0;
    sidecar::Router quick(cfg, fake, events);
    CHECK(quick.start() > 0);
    quick.stop();
  }
}

TEST_CASE("concurrent requests on keep-alive connections", "[http][router]") {
  TestServer server;
  std::atomic<int> ok{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&, t] {
      httplib::Client c("127.0.0.1", server.port);
      c.set_keep_alive(true);
      c.set_read_timeout(5, 0);
      const std::string tenant = "tenant" + std::to_string(t);
      for (int i = 0; i < 10; ++i) {
        auto res = i == 0 ? c.Post("/session", auth(tenant), "", "") : c.Get("/status", auth(tenant));
        if (res && res->status == (i == 0 ? 201 : 200)) ++ok;
      }
    });
  }
  for (auto& th : threads) th.join();
  CHECK(ok == 80);
}

TEST_CASE("the access log names method, path, status and tenant, never secrets or bodies",
          "[http][router][log]") {
  TestServer server;
  auto client = server.client();

  // Capture stderr (util::log's sink) in a file while two requests run.
  char path[] = "/tmp/test_http_log_XXXXXX";
  const int fd = ::mkstemp(path);
  REQUIRE(fd >= 0);
  std::fflush(stderr);
  const int saved = ::dup(2);
  ::dup2(fd, 2);
  util::log::set_level(util::log::Level::debug);

  call(*client, "POST", "/session", auth("logged"), "{\"marker\":\"body-marker-123\"}",
       "application/json");
  call(*client, "GET", "/status", auth("nobody"));

  // The logger runs after the response is written: give it a moment.
  std::string text;
  for (int i = 0; i < 200 && text.find("/status") == std::string::npos; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
    std::ifstream in(path);
    text.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  }
  util::log::set_level(util::log::Level::info);
  std::fflush(stderr);
  ::dup2(saved, 2);
  ::close(saved);
  ::close(fd);
  ::unlink(path);

  CHECK(text.find(kSecret) == std::string::npos);
  CHECK(text.find("body-marker-123") == std::string::npos);

  // Find each request's line by tenant (two connections: the order is not guaranteed).
  std::map<std::string, json> by_tenant;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) {
    json j = json::parse(line, nullptr, false);
    if (!j.is_discarded() && j.value("event", "") == "http_request") {
      by_tenant[j.value("tenant", "")] = j;
    }
  }
  REQUIRE(by_tenant.count("logged") == 1);
  REQUIRE(by_tenant.count("nobody") == 1);
  const json* post_status = find_key(by_tenant["logged"], "status");
  REQUIRE(post_status != nullptr);
  CHECK(*post_status == 201);
  const json* post_method = find_key(by_tenant["logged"], "method");
  REQUIRE(post_method != nullptr);
  CHECK(*post_method == "POST");
  const json* post_path = find_key(by_tenant["logged"], "path");
  REQUIRE(post_path != nullptr);
  CHECK(*post_path == "/session");
  CHECK(find_key(by_tenant["logged"], "duration_ms") != nullptr);
  const json* get_status = find_key(by_tenant["nobody"], "status");
  REQUIRE(get_status != nullptr);
  CHECK(*get_status == 404);
}

TEST_CASE("POST /send passes the validated body to the service and maps its outcome",
          "[http][router][send]") {
  TestServer server;
  auto client = server.client();
  server.fake.next_send.kind = sidecar::SendOutcome::Kind::sent;
  server.fake.next_send.message_id = "3EB0CCCCCCCCCCCCCCCCCC";
  server.fake.next_send.to = "5511999999999@s.whatsapp.net";
  server.fake.next_send.timestamp = 1700000000;
  const json sent = check_success(
      call(*client, "POST", "/send", auth("acme"),
           "{\"to\":\"+55 11 99999-9999\",\"message\":\"hi \xF0\x9F\x91\x8B\"}", "application/json"),
      200);
  CHECK(sent.at("messageId") == "3EB0CCCCCCCCCCCCCCCCCC");
  CHECK(sent.at("to") == "5511999999999@s.whatsapp.net");
  CHECK(server.fake.send_calls == 1);
  CHECK(server.fake.last_to == "+55 11 99999-9999");
  CHECK(server.fake.last_message == "hi \xF0\x9F\x91\x8B");

  server.fake.next_send = sidecar::SendOutcome{};
  server.fake.next_send.kind = sidecar::SendOutcome::Kind::not_on_whatsapp;
  check_error(call(*client, "POST", "/send", auth("acme"), "{\"to\":\"1555\",\"message\":\"x\"}",
                   "application/json"),
              422, "not_on_whatsapp");

  server.fake.next_send.kind = sidecar::SendOutcome::Kind::too_many_pending;
  server.fake.next_send.message = "This tenant has 2 messages waiting for WhatsApp already.";
  const auto busy = call(*client, "POST", "/send", auth("acme"),
                         "{\"to\":\"1555\",\"message\":\"x\"}", "application/json");
  check_error(busy, 429, "too_many_pending");
  CHECK(busy->get_header_value("Retry-After") == "1");
}

TEST_CASE("DELETE /session maps the service's outcome", "[http][router][logout]") {
  TestServer server;
  auto client = server.client();
  server.fake.create_session("acme");

  const json deleted = check_success(call(*client, "DELETE", "/session", auth("acme")), 200);
  CHECK(keys_of(deleted) == std::set<std::string>{"tenantId", "status"});
  CHECK(deleted.at("tenantId") == "acme");
  CHECK(deleted.at("status") == "logged_out");
  CHECK(server.fake.delete_calls == 1);

  // Repeating it is safe: the session is gone, so 404 (never a 5xx).
  check_error(call(*client, "DELETE", "/session", auth("acme")), 404, "session_not_found");
  check_error(call(*client, "DELETE", "/session", auth("never-created")), 404, "session_not_found");
  CHECK(server.fake.delete_calls == 3);

  // WhatsApp refused: 502, and the message says nothing was deleted.
  const auto refused = call(*client, "DELETE", "/session", auth("refusing"));
  check_error(refused, 502, "logout_failed");
  const std::string message = json::parse(refused->body).at("error").at("message");
  CHECK(message.find("code 500") != std::string::npos);
  CHECK(message.find("Nothing was deleted") != std::string::npos);

  // A service exception is a generic 500 without its text.
  const auto boom = call(*client, "DELETE", "/session", auth("boom"));
  check_error(boom, 500, "internal_error");
  CHECK(boom->body.find("secret") == std::string::npos);
  CHECK_FALSE(boom->has_header("Allow"));

  // POST still creates on the same path.
  check_success(call(*client, "POST", "/session", auth("acme")), 201);
}

TEST_CASE("GET /events pages the tenant's events and checks its query", "[http][router][events]") {
  TestServer server;
  auto client = server.client();
  const std::vector<std::string> ids = {"01JDQ7Y7T9V1A2B3C4D5E6F7G8", "01JDQ7Y7T9V1A2B3C4D5E6F7G9",
                                        "01JDQ7Y7T9V1A2B3C4D5E6F7GA"};
  for (const auto& id : ids) {
    server.events.stored["acme"].push_back(
        json{{"id", id}, {"type", "message.received"}, {"tenantId", "acme"}, {"data", json::object()}});
  }

  const json all = check_success(call(*client, "GET", "/events", auth("acme")), 200);
  CHECK(keys_of(all) == std::set<std::string>{"events", "next"});
  REQUIRE(all.at("events").size() == 3);
  CHECK(all.at("events")[0].at("id") == ids[0]);
  CHECK(all.at("next").is_null());  // fewer than the default limit: the end
  CHECK(server.events.last_limit == sidecar::kDefaultEventPage);
  CHECK(server.events.last_after.empty());

  const json first = check_success(call(*client, "GET", "/events?limit=2", auth("acme")), 200);
  REQUIRE(first.at("events").size() == 2);
  CHECK(first.at("next") == ids[1]);
  const json rest = check_success(
      call(*client, "GET", "/events?limit=2&after=" + ids[1], auth("acme")), 200);
  REQUIRE(rest.at("events").size() == 1);
  CHECK(rest.at("events")[0].at("id") == ids[2]);
  CHECK(server.events.last_after == ids[1]);

  const json other = check_success(call(*client, "GET", "/events", auth("nobody")), 200);
  CHECK(other.at("events").empty());

  check_error(call(*client, "GET", "/events", auth()), 400, "missing_tenant_id");
  for (const std::string& q : {"limit=0", "limit=501", "limit=abc", "limit=", "limit=1.5",
                               "limit=-1", "after=short", "after=01jdq7y7t9v1a2b3c4d5e6f7g8",
                               "after=01JDQ7Y7T9V1A2B3C4D5E6F7GI", "limit=1&limit=2"}) {
    INFO(q);
    check_error(call(*client, "GET", "/events?" + q, auth("acme")), 400, "invalid_query");
  }
  check_success(call(*client, "GET", "/events?other=1&limit=500", auth("acme")), 200);
  check_error(call(*client, "GET", "/events", auth("boom")), 500, "internal_error");
  check_error(call(*client, "POST", "/events", auth("acme"), "{}", "application/json"), 405,
              "method_not_allowed");
}

TEST_CASE("POST /session sets or clears the tenant's webhook URL", "[http][router][events]") {
  TestServer server;
  auto client = server.client();
  auto post = [&](const std::string& tenant, const json& body) {
    return call(*client, "POST", "/session", auth(tenant), body.dump(), "application/json");
  };

  check_success(post("acme", json{{"webhookUrl", "https://gw.example/hooks/acme"}}), 201);
  REQUIRE(server.events.urls.count("acme"));
  CHECK(server.events.urls["acme"] == std::optional<std::string>("https://gw.example/hooks/acme"));

  check_success(post("acme", json::object()), 200);  // absent: unchanged
  CHECK(server.events.urls["acme"] == std::optional<std::string>("https://gw.example/hooks/acme"));

  check_success(post("acme", json{{"webhookUrl", nullptr}}), 200);  // null: back to the default
  CHECK_FALSE(server.events.urls["acme"].has_value());

  const int creates = server.fake.create_calls;
  check_error(post("acme", json{{"webhookUrl", 42}}), 400, "invalid_webhook_url");
  check_error(post("acme", json{{"webhookUrl", ""}}), 400, "invalid_webhook_url");
  check_error(post("acme", json{{"webhookUrl", "ftp://gw.example/"}}), 400, "invalid_webhook_url");
  server.events.signing = false;
  check_error(post("acme", json{{"webhookUrl", "https://gw.example/"}}), 409,
              "webhooks_not_configured");
  CHECK(server.fake.create_calls == creates);  // a refused body creates nothing
  check_success(post("acme", json{{"webhookUrl", nullptr}}), 200);  // clearing needs no secret
}
