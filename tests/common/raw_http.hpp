// A raw TCP client for HTTP tests: sends bytes exactly as given (pipelined requests, slow
// headers, malformed lines, NUL bytes) and splits what comes back into responses. Used where
// an HTTP client library would not send such requests.
#pragma once
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cctype>
#include <chrono>
#include <map>
#include <optional>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

namespace testing_support {

struct RawResponse {
  int status = 0;
  std::multimap<std::string, std::string> headers;  // names lower-cased
  std::string body;

  std::string header(const std::string& lower_name) const {
    const auto it = headers.find(lower_name);
    return it == headers.end() ? "" : it->second;
  }
};

// Splits a byte stream into complete responses (Content-Length framed, as the service always
// sends); an incomplete tail is left out.
inline std::vector<RawResponse> parse_responses(const std::string& raw) {
  std::vector<RawResponse> out;
  size_t pos = 0;
  while (pos < raw.size()) {
    const size_t head_end = raw.find("\r\n\r\n", pos);
    if (head_end == std::string::npos) break;
    std::istringstream head(raw.substr(pos, head_end - pos));
    RawResponse r;
    std::string line;
    std::getline(head, line);
    if (line.rfind("HTTP/1.", 0) != 0 || line.size() < 12) break;
    r.status = std::stoi(line.substr(9, 3));
    while (std::getline(head, line)) {
      if (!line.empty() && line.back() == '\r') line.pop_back();
      const size_t colon = line.find(':');
      if (colon == std::string::npos) continue;
      std::string name = line.substr(0, colon);
      for (char& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      std::string value = line.substr(colon + 1);
      while (!value.empty() && value.front() == ' ') value.erase(0, 1);
      r.headers.emplace(name, value);
    }
    const auto cl = r.headers.find("content-length");
    const size_t len = cl == r.headers.end() ? 0 : std::stoul(cl->second);
    if (raw.size() < head_end + 4 + len) break;  // incomplete
    r.body = raw.substr(head_end + 4, len);
    pos = head_end + 4 + len;
    out.push_back(std::move(r));
  }
  return out;
}

// One TCP connection to 127.0.0.1:port. Not copyable; closes on destruction.
class RawConnection {
 public:
  explicit RawConnection(int port) {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(static_cast<uint16_t>(port));
    ::inet_pton(AF_INET, "127.0.0.1", &addr.sin_addr);
    if (fd_ >= 0 && ::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
      ::close(fd_);
      fd_ = -1;
    }
    if (fd_ >= 0) {
      int one = 1;
      ::setsockopt(fd_, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    }
  }
  ~RawConnection() { close(); }
  RawConnection(const RawConnection&) = delete;
  RawConnection& operator=(const RawConnection&) = delete;

  bool connected() const { return fd_ >= 0; }

  // Sends all of `bytes`; false when the peer has closed or reset the connection.
  bool send(const std::string& bytes) {
    size_t sent = 0;
    while (fd_ >= 0 && sent < bytes.size()) {
      const ssize_t n = ::send(fd_, bytes.data() + sent, bytes.size() - sent, MSG_NOSIGNAL);
      if (n <= 0) return false;
      sent += static_cast<size_t>(n);
    }
    return fd_ >= 0;
  }

  // Reads until `count` complete responses have arrived in total, the peer closes, or
  // `timeout` passes. Returns every complete response received so far on this connection.
  std::vector<RawResponse> responses(size_t count, std::chrono::milliseconds timeout) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (parse_responses(received_).size() < count && !eof_) {
      if (!read_some(deadline)) break;
    }
    return parse_responses(received_);
  }

  // True when the peer closes (EOF or reset) within `timeout`; data that arrives meanwhile
  // is kept for responses().
  bool wait_closed(std::chrono::milliseconds timeout) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (!eof_) {
      if (!read_some(deadline)) break;
    }
    return eof_;
  }

  const std::string& received() const { return received_; }

  void close() {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
  }

 private:
  // One read, waiting at most until the deadline; false when the deadline passed.
  bool read_some(std::chrono::steady_clock::time_point deadline) {
    if (fd_ < 0) {
      eof_ = true;
      return true;
    }
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) return false;
    pollfd p{fd_, POLLIN, 0};
    const int ready = ::poll(&p, 1, static_cast<int>(left.count()));
    if (ready <= 0) return ready == 0 ? false : (eof_ = true);
    char buf[8192];
    const ssize_t n = ::recv(fd_, buf, sizeof buf, 0);
    if (n <= 0) {
      eof_ = true;
      return true;
    }
    received_.append(buf, static_cast<size_t>(n));
    return true;
  }

  int fd_ = -1;
  bool eof_ = false;
  std::string received_;
};

// Sends each request after the previous response arrived (or all at once, pipelined, when
// `pipelined`); returns the responses read within `timeout`.
inline std::vector<RawResponse> raw_exchange(int port, const std::vector<std::string>& requests,
                                             bool pipelined = false,
                                             std::chrono::milliseconds timeout =
                                                 std::chrono::seconds(5)) {
  RawConnection c(port);
  if (!c.connected()) return {};
  if (pipelined) {
    std::string all;
    for (const std::string& r : requests) all += r;
    c.send(all);
    return c.responses(requests.size(), timeout);
  }
  std::vector<RawResponse> out;
  for (size_t i = 0; i < requests.size(); ++i) {
    if (!c.send(requests[i])) break;
    out = c.responses(i + 1, timeout);
    if (out.size() < i + 1) break;
  }
  return out;
}

}  // namespace testing_support
