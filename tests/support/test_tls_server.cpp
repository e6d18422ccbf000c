#include "test_tls_server.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>

#include <atomic>
#include <mutex>
#include <thread>

namespace partnerkit::test {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace ssl = asio::ssl;
using tcp = asio::ip::tcp;
using boost::system::error_code;
constexpr auto tuple_awaitable = asio::as_tuple(asio::use_awaitable);

beast::tcp_stream& lowest(beast::tcp_stream& s) { return s; }
beast::tcp_stream& lowest(beast::ssl_stream<beast::tcp_stream>& s) { return beast::get_lowest_layer(s); }

}  // namespace

struct TestServer::Impl {
  Impl(Behaviour b, ServerOptions o)
      : behaviour(std::move(b)), options(std::move(o)), ctx(ssl::context::tls_server) {}

  Behaviour behaviour;
  ServerOptions options;
  std::unique_ptr<sandbox::CertificateAuthority> own_ca;
  std::string ca_pem;
  ssl::context ctx;

  std::atomic<std::size_t> accepted{0};
  std::atomic<std::size_t> total_requests{0};
  std::atomic<std::size_t> streamed{0};
  mutable std::mutex mu;
  std::vector<std::size_t> per_connection;

  asio::io_context ioc;
  std::optional<tcp::acceptor> acceptor;
  std::vector<std::thread> threads;
  bool stopped = false;
  unsigned short port = 0;

  asio::awaitable<void> accept_loop() {
    for (;;) {
      auto [ec, socket] = co_await acceptor->async_accept(tuple_awaitable);
      if (ec) {
        if (ec == asio::error::operation_aborted || !acceptor->is_open()) co_return;
        continue;
      }
      std::size_t index = 0;
      {
        std::lock_guard lock(mu);
        index = per_connection.size();
        per_connection.push_back(0);
      }
      accepted.fetch_add(1);
      error_code ignored;
      socket.set_option(tcp::no_delay(true), ignored);
      asio::co_spawn(ioc, session(std::move(socket), index), asio::detached);
    }
  }

  asio::awaitable<void> session(tcp::socket socket, std::size_t index) {
    if (options.tls) {
      beast::ssl_stream<beast::tcp_stream> stream(std::move(socket), ctx);
      beast::get_lowest_layer(stream).expires_after(std::chrono::seconds(10));
      auto [ec] = co_await stream.async_handshake(ssl::stream_base::server, tuple_awaitable);
      if (ec) co_return;
      const bool graceful = co_await serve(stream, index);
      if (graceful) {
        beast::get_lowest_layer(stream).expires_after(std::chrono::seconds(2));
        co_await stream.async_shutdown(tuple_awaitable);
      }
    } else {
      beast::tcp_stream stream(std::move(socket));
      const bool graceful = co_await serve(stream, index);
      if (graceful) {
        error_code ignored;
        stream.socket().shutdown(tcp::socket::shutdown_send, ignored);
      }
    }
  }

  // Returns true when the connection should be closed gracefully.
  template <class Stream>
  asio::awaitable<bool> serve(Stream& stream, std::size_t index) {
    beast::flat_buffer buffer;
    for (std::size_t n = 0;; ++n) {
      if (n > 0 && options.idle_close.count() > 0) {
        lowest(stream).expires_after(options.idle_close);
      } else {
        lowest(stream).expires_never();
      }
      http::request_parser<http::string_body> parser;
      parser.body_limit(64 * 1024 * 1024);
      auto [ec, bytes] = co_await http::async_read(stream, buffer, parser, tuple_awaitable);
      (void)bytes;
      if (ec == beast::error::timeout) co_return false;  // idle close: the socket is closed already
      if (ec) co_return false;
      lowest(stream).expires_never();
      auto req = parser.release();

      ServerRequest r;
      r.method = std::string(req.method_string());
      r.target = std::string(req.target());
      for (const auto& f : req) r.headers.emplace_back(std::string(f.name_string()), std::string(f.value()));
      r.body = std::move(req.body());
      r.connection = index;
      r.request_on_connection = n;
      {
        std::lock_guard lock(mu);
        ++per_connection[index];
      }
      total_requests.fetch_add(1);

      ServerResponse answer = behaviour(r);
      if (answer.delay.count() > 0) {
        asio::steady_timer timer(co_await asio::this_coro::executor);
        timer.expires_after(answer.delay);
        co_await timer.async_wait(tuple_awaitable);
      }
      if (answer.drop) {
        error_code ignored;
        lowest(stream).socket().shutdown(tcp::socket::shutdown_both, ignored);
        lowest(stream).close();
        co_return false;
      }
      if (answer.raw_tcp) {
        co_await asio::async_write(lowest(stream).socket(), asio::buffer(answer.raw), tuple_awaitable);
        error_code ignored;
        lowest(stream).socket().shutdown(tcp::socket::shutdown_both, ignored);
        lowest(stream).close();
        co_return false;
      }
      if (!answer.raw.empty() || answer.stream) {
        auto [raw_ec, raw_bytes] =
            co_await asio::async_write(stream, asio::buffer(answer.raw), tuple_awaitable);
        (void)raw_bytes;
        if (raw_ec) co_return false;
        if (!answer.stream) continue;
        std::string piece;
        while (answer.stream(piece)) {
          auto [sec, sbytes] = co_await asio::async_write(stream, asio::buffer(piece), tuple_awaitable);
          if (sec) break;
          streamed.fetch_add(sbytes);
        }
        error_code ignored;
        lowest(stream).socket().shutdown(tcp::socket::shutdown_both, ignored);
        lowest(stream).close();
        co_return false;
      }
      if (answer.reset_mid_body) {
        std::string head = "HTTP/1.1 " + std::to_string(answer.status) + " OK\r\n";
        for (const auto& [k, v] : answer.headers) head += k + ": " + v + "\r\n";
        head += "Content-Length: " + std::to_string(answer.body.size()) + "\r\n\r\n";
        head += answer.body.substr(0, answer.body.size() / 2);
        co_await asio::async_write(stream, asio::buffer(head), tuple_awaitable);
        error_code ignored;
        lowest(stream).socket().set_option(asio::socket_base::linger(true, 0), ignored);
        lowest(stream).close();  // RST
        co_return false;
      }
      if (answer.close_delimited) {
        std::string raw = "HTTP/1.1 " + std::to_string(answer.status) + " OK\r\nConnection: close\r\n";
        for (const auto& [k, v] : answer.headers) raw += k + ": " + v + "\r\n";
        raw += "\r\n" + answer.body;
        auto [rec, rbytes] = co_await asio::async_write(stream, asio::buffer(raw), tuple_awaitable);
        (void)rbytes;
        if (rec || !answer.truncate) co_return !rec;  // graceful: TLS close_notify, then close
        error_code ignored;
        lowest(stream).socket().shutdown(tcp::socket::shutdown_both, ignored);
        lowest(stream).close();
        co_return false;
      }
      http::response<http::string_body> res{static_cast<http::status>(answer.status), req.version()};
      for (const auto& [k, v] : answer.headers) res.insert(k, v);
      res.body() = std::move(answer.body);
      res.prepare_payload();
      const bool close = answer.close || !req.keep_alive();
      res.keep_alive(!close);
      auto [wec, wbytes] = co_await http::async_write(stream, res, tuple_awaitable);
      (void)wbytes;
      if (wec) co_return false;
      if (close) co_return true;
    }
  }
};

