// HttpServer: Beast's parser and Asio's sockets, with our own request loop (http_server.hpp).
//
// Why our own loop around Beast's parser rather than beast::http::async_read alone: the
// deadlines must be per request phase (idle, header, body) rather than per read, and the head
// gets checks Beast does not make (request_head.hpp).
#include "http/http_server.hpp"

#include <atomic>
#include <map>
#include <optional>
#include <stdexcept>
#include <string_view>
#include <thread>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>

#include "http/capped_body.hpp"
#include "http/request_head.hpp"
#include "util/log.hpp"

namespace sidecar::http {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using tcp = asio::ip::tcp;

// A body this far over its route's limit is still read (and discarded), so the connection
// stays usable and the 413 arrives in sync; further over, the body is left unread and the
// connection closes after the answer.
constexpr size_t kDrainAllowance = 64 * 1024;
// After a response that closes the connection, what the client still sends is read and
// dropped for this long: closing a socket with unread input makes the kernel send a reset,
// which can destroy the response before the client has read it.
constexpr auto kLingerTime = std::chrono::seconds(1);
constexpr size_t kLingerBytes = 64 * 1024;
constexpr size_t kReadChunk = 4096;
constexpr auto kAcceptRetry = std::chrono::milliseconds(100);

bool is_disconnect(const beast::error_code& ec) {
  return ec == asio::error::eof || ec == bhttp::error::end_of_stream ||
         ec == asio::error::connection_reset || ec == asio::error::broken_pipe ||
         ec == asio::error::operation_aborted;
}

}  // namespace

class Connection;

struct HttpServer::Impl {
  Impl(std::string h, int p, ServerLimits l, Handler hd)
      : host(std::move(h)), port(p), limits(l), handler(std::move(hd)) {}

  void accept();
  void on_accept(const beast::error_code& ec, tcp::socket socket);

  const std::string host;
  const int port;
  const ServerLimits limits;
  const Handler handler;

  // Declared before the io_context: destroying it destroys pending handlers, which may own
  // the last reference to a Connection, whose destructor updates these.
  std::atomic<size_t> open{0};
  // Open connections, for stop(); an entry leaves when its connection closes.
  std::map<uint64_t, std::weak_ptr<Connection>> connections;  // network thread only
  uint64_t next_id = 1;                                       // network thread only
  bool stopping = false;                                      // network thread only

  asio::io_context io{1};
  std::optional<asio::executor_work_guard<asio::io_context::executor_type>> work;
  tcp::acceptor acceptor{io};
  asio::steady_timer accept_retry{io};
  std::thread thread;
};

// One client connection. Lives on the network thread; shared_ptr-owned by its pending
// operations and, while a request is being served, by the Respond callback.
class Connection : public std::enable_shared_from_this<Connection> {
 public:
  Connection(HttpServer::Impl& server, tcp::socket socket, uint64_t id)
      : server_(server), socket_(std::move(socket)), deadline_(socket_.get_executor()), id_(id),
        buffer_(server.limits.max_header_bytes + kDrainAllowance) {
    ++server_.open;
  }
  // May run on a handler's thread (the last owner can be a Respond); touches atomics only.
  ~Connection() { --server_.open; }

  void start() { read_request(); }

  // Over the connection limit: answered without reading anything.
  void refuse() {
    state_ = State::serving;
    Response res = server_.handler.error(503);
    res.close = true;
    write(std::move(res));
  }

  // Server stop: a connection not being served closes now; one being served closes after its
  // response (write() sees `stopping`).
  void close_unless_serving() {
    if (state_ == State::idle || state_ == State::head || state_ == State::body) close();
  }

  void post_response(Response res) {
    asio::post(socket_.get_executor(), [self = shared_from_this(), res = std::move(res)]() mutable {
      self->write(std::move(res));
    });
  }

 private:
  enum class State { idle, head, body, serving, writing, closing, closed };

