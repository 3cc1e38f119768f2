// HttpPoster against a local cpp-httplib server: what is sent, how answers and failures come
// back as values, and that https is verified against the default CA store (a self-signed
// certificate is refused until SSL_CERT_FILE names it, and then only for the host it names).
#include <catch2/catch.hpp>
#include <netinet/in.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <string>

#include "local_server.hpp"
#include "temp_file.hpp"
#include "webhooks/http_poster.hpp"

using namespace std::chrono_literals;
using webhooks::HttpPoster;
using webhooks::PostError;
using webhooks::PostRequest;
using webhooks_test::LocalServer;

namespace {

PostRequest request_to(const std::string& url) {
  PostRequest r;
  r.url = url;
  r.headers = {{"webhook-id", "01HF7YAT00ABCDEFGHJKMNPQRS"}, {"webhook-timestamp", "1700000000"}};
  r.content_type = "application/json";
  r.body = "{\"id\":\"01HF7YAT00ABCDEFGHJKMNPQRS\",\"text\":\"Olá\"}";
  return r;
}

// A port nothing listens on: bound by us, then closed.
int closed_port() {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  REQUIRE(fd >= 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  REQUIRE(bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0);
  socklen_t len = sizeof addr;
  REQUIRE(getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) == 0);
  close(fd);
  return ntohs(addr.sin_port);
}

// A self-signed certificate (EC P-256) naming `san`, with its key, in a temporary directory.
struct SelfSigned {
  std::string dir, cert, key;
  explicit SelfSigned(const std::string& san) {
    char tmpl[] = "/tmp/wa-webhooks-tls-XXXXXX";
    REQUIRE(mkdtemp(tmpl) != nullptr);
    dir = tmpl;
    cert = dir + "/cert.pem";
    key = dir + "/key.pem";
    webhooks_test::run_command(
        "openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 2 "
        "-subj /CN=wa-sidecar-test -addext subjectAltName=" + san + " -keyout " + key +
        " -out " + cert + " 2>/dev/null");
  }
  ~SelfSigned() {
    unlink(cert.c_str());
    unlink(key.c_str());
    rmdir(dir.c_str());
  }
};

// Points OpenSSL's default CA file at `path` for the test's scope.
struct CertFileEnv {
  explicit CertFileEnv(const std::string& path) { setenv("SSL_CERT_FILE", path.c_str(), 1); }
  ~CertFileEnv() { unsetenv("SSL_CERT_FILE"); }
};

}  // namespace

TEST_CASE("http poster: posts the body and headers, a 2xx is delivered", "[webhooks][http]") {
  LocalServer server([](const httplib::Request&, httplib::Response& res) { res.status = 204; });
  HttpPoster poster(5s, "wa-sidecar/test");
  const PostRequest req = request_to(server.url("http", "/in/wa?token=t1"));
  const auto r = poster.post(req);
  CHECK(r.error == PostError::none);
  CHECK(r.status == 204);
  CHECK(r.delivered());
  const auto got = server.received();
  REQUIRE(got.size() == 1);
  CHECK(got[0].method == "POST");
  CHECK(got[0].path == "/in/wa");
  CHECK(got[0].body == req.body);
  CHECK(got[0].header("Content-Type") == "application/json");
  CHECK(got[0].header("webhook-id") == "01HF7YAT00ABCDEFGHJKMNPQRS");
  CHECK(got[0].header("webhook-timestamp") == "1700000000");
  CHECK(got[0].header("User-Agent") == "wa-sidecar/test");
}

TEST_CASE("http poster: non-2xx answers are failures; redirects are not followed",
          "[webhooks][http]") {
  int status = 0;
  LocalServer server([&status](const httplib::Request& req, httplib::Response& res) {
    res.status = status;
    if (status == 301) res.set_header("Location", "/elsewhere");
  });
  HttpPoster poster(5s, "wa-sidecar/test");
  for (int s : {200, 299, 301, 400, 404, 410, 429, 500, 503}) {
    status = s;
    INFO(s);
    const auto r = poster.post(request_to(server.url("http", "/hook")));
    CHECK(r.error == PostError::none);
    CHECK(r.status == s);
    CHECK(r.delivered() == (s >= 200 && s <= 299));
  }
  for (const auto& req : server.received()) CHECK(req.path == "/hook");  // never /elsewhere
}

TEST_CASE("http poster: no answer within the timeout is a timeout", "[webhooks][http]") {
  std::mutex mu;
  std::condition_variable cv;
  bool release = false;
  LocalServer server([&](const httplib::Request&, httplib::Response& res) {
    std::unique_lock<std::mutex> lk(mu);
    cv.wait_for(lk, 10s, [&] { return release; });
    res.status = 200;
  });
  HttpPoster poster(300ms, "wa-sidecar/test");
  const auto start = std::chrono::steady_clock::now();
  const auto r = poster.post(request_to(server.url("http", "/slow")));
  const auto took = std::chrono::steady_clock::now() - start;
  {
    std::lock_guard<std::mutex> lk(mu);
    release = true;
  }
  cv.notify_all();
  CHECK(r.error == PostError::timeout);
  CHECK_FALSE(r.delivered());
  CHECK(took >= 300ms);
  CHECK(took < 5s);
}

TEST_CASE("http poster: refused connections and bad URLs are values", "[webhooks][http]") {
  HttpPoster poster(2s, "wa-sidecar/test");
  const auto refused =
      poster.post(request_to("http://127.0.0.1:" + std::to_string(closed_port()) + "/x"));
  CHECK(refused.error == PostError::connection);
  CHECK_FALSE(refused.detail.empty());
  const auto bad = poster.post(request_to("ftp://127.0.0.1/token-in-path"));
  CHECK(bad.error == PostError::invalid_url);
  CHECK_THAT(bad.detail, !Catch::Contains("token-in-path"));
}

TEST_CASE("http poster: https is verified against the default CA store", "[webhooks][http]") {
  SelfSigned right("IP:127.0.0.1,DNS:localhost");
  SelfSigned wrong("DNS:other.example");
  HttpPoster poster(5s, "wa-sidecar/test");
  {
    LocalServer server([](const httplib::Request&, httplib::Response& res) { res.status = 200; },
                       right.cert, right.key);
    // Not in the system store: refused, nothing posted.
    const auto untrusted = poster.post(request_to(server.url("https", "/hook")));
    CHECK(untrusted.error == PostError::tls);
    CHECK_THAT(untrusted.detail, Catch::Contains("certificate not verified"));
    CHECK(server.received().empty());
    // The same certificate made the default CA file: verified and posted.
    CertFileEnv trust(right.cert);
    const auto trusted = poster.post(request_to(server.url("https", "/hook")));
    CHECK(trusted.error == PostError::none);
    CHECK(trusted.delivered());
    CHECK(server.received().size() == 1);
  }
  {
    LocalServer server([](const httplib::Request&, httplib::Response& res) { res.status = 200; },
                       wrong.cert, wrong.key);
    // Trusted, but issued for another host name.
    CertFileEnv trust(wrong.cert);
    const auto mismatch = poster.post(request_to(server.url("https", "/hook")));
    CHECK(mismatch.error == PostError::tls);
    CHECK_THAT(mismatch.detail, Catch::Contains("does not name the host"));
    CHECK(server.received().empty());
  }
}
