// A cpp-httplib server on 127.0.0.1 and a free port, plain or TLS, that records every request
// and answers through a handler the test sets. Runs on its own thread for the test's scope.
#pragma once
#include <catch2/catch.hpp>
#include <httplib.h>

#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace webhooks_test {

struct ReceivedRequest {
  std::string method, path, body;
  httplib::Headers headers;
  std::string header(const std::string& name) const {
    auto it = headers.find(name);  // httplib::Headers compares names case-insensitively
    return it == headers.end() ? "" : it->second;
  }
};

class LocalServer {
 public:
  using Handler = std::function<void(const httplib::Request&, httplib::Response&)>;

  // Plain HTTP; with cert and key paths, TLS.
  explicit LocalServer(Handler handler, const std::string& cert = "", const std::string& key = "")
      : handler_(std::move(handler)) {
    if (cert.empty()) {
      server_ = std::make_unique<httplib::Server>();
    } else {
      server_ = std::make_unique<httplib::SSLServer>(cert.c_str(), key.c_str());
      REQUIRE(server_->is_valid());
    }
    server_->Post(".*", [this](const httplib::Request& req, httplib::Response& res) {
      {
        std::lock_guard<std::mutex> lk(mu_);
        received_.push_back({req.method, req.path, req.body, req.headers});
      }
      handler_(req, res);
    });
    port_ = server_->bind_to_any_port("127.0.0.1");
    REQUIRE(port_ > 0);
    thread_ = std::thread([this] { server_->listen_after_bind(); });
  }
  ~LocalServer() {
    server_->stop();
    thread_.join();
  }
  LocalServer(const LocalServer&) = delete;
  LocalServer& operator=(const LocalServer&) = delete;

  int port() const { return port_; }
  std::string url(const std::string& scheme, const std::string& target) const {
    return scheme + "://127.0.0.1:" + std::to_string(port_) + target;
  }
  std::vector<ReceivedRequest> received() {
    std::lock_guard<std::mutex> lk(mu_);
    return received_;
  }

 private:
  Handler handler_;
  std::unique_ptr<httplib::Server> server_;
  int port_ = 0;
  std::thread thread_;
  std::mutex mu_;
  std::vector<ReceivedRequest> received_;
};

}  // namespace webhooks_test