  void read_request() {
    state_ = State::idle;
    scanned_ = 0;
    if (server_.stopping) return close();
    arm(server_.limits.idle_timeout);
    take_head();
  }

  void begin_request() {
    state_ = State::head;
    arm(server_.limits.header_timeout);
  }

  void take_head() {
    const HeadScan scan = scan_head(buffered(), scanned_, server_.limits.max_request_line_bytes,
                                    server_.limits.max_header_bytes);
    buffer_.consume(scan.skipped);
    if (buffer_.size() > 0 && state_ == State::idle) begin_request();
    switch (scan.kind) {
      case HeadScan::Kind::refused:
        return fail(scan.status);
      case HeadScan::Kind::need_more:
        scanned_ = buffer_.size();
        return read_more();
      case HeadScan::Kind::complete:
        break;
    }
    parser_.emplace();
    if (!parse_head(buffered().substr(0, scan.length), server_.limits.max_header_bytes,
                    *parser_)) {
      return fail(400);
    }
    buffer_.consume(scan.length);
    on_head();
  }

  std::string_view buffered() const {
    const auto b = buffer_.data();
    return {static_cast<const char*>(b.data()), b.size()};
  }

  void read_more() {
    socket_.async_read_some(buffer_.prepare(kReadChunk),
                            [self = shared_from_this()](beast::error_code ec, size_t n) {
                              self->on_read_head(ec, n);
                            });
  }

  void on_read_head(const beast::error_code& ec, size_t n) {
    if (state_ == State::closed) return;
    if (timed_out(ec) && state_ == State::head) return fail(408);
    if (ec) return close();
    buffer_.commit(n);
    take_head();
  }

  void on_head() {
    ParsedHead head = read_head(*parser_);
    request_ = std::move(head.request);
    version_ = head.version;
    keep_alive_ = head.keep_alive;
    head_only_ = head.head_only;
    if (head.refuse_status != 0) return fail(head.refuse_status);

    const auto length = parser_->content_length();
    const size_t limit = server_.handler.body_limit(request_);
    if (parser_->is_done()) return serve();
    if (length && *length > limit + kDrainAllowance) {
      request_.body_too_large = true;
      keep_alive_ = false;  // the body stays unread
      return serve();
    }
    parser_->body_limit(static_cast<std::uint64_t>(limit) + kDrainAllowance);
    parser_->get().body().limit = limit;

    const auto expect = request_.values("Expect");
    if (version_ >= 11 && expect.size() == 1 && iequals(expect.front(), "100-continue")) {
      static constexpr std::string_view kContinue = "HTTP/1.1 100 Continue\r\n\r\n";
      state_ = State::body;
      arm(server_.limits.write_timeout);
      asio::async_write(socket_, asio::buffer(kContinue.data(), kContinue.size()),
                        [self = shared_from_this()](beast::error_code ec, size_t) {
                          if (ec) return self->close();
                          self->read_body();
                        });
      return;
    }
    read_body();
  }

  void read_body() {
    state_ = State::body;
    arm(server_.limits.body_timeout);
    bhttp::async_read(socket_, buffer_, *parser_,
                      [self = shared_from_this()](beast::error_code ec, size_t) {
                        self->on_body(ec);
                      });
  }

  void on_body(const beast::error_code& ec) {
    if (state_ == State::closed) return;
    if (ec == bhttp::error::body_limit) {
      request_.body_too_large = true;
      keep_alive_ = false;  // the rest of the body stays unread
      return serve();
    }
    if (timed_out(ec)) return fail(408);
    if (is_disconnect(ec)) return close();
    if (ec) return fail(400);
    auto& body = parser_->get().body();
    request_.body_too_large = body.too_large;
    if (!body.too_large) request_.body = std::move(body.data);
    serve();
  }

