// HttpServer on its own, with small handlers: deadlines, pipelining, answers from other
// threads, a dropped Respond, the connection limit and stop() with a request in flight.
#include <catch2/catch.hpp>

#include <atomic>
#include <chrono>
#include <thread>

#include "http/http_server.hpp"
#include "raw_http.hpp"

using namespace std::chrono_literals;
using sidecar::http::HttpServer;
using sidecar::http::Request;
using sidecar::http::Response;
using sidecar::http::ServerLimits;
using testing_support::RawConnection;

namespace {

Response plain(int status, std::string body) {
  Response r;
  r.status = status;
  r.body = std::move(body);
  r.set("Content-Type", "text/plain");
  return r;
}

// Echoes "METHOD path body" and the X-Echo header; "/later" answers from another thread after
// 300 ms, "/drop" never calls Respond.
struct EchoServer {
  explicit EchoServer(ServerLimits limits = fast_limits())
      : server("127.0.0.1", 0, limits,
               {[](const Request&) { return size_t{64}; },
                [this](Request req, HttpServer::Respond respond) {
                  ++served;
                  std::string text = req.method + " " + req.path + " " + req.body;
                  for (const auto& v : req.values("X-Echo")) text += " [" + v + "]";
                  if (req.body_too_large) text += " too_large";
                  if (req.path == "/drop") return;
                  if (req.path == "/later") {
                    std::thread([respond, text] {
                      std::this_thread::sleep_for(300ms);
                      respond(plain(200, text));
                    }).detach();
                    return;
                  }
                  respond(plain(200, text));
                },
                [](int status) { return plain(status, "error " + std::to_string(status)); }}) {
    port = server.start();
  }
  static ServerLimits fast_limits() {
    ServerLimits l;
    l.header_timeout = 500ms;
    l.body_timeout = 500ms;
    l.idle_timeout = 1000ms;
    l.max_connections = 4;
    return l;
  }
  std::atomic<int> served{0};
  HttpServer server;
  int port = 0;
};

std::string get(const std::string& path, const std::string& extra = "") {
  return "GET " + path + " HTTP/1.1\r\nHost: x\r\n" + extra + "\r\n";
}

}  // namespace

