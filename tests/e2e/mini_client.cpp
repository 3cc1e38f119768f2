#include "mini_client.hpp"

#include <ctime>
#include <stdexcept>
#include <websocketpp/client.hpp>
#include <websocketpp/config/asio_no_tls_client.hpp>
#include "wa/binary/codec.hpp"
#include "wa/handshake.hpp"

namespace e2e {

using WsClient = websocketpp::client<websocketpp::config::asio_client>;

struct MiniClient::Ws {
  WsClient client;
  websocketpp::connection_hdl hdl;
  std::thread thread;
};

MiniClient::MiniClient(const std::string& url, const std::string& origin)
    : ws_(std::make_unique<Ws>()) {
  WsClient& c = ws_->client;
  c.clear_access_channels(websocketpp::log::alevel::all);
  c.clear_error_channels(websocketpp::log::elevel::all);
  c.init_asio();
  c.set_open_handler([this](websocketpp::connection_hdl) {
    std::lock_guard<std::mutex> l(mu_);
    open_status_ = 101;
    cv_.notify_all();
  });
  c.set_fail_handler([this](websocketpp::connection_hdl h) {
    auto con = ws_->client.get_con_from_hdl(h);
    std::lock_guard<std::mutex> l(mu_);
    open_status_ = static_cast<int>(con->get_response_code());
    closed_ = true;
    cv_.notify_all();
  });
  c.set_close_handler([this](websocketpp::connection_hdl) {
    std::lock_guard<std::mutex> l(mu_);
    closed_ = true;
    cv_.notify_all();
  });
  c.set_message_handler([this](websocketpp::connection_hdl, WsClient::message_ptr msg) {
    if (msg->get_opcode() != websocketpp::frame::opcode::binary) return;
    const std::string& p = msg->get_payload();
    std::lock_guard<std::mutex> l(mu_);
    reader_.feed(reinterpret_cast<const uint8_t*>(p.data()), p.size());
    while (auto f = reader_.next()) frames_.push_back(std::move(*f));
    cv_.notify_all();
  });
  websocketpp::lib::error_code ec;
  auto con = c.get_connection(url, ec);
  if (ec) throw std::runtime_error("bad WebSocket URL " + url);
  if (!origin.empty()) con->replace_header("Origin", origin);
  ws_->hdl = con->get_handle();
  c.connect(con);
  ws_->thread = std::thread([this] { ws_->client.run(); });
}

MiniClient::~MiniClient() {
  asio::post(ws_->client.get_io_service(), [this] {
    websocketpp::lib::error_code ec;
    ws_->client.close(ws_->hdl, websocketpp::close::status::normal, "", ec);
  });
  wait_closed(std::chrono::seconds(2));
  ws_->client.stop();
  if (ws_->thread.joinable()) ws_->thread.join();
}

int MiniClient::wait_open(std::chrono::milliseconds timeout) {
  std::unique_lock<std::mutex> l(mu_);
  cv_.wait_for(l, timeout, [this] { return open_status_ != -1; });
  return open_status_ == -1 ? 0 : open_status_;
}

void MiniClient::send_raw(const util::Bytes& ws_message) {
  auto copy = std::make_shared<util::Bytes>(ws_message);
  asio::post(ws_->client.get_io_service(), [this, copy] {
    websocketpp::lib::error_code ec;
    ws_->client.send(ws_->hdl, copy->data(), copy->size(), websocketpp::frame::opcode::binary, ec);
  });
}

std::optional<util::Bytes> MiniClient::next_frame(std::chrono::milliseconds timeout) {
  std::unique_lock<std::mutex> l(mu_);
  cv_.wait_for(l, timeout, [this] { return !frames_.empty() || closed_; });
  if (frames_.empty()) return std::nullopt;
  util::Bytes f = std::move(frames_.front());
  frames_.pop_front();
  return f;
}

bool MiniClient::wait_closed(std::chrono::milliseconds timeout) {
  std::unique_lock<std::mutex> l(mu_);
  return cv_.wait_for(l, timeout, [this] { return closed_; });
}

void MiniClient::handshake(const util::curve::KeyPair& noise_static, const util::curve::Key32& root,
                           const util::Bytes& client_payload) {
  wa::ClientHandshake hs(noise_static, root, static_cast<int64_t>(std::time(nullptr)));
  // §1: the intro header goes in front of the first frame, in the same WebSocket message.
  util::Bytes first(std::begin(wa::socket::kIntroHeader), std::end(wa::socket::kIntroHeader));
  util::Bytes hello = wa::socket::encode_frame(hs.client_hello());
  first.insert(first.end(), hello.begin(), hello.end());
  send_raw(first);
  auto server_hello = next_frame(std::chrono::seconds(5));
  if (!server_hello) throw std::runtime_error("no server hello");
  send_raw(wa::socket::encode_frame(hs.client_finish(*server_hello, client_payload)));
  transport_ = hs.transport();
}

void MiniClient::send_node(const wa::Node& node) {
  send_raw(wa::socket::encode_frame(transport_->encrypt(wa::marshal(node))));
}

std::optional<wa::Node> MiniClient::next_node(std::chrono::milliseconds timeout) {
  auto frame = next_frame(timeout);
  if (!frame) return std::nullopt;
  auto plain = transport_->decrypt(*frame);
  if (!plain) throw std::runtime_error("server frame failed to decrypt");
  return wa::unmarshal(*plain);
}

}  // namespace e2e