  // Hands the request to the handler. Whatever happens there, exactly one response is written:
  // a Respond dropped without being called answers 500.
  void serve() {
    state_ = State::serving;
    ++deadline_generation_;
    deadline_.cancel();
    parser_.reset();

    struct Pending {
      explicit Pending(std::shared_ptr<Connection> c) : conn(std::move(c)) {}
      ~Pending() {
        if (!answered.exchange(true)) conn->post_response(conn->server_.handler.error(500));
      }
      std::shared_ptr<Connection> conn;
      std::atomic<bool> answered{false};
    };
    auto pending = std::make_shared<Pending>(shared_from_this());
    HttpServer::Respond respond = [pending](Response res) {
      if (pending->answered.exchange(true)) return;
      pending->conn->post_response(std::move(res));
    };
    Request request = std::move(request_);
    request_ = Request{};
    try {
      server_.handler.serve(std::move(request), std::move(respond));
    } catch (const std::exception& e) {
      util::log::error("http_handler_failed", "", {{"error", e.what()}});
    }
  }

  void fail(int status) {
    state_ = State::serving;
    keep_alive_ = false;
    head_only_ = false;
    parser_.reset();
    Response res = server_.handler.error(status);
    res.close = true;
    write(std::move(res));
  }

  void write(Response res) {
    if (state_ != State::serving) return;  // closed while the handler worked
    const bool keep = keep_alive_ && !res.close && !server_.stopping;
    auto msg = std::make_shared<bhttp::response<bhttp::string_body>>();
    msg->version(version_);
    msg->result(static_cast<unsigned>(res.status));
    for (Header& h : res.headers) msg->insert(h.name, std::move(h.value));
    msg->keep_alive(keep);
    if (head_only_) {
      msg->content_length(res.body.size());
    } else {
      msg->body() = std::move(res.body);
      msg->prepare_payload();
    }
    state_ = State::writing;
    arm(server_.limits.write_timeout);
    bhttp::async_write(socket_, *msg,
                       [self = shared_from_this(), msg, keep](beast::error_code ec, size_t) {
                         if (ec) return self->close();
                         if (keep) return self->read_request();
                         self->linger_close();
                       });
  }

  void linger_close() {
    state_ = State::closing;
    beast::error_code ignored;
    socket_.shutdown(tcp::socket::shutdown_send, ignored);
    arm(kLingerTime);
    buffer_.clear();
    drain();
  }

  void drain() {
    socket_.async_read_some(buffer_.prepare(kReadChunk),
                            [self = shared_from_this()](beast::error_code ec, size_t n) {
                              self->lingered_ += n;
                              if (ec || self->lingered_ > kLingerBytes) return self->close();
                              self->buffer_.clear();
                              self->drain();
                            });
  }

  void close() {
    if (state_ == State::closed) return;
    state_ = State::closed;
    server_.connections.erase(id_);
    deadline_.cancel();
    beast::error_code ignored;
    socket_.shutdown(tcp::socket::shutdown_both, ignored);
    socket_.close(ignored);
  }

  // One deadline at a time, for the phase the connection is in. When it passes, the pending
  // socket operation is cancelled (not the socket closed), so a 408 can still be written.
  // A deadline that passed just as its phase ended must not cut the next phase short: each
  // wait carries the generation it was armed for.
  void arm(std::chrono::steady_clock::duration d) {
    timed_out_ = false;
    const uint64_t generation = ++deadline_generation_;
    deadline_.expires_after(d);
    deadline_.async_wait([self = shared_from_this(), generation](beast::error_code ec) {
      if (ec || self->state_ == State::closed) return;
      if (generation != self->deadline_generation_) return;
      self->timed_out_ = true;
      beast::error_code ignored;
      self->socket_.cancel(ignored);
    });
  }

  bool timed_out(const beast::error_code& ec) const {
    return timed_out_ && ec == asio::error::operation_aborted;
  }

  HttpServer::Impl& server_;
  tcp::socket socket_;
  asio::steady_timer deadline_;
  uint64_t deadline_generation_ = 0;
  bool timed_out_ = false;
  const uint64_t id_;
  beast::flat_buffer buffer_;
  std::optional<bhttp::request_parser<CappedBody>> parser_;
  Request request_;
  State state_ = State::idle;
  size_t scanned_ = 0;   // bytes of the buffered head already searched for its end
  size_t lingered_ = 0;
  unsigned version_ = 11;
  bool keep_alive_ = true;
  bool head_only_ = false;
};