TestServer::TestServer(Behaviour behaviour, ServerOptions options)
    : impl_(std::make_shared<Impl>(std::move(behaviour), std::move(options))) {
  auto& im = *impl_;
  const sandbox::CertificateAuthority* ca = im.options.ca;
  if (!ca) {
    im.own_ca = std::make_unique<sandbox::CertificateAuthority>("partnerkit test server CA");
    ca = im.own_ca.get();
  }
  im.ca_pem = ca->ca_cert_pem();
  if (im.options.tls) {
    auto leaf = ca->issue(im.options.leaf);
    im.ctx.set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 | ssl::context::no_sslv3);
    // The leaf alone: the client trusts the CA already, and every certificate sent costs the
    // client a parse (slow in OpenSSL 3.0).
    if (im.options.send_ca_certificate) {
      im.ctx.use_certificate_chain(asio::buffer(leaf.chain_pem));
    } else {
      im.ctx.use_certificate(asio::buffer(leaf.cert_pem), ssl::context::pem);
    }
    im.ctx.use_private_key(asio::buffer(leaf.key_pem), ssl::context::pem);
  }
  im.acceptor.emplace(im.ioc);
  tcp::endpoint ep(asio::ip::make_address("127.0.0.1"), im.options.port);
  im.acceptor->open(ep.protocol());
  im.acceptor->set_option(asio::socket_base::reuse_address(true));
  im.acceptor->bind(ep);
  im.acceptor->listen(asio::socket_base::max_listen_connections);
  im.port = im.acceptor->local_endpoint().port();
  asio::co_spawn(im.ioc, im.accept_loop(), asio::detached);
  for (int i = 0; i < std::max(1, im.options.threads); ++i) {
    im.threads.emplace_back([&im] { im.ioc.run(); });
  }
}

TestServer::~TestServer() { stop(); }

void TestServer::stop() {
  auto& im = *impl_;
  if (im.stopped) return;
  im.stopped = true;
  im.ioc.stop();
  for (auto& t : im.threads) t.join();
  im.threads.clear();
  error_code ignored;
  im.acceptor->close(ignored);
}

unsigned short TestServer::port() const noexcept { return impl_->port; }

std::string TestServer::url(const std::string& path, const std::string& host) const {
  return (impl_->options.tls ? "https://" : "http://") + host + ":" + std::to_string(port()) + path;
}

const std::string& TestServer::ca_pem() const noexcept { return impl_->ca_pem; }

std::size_t TestServer::connections_accepted() const noexcept { return impl_->accepted.load(); }

std::size_t TestServer::requests() const noexcept { return impl_->total_requests.load(); }

std::size_t TestServer::bytes_streamed() const noexcept { return impl_->streamed.load(); }

std::vector<std::size_t> TestServer::requests_per_connection() const {
  std::lock_guard lock(impl_->mu);
  return impl_->per_connection;
}

Behaviour always(ServerResponse response) {
  return [response](const ServerRequest&) { return response; };
}

}  // namespace partnerkit::test