TEST_CASE("http server: answers, HEAD, header values as sent", "[http][server]") {
  EchoServer s;
  const auto rs = testing_support::raw_exchange(
      s.port, {get("/a", "X-Echo: %41 b \r\n"),
               "POST /c HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\nConnection: close\r\n\r\nxyz"});
  REQUIRE(rs.size() == 2);
  CHECK(rs[0].body == "GET /a  [%41 b]");  // optional whitespace trimmed, nothing decoded
  CHECK(rs[1].body == "POST /c xyz");
  CHECK(rs[1].header("connection") == "close");

  // HEAD: the length of what GET would send, and no body (the raw bytes end at the header).
  RawConnection head(s.port);
  head.send("HEAD /b HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
  REQUIRE(head.wait_closed(1000ms));
  const std::string raw = head.received();
  CHECK(raw.rfind("HTTP/1.1 200 OK\r\n", 0) == 0);
  CHECK(raw.find("Content-Length: " + std::to_string(std::string("HEAD /b ").size()) + "\r\n") !=
        std::string::npos);
  CHECK(raw.size() == raw.find("\r\n\r\n") + 4);
}

TEST_CASE("http server: pipelined requests answered in order, even when one answers later",
          "[http][server]") {
  EchoServer s;
  const auto rs = testing_support::raw_exchange(
      s.port, {get("/later"), get("/b"), get("/c", "Connection: close\r\n")}, true);
  REQUIRE(rs.size() == 3);
  CHECK(rs[0].body == "GET /later ");
  CHECK(rs[1].body == "GET /b ");
  CHECK(rs[2].body == "GET /c ");
}

TEST_CASE("http server: bodies over the limit", "[http][server]") {
  EchoServer s;
  SECTION("a little over: drained, 413 decided by the handler, connection reusable") {
    const auto rs = testing_support::raw_exchange(
        s.port, {"POST /p HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n" +
                     std::string(100, 'b'),
                 get("/next", "Connection: close\r\n")});
    REQUIRE(rs.size() == 2);
    CHECK(rs[0].body == "POST /p  too_large");
    CHECK(rs[1].body == "GET /next ");
  }
  SECTION("far over: not read, the connection closes after the answer") {
    RawConnection c(s.port);
    c.send("POST /p HTTP/1.1\r\nHost: x\r\nContent-Length: 10000000\r\n\r\n");
    const auto rs = c.responses(1, 1000ms);
    REQUIRE(rs.size() == 1);
    CHECK(rs[0].body == "POST /p  too_large");
    CHECK(rs[0].header("connection") == "close");
    CHECK(c.wait_closed(2000ms));
  }
  SECTION("chunked, within the limit") {
    const auto rs = testing_support::raw_exchange(
        s.port, {"POST /p HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n"
                 "Connection: close\r\n\r\n2\r\nab\r\n1\r\nc\r\n0\r\n\r\n"});
    REQUIRE(rs.size() == 1);
    CHECK(rs[0].body == "POST /p abc");
  }
  SECTION("Expect: 100-continue gets the interim answer before the body is sent") {
    RawConnection c(s.port);
    c.send("POST /p HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\nExpect: 100-continue\r\n\r\n");
    c.responses(1, 1000ms);
    CHECK(c.received().rfind("HTTP/1.1 100 Continue\r\n\r\n", 0) == 0);
    c.send("ok");
    c.responses(2, 1000ms);
    CHECK(c.received().find("POST /p ok") != std::string::npos);
  }
}

TEST_CASE("http server: deadlines", "[http][server]") {
  EchoServer s;
  SECTION("a header that never ends: 408, closed") {
    RawConnection c(s.port);
    c.send("GET /slow HTTP/1.1\r\nHost: x\r\n");
    const auto started = std::chrono::steady_clock::now();
    CHECK(c.wait_closed(2000ms));
    CHECK(std::chrono::steady_clock::now() - started < 1500ms);
    const auto rs = c.responses(1, 0ms);
    REQUIRE(rs.size() == 1);
    CHECK(rs[0].status == 408);
  }
  SECTION("an idle connection closes silently") {
    RawConnection c(s.port);
    CHECK(c.wait_closed(2500ms));
    CHECK(c.received().empty());
  }
  CHECK(s.served == 0);
}

TEST_CASE("http server: a dropped Respond is answered 500", "[http][server]") {
  EchoServer s;
  const auto rs = testing_support::raw_exchange(s.port, {get("/drop"), get("/after")});
  REQUIRE(rs.size() == 2);
  CHECK(rs[0].status == 500);
  CHECK(rs[1].body == "GET /after ");
}

TEST_CASE("http server: the connection limit", "[http][server]") {
  EchoServer s;  // max_connections = 4
  std::vector<std::unique_ptr<RawConnection>> held;
  for (int i = 0; i < 4; ++i) {
    held.push_back(std::make_unique<RawConnection>(s.port));
    held.back()->send(get("/hold"));
    REQUIRE(held.back()->responses(1, 1000ms).size() == 1);
  }
  RawConnection over(s.port);
  const auto rs = over.responses(1, 1000ms);
  REQUIRE(rs.size() == 1);
  CHECK(rs[0].status == 503);
  CHECK(over.wait_closed(1500ms));
  // The held connections are still served.
  REQUIRE(held.front()->send(get("/again")));
  const auto again = held.front()->responses(2, 1000ms);
  REQUIRE(again.size() == 2);
  CHECK(again[1].body == "GET /again ");
}

TEST_CASE("http server: stop answers the request in flight, then closes", "[http][server]") {
  EchoServer s;
  RawConnection busy(s.port);
  RawConnection idle(s.port);
  busy.send(get("/later"));
  std::this_thread::sleep_for(100ms);  // the request is with the handler
  const auto started = std::chrono::steady_clock::now();
  s.server.stop();
  CHECK(std::chrono::steady_clock::now() - started < 2000ms);
  const auto rs = busy.responses(1, 1000ms);
  REQUIRE(rs.size() == 1);
  CHECK(rs[0].body == "GET /later ");
  CHECK(rs[0].header("connection") == "close");
  CHECK(idle.wait_closed(1000ms));
  CHECK(s.server.open_connections() == 0);
}
