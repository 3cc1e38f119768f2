// WebSocket carrier on websocketpp + standalone Asio (PROTOCOL.md §1).
// websocketpp gives us RFC 6455 framing, the HTTP upgrade and TLS through asio::ssl; we add the
// WhatsApp Web Origin header and keep its loggers quiet (our JSON log is the only log).
#include "wa/socket/ws_transport.hpp"

#include <openssl/ssl.h>

#include <asio/ssl/host_name_verification.hpp>
#include <websocketpp/client.hpp>
#include <websocketpp/config/asio_client.hpp>
#include <websocketpp/config/asio_no_tls_client.hpp>

namespace wa::socket {
namespace {

constexpr const char* kOrigin = "https://web.whatsapp.com";  // required by the server (§1)
constexpr size_t kMaxMessageSize = 1u << 24;                  // WM's WS read limit (§1)

// Every websocketpp connection object embeds its read buffer (connection_read_buffer_size,
// 16 KiB by default). Our idle sessions receive a keepalive answer now and then; a message
// larger than the buffer is read in several pieces and assembled by websocketpp, so 4 KiB costs
// a few more reads for the rare large frame and saves 12 KiB per session.
constexpr size_t kReadBufferSize = 4096;

struct PlainConfig : websocketpp::config::asio_client {
  typedef PlainConfig type;
  static const size_t connection_read_buffer_size = kReadBufferSize;
};
struct TlsConfig : websocketpp::config::asio_tls_client {
  typedef TlsConfig type;
  static const size_t connection_read_buffer_size = kReadBufferSize;
};

using PlainClient = websocketpp::client<PlainConfig>;
using TlsClient = websocketpp::client<TlsConfig>;

// Stanzas are small and latency-bound (a send waits for the server's ack): no Nagle delay.
void no_delay(asio::ip::tcp::socket& s) {
  asio::error_code ec;
  s.set_option(asio::ip::tcp::no_delay(true), ec);
}

template <typename Endpoint>
void quiet_init(Endpoint& ep, asio::io_context& io) {
  ep.clear_access_channels(websocketpp::log::alevel::all);
  ep.clear_error_channels(websocketpp::log::elevel::all);
  ep.init_asio(&io);
  ep.set_max_message_size(kMaxMessageSize);
  ep.set_open_handshake_timeout(20000);  // both libraries wait 20 s (§1)
  ep.set_close_handshake_timeout(2000);
}

// One live connection. Keeps the handlers alive until on_close has fired once.
template <typename Endpoint>
class Connection : public WsTransport, public std::enable_shared_from_this<Connection<Endpoint>> {
 public:
  Connection(Endpoint& ep, TransportHandlers h) : ep_(ep), handlers_(std::move(h)) {}

  void start(const std::string& url) {
    websocketpp::lib::error_code ec;
    auto con = ep_.get_connection(url, ec);
    if (ec) {
      fire_close("invalid url: " + ec.message());
      return;
    }
    con->append_header("Origin", kOrigin);
    // whatsmeow also sends these on the upgrade request (§1).
    con->append_header("Cache-Control", "no-cache");
    con->append_header("Pragma", "no-cache");
    std::weak_ptr<Connection> weak = this->shared_from_this();
    con->set_open_handler([weak](websocketpp::connection_hdl) {
      if (auto self = weak.lock()) {
        self->open_ = true;
        if (self->closing_) {
          self->closing_ = false;  // closed while connecting: close it now that it can be
          self->close();
          return;
        }
        if (self->handlers_.on_open) self->handlers_.on_open();
      }
    });
    con->set_message_handler([weak](websocketpp::connection_hdl, typename Endpoint::message_ptr msg) {
      auto self = weak.lock();
      // Text messages carry nothing meaningful; whatsmeow ignores them (§1).
      if (!self || msg->get_opcode() != websocketpp::frame::opcode::binary) return;
      const std::string& p = msg->get_payload();
      if (self->handlers_.on_message)
        self->handlers_.on_message(reinterpret_cast<const uint8_t*>(p.data()), p.size());
    });
    con->set_fail_handler([weak](websocketpp::connection_hdl hdl) {
      if (auto self = weak.lock()) {
        std::string why = "connect failed";
        websocketpp::lib::error_code e2;
        auto c = self->ep_.get_con_from_hdl(hdl, e2);
        if (!e2) {
          why = c->get_ec().message();
          if (c->get_response_code() != websocketpp::http::status_code::uninitialized)
            why += " (HTTP " + std::to_string(static_cast<int>(c->get_response_code())) + ")";
        }
        self->fire_close(why);
      }
    });
    con->set_close_handler([weak](websocketpp::connection_hdl hdl) {
      if (auto self = weak.lock()) {
        std::string why = "closed";
        websocketpp::lib::error_code e2;
        auto c = self->ep_.get_con_from_hdl(hdl, e2);
        if (!e2) why = "closed (" + std::to_string(c->get_remote_close_code()) + ")";
        self->fire_close(why);
      }
    });
    hdl_ = con->get_handle();
    // The handlers hold only weak references; this strong one keeps the object alive until
    // the close has been reported.
    self_ = this->shared_from_this();
    ep_.connect(con);
  }