void HttpServer::Impl::accept() {
  // Handlers of the server itself hold a plain pointer: stop() runs them down before the
  // Impl goes away, and one still queued then is destroyed with the io_context, unrun.
  acceptor.async_accept([this](beast::error_code ec, tcp::socket socket) {
    on_accept(ec, std::move(socket));
  });
}

void HttpServer::Impl::on_accept(const beast::error_code& ec, tcp::socket socket) {
  if (stopping || !acceptor.is_open()) return;
  if (ec) {
    // Typically EMFILE: keep serving the open connections and try again shortly rather than
    // spinning on a failing accept.
    util::log::warn("http_accept_failed", "", {{"error", ec.message()}});
    accept_retry.expires_after(kAcceptRetry);
    accept_retry.async_wait([this](beast::error_code e) {
      if (!e) accept();
    });
    return;
  }
  beast::error_code ignored;
  socket.set_option(tcp::no_delay(true), ignored);  // responses go out in one write; no delay
  const bool over = open.load() >= limits.max_connections;
  const uint64_t id = next_id++;
  auto conn = std::make_shared<Connection>(*this, std::move(socket), id);
  connections[id] = conn;
  if (over) {
    conn->refuse();
  } else {
    conn->start();
  }
  accept();
}

HttpServer::HttpServer(std::string host, int port, ServerLimits limits, Handler handler)
    : impl_(std::make_unique<Impl>(std::move(host), port, limits, std::move(handler))) {}

HttpServer::~HttpServer() { stop(); }

int HttpServer::start() {
  Impl& s = *impl_;
  if (s.thread.joinable()) throw std::logic_error("HttpServer::start called twice");
  beast::error_code ec;
  const auto address = asio::ip::make_address(s.host == "localhost" ? "127.0.0.1" : s.host, ec);
  if (ec) throw std::runtime_error("cannot listen on " + s.host + ": not an IP address");
  const tcp::endpoint endpoint(address, static_cast<unsigned short>(s.port));
  s.acceptor.open(endpoint.protocol(), ec);
  // SO_REUSEADDR allows a quick restart; SO_REUSEPORT is not set, so a second instance cannot
  // bind the same port and silently take a share of the traffic.
  if (!ec) s.acceptor.set_option(tcp::acceptor::reuse_address(true), ec);
  if (!ec) s.acceptor.bind(endpoint, ec);
  if (!ec) s.acceptor.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) {
    beast::error_code ignored;
    s.acceptor.close(ignored);
    throw std::runtime_error("cannot listen on " + s.host + ":" + std::to_string(s.port) + ": " +
                             ec.message());
  }
  const int bound = s.acceptor.local_endpoint().port();
  s.work.emplace(s.io.get_executor());
  s.accept();
  s.thread = std::thread([&s] { s.io.run(); });
  return bound;
}

void HttpServer::stop() {
  Impl& s = *impl_;
  if (!s.thread.joinable()) return;
  asio::post(s.io, [&s] {
    s.stopping = true;
    beast::error_code ignored;
    s.acceptor.close(ignored);
    s.accept_retry.cancel();
    // close() erases from the map: walk a copy.
    const auto connections = s.connections;
    for (auto& [id, weak] : connections) {
      if (auto conn = weak.lock()) conn->close_unless_serving();
    }
  });
  // Requests in flight are answered first; each is bounded by its handler (the router's
  // routes have their own timeouts) and by write_timeout.
  while (s.open.load() > 0) std::this_thread::sleep_for(std::chrono::milliseconds(5));
  s.work.reset();
  s.io.stop();
  s.thread.join();
}

size_t HttpServer::open_connections() const { return impl_->open.load(); }

}  // namespace sidecar::http
