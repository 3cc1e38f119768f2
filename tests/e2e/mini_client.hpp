// A bare-bones WhatsApp Web client for testing the simulator on its own: a websocketpp client
// with the WhatsApp Web origin (§1), the intro header and frames, wa::ClientHandshake (§2) and
// the node codec (§5). Blocking calls with timeouts; for tests only.
#pragma once
#include <chrono>
#include <condition_variable>
#include <deque>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include "util/curve25519.hpp"
#include "wa/binary/node.hpp"
#include "wa/socket/frame.hpp"
#include "wa/socket/noise.hpp"

namespace e2e {

class MiniClient {
 public:
  // Starts connecting at once; origin "" sends no Origin header.
  explicit MiniClient(const std::string& url, const std::string& origin = "https://web.whatsapp.com");
  ~MiniClient();
  MiniClient(const MiniClient&) = delete;
  MiniClient& operator=(const MiniClient&) = delete;

  // 101 once the upgrade succeeded, otherwise the HTTP status of the refusal (0: no answer).
  int wait_open(std::chrono::milliseconds timeout = std::chrono::seconds(5));

  void send_raw(const util::Bytes& ws_message);  // one binary WebSocket message
  std::optional<util::Bytes> next_frame(std::chrono::milliseconds timeout);
  bool wait_closed(std::chrono::milliseconds timeout);

  // Noise XX as the initiator with the given static key, trusting `root`; sends
  // client_payload in ClientFinish. Throws wa::HandshakeError (or std::runtime_error on timeout).
  void handshake(const util::curve::KeyPair& noise_static, const util::curve::Key32& root,
                 const util::Bytes& client_payload);
  void send_node(const wa::Node& node);
  std::optional<wa::Node> next_node(std::chrono::milliseconds timeout = std::chrono::seconds(5));

 private:
  struct Ws;
  std::unique_ptr<Ws> ws_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<util::Bytes> frames_;
  wa::socket::FrameReader reader_{false};
  int open_status_ = -1;  // -1 pending
  bool closed_ = false;
  std::optional<wa::socket::NoiseTransport> transport_;
};

}  // namespace e2e
