// WsTransport (PROTOCOL.md §1) against a local websocketpp echo server: binary messages much
// larger than the transport's 4 KiB read buffer (ws_transport.cpp, issue 4) arrive whole and
// unchanged, and the Origin header is the WhatsApp Web one; a transport closed before it
// connected leaves no connection open at the server.
#include <catch2/catch.hpp>

#include <asio/io_context.hpp>
#include <chrono>
#include <string>
#include <vector>
#include <websocketpp/config/asio_no_tls.hpp>
#include <websocketpp/server.hpp>

#include "wa/socket/ws_transport.hpp"

using util::Bytes;

namespace {

using EchoServer = websocketpp::server<websocketpp::config::asio>;

// Bytes that differ from position to position, so a reordered or repeated chunk is noticed.
Bytes pattern(size_t n, uint32_t seed) {
  Bytes b(n);
  uint32_t x = seed;
  for (auto& v : b) {
    x = x * 1103515245u + 12345u;
    v = static_cast<uint8_t>(x >> 16);
  }
  return b;
}

}  // namespace

TEST_CASE("messages larger than the read buffer arrive whole, in order", "[ws]") {
  asio::io_context io;
  EchoServer server;
  server.clear_access_channels(websocketpp::log::alevel::all);
  server.clear_error_channels(websocketpp::log::elevel::all);
  server.init_asio(&io);
  server.set_max_message_size(1u << 24);
  std::string origin;
  server.set_open_handler([&](websocketpp::connection_hdl h) {
    origin = server.get_con_from_hdl(h)->get_request_header("Origin");
  });
  server.set_message_handler([&](websocketpp::connection_hdl h, EchoServer::message_ptr m) {
    server.send(h, m->get_payload(), m->get_opcode());  // echo
  });
  server.listen(asio::ip::tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
  server.start_accept();
  websocketpp::lib::error_code ec;
  const auto port = server.get_local_endpoint(ec).port();
  REQUIRE(!ec);

  // 1 byte, exactly the buffer, one more, 64 KiB (the e2e send test's size) and 1 MiB.
  const std::vector<Bytes> sent = {pattern(1, 1), pattern(4096, 2), pattern(4097, 3),
                                   pattern(65536, 4), pattern(1u << 20, 5)};
  std::vector<Bytes> got;
  std::string closed_why;
  bool closed = false;
  wa::socket::WsConnector connector(io);
  std::shared_ptr<wa::socket::WsTransport> t;
  wa::socket::TransportHandlers h;
  h.on_open = [&] {
    for (const auto& m : sent) t->send(m);
  };
  h.on_message = [&](const uint8_t* p, size_t n) {
    got.emplace_back(p, p + n);
    if (got.size() == sent.size()) {
      t->close();
      server.stop_listening(ec);
    }
  };
  h.on_close = [&](const std::string& why) {
    closed = true;
    closed_why = why;
  };
  t = connector.connect("ws://127.0.0.1:" + std::to_string(port) + "/ws/chat", std::move(h));
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  while (!closed && std::chrono::steady_clock::now() < deadline) {
    if (io.stopped()) io.restart();
    io.run_for(std::chrono::milliseconds(50));
  }

  REQUIRE(got.size() == sent.size());
  for (size_t i = 0; i < sent.size(); ++i) {
    INFO("message " << i << " of " << sent[i].size() << " bytes");
    CHECK(got[i] == sent[i]);
  }
  CHECK(origin == "https://web.whatsapp.com");
  CHECK(closed);
  CHECK(closed_why == "closed (1000)");
}

TEST_CASE("a transport closed while still connecting leaves no connection at the server", "[ws]") {
  asio::io_context io;
  EchoServer server;
  server.clear_access_channels(websocketpp::log::alevel::all);
  server.clear_error_channels(websocketpp::log::elevel::all);
  server.init_asio(&io);
  int opened = 0, closed = 0;
  server.set_open_handler([&](websocketpp::connection_hdl) { ++opened; });
  server.set_close_handler([&](websocketpp::connection_hdl) { ++closed; });
  server.listen(asio::ip::tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
  server.start_accept();
  websocketpp::lib::error_code ec;
  const auto port = server.get_local_endpoint(ec).port();
  REQUIRE(!ec);

  // Closed right after connect() returns: the TCP connect is still pending (a DELETE /session
  // right after POST /session does this).
  constexpr int kConnections = 20;
  int reported = 0;
  wa::socket::WsConnector connector(io);
  for (int i = 0; i < kConnections; ++i) {
    wa::socket::TransportHandlers h;
    h.on_close = [&](const std::string&) { ++reported; };
    connector.connect("ws://127.0.0.1:" + std::to_string(port) + "/ws/chat", std::move(h))->close();
  }
  // Long enough for every connect, upgrade and close on loopback.
  io.run_for(std::chrono::milliseconds(500));

  CHECK(reported == kConnections);
  // Whatever the server opened, it saw closed again.
  CHECK(closed == opened);
  server.stop_listening(ec);
}