  void send(const Bytes& data) override {
    if (!open_ || closed_) return;
    websocketpp::lib::error_code ec;
    ep_.send(hdl_, data.data(), data.size(), websocketpp::frame::opcode::binary, ec);
    if (ec) close();
  }

  void close() override {
    if (closed_ || closing_) return;
    closing_ = true;
    websocketpp::lib::error_code ec;
    auto con = ep_.get_con_from_hdl(hdl_, ec);
    if (ec) {
      fire_close("closed");
      return;
    }
    if (con->get_state() == websocketpp::session::state::open) {
      con->close(websocketpp::close::status::normal, "", ec);  // WM closes with 1000 (§1)
      if (!ec) return;  // close handler follows
    }
    if (con->get_state() == websocketpp::session::state::connecting) {
      // Not terminate(): it leaves a pending name resolution or TCP connect running, and once
      // that completes websocketpp sends the upgrade anyway, on a connection it considers
      // closed — a socket the server keeps open and nobody closes. The close waits for the
      // open (then closes it normally) or the failure (open handshake timeout at most).
      return;
    }
    con->terminate(ec);
  }

 private:
  void fire_close(const std::string& why) {
    if (closed_) return;
    closed_ = true;
    open_ = false;
    auto keep = std::move(self_);
    auto on_close = std::move(handlers_.on_close);
    handlers_ = {};
    if (on_close) on_close(why);
  }

  Endpoint& ep_;
  TransportHandlers handlers_;
  websocketpp::connection_hdl hdl_;
  std::shared_ptr<Connection> self_;
  bool open_ = false, closing_ = false, closed_ = false;
};

}  // namespace

struct WsConnector::Impl {
  PlainClient plain;
  TlsClient tls;
};

WsConnector::WsConnector(asio::io_context& io) : impl_(std::make_unique<Impl>()) {
  // websocketpp finds the byte order on the first call of _htonll through an unsynchronised
  // function-local static; calling it here, before any network thread runs, leaves the
  // threads only reads of it.
  (void)websocketpp::lib::net::_htonll(0);
  quiet_init(impl_->plain, io);
  quiet_init(impl_->tls, io);
  impl_->plain.set_socket_init_handler(
      [](websocketpp::connection_hdl, asio::ip::tcp::socket& s) { no_delay(s); });
  impl_->tls.set_socket_init_handler(
      [](websocketpp::connection_hdl, asio::ssl::stream<asio::ip::tcp::socket>& s) {
        no_delay(s.next_layer());
      });
  // wss:// verifies the server certificate against the system CA store and the host name.
  impl_->tls.set_tls_init_handler([this](websocketpp::connection_hdl hdl) {
    auto ctx = std::make_shared<asio::ssl::context>(asio::ssl::context::tls_client);
    ctx->set_options(asio::ssl::context::default_workarounds | asio::ssl::context::no_sslv2 |
                     asio::ssl::context::no_sslv3 | asio::ssl::context::no_tlsv1 |
                     asio::ssl::context::no_tlsv1_1);
    ctx->set_default_verify_paths();
    ctx->set_verify_mode(asio::ssl::verify_peer);
    websocketpp::lib::error_code ec;
    auto con = impl_->tls.get_con_from_hdl(hdl, ec);
    if (!ec) ctx->set_verify_callback(asio::ssl::host_name_verification(con->get_host()));
    return ctx;
  });
}

WsConnector::~WsConnector() = default;

std::shared_ptr<WsTransport> WsConnector::connect(const std::string& url, TransportHandlers handlers) {
  if (url.rfind("wss://", 0) == 0) {
    auto c = std::make_shared<Connection<TlsClient>>(impl_->tls, std::move(handlers));
    c->start(url);
    return c;
  }
  auto c = std::make_shared<Connection<PlainClient>>(impl_->plain, std::move(handlers));
  c->start(url);
  return c;
}

}  // namespace wa::socket
