// The Beast HTTPS server of the sandbox: it reads requests, asks SandboxCore what to do, and does it.
#include <partnerkit/sandbox/certificate_authority.hpp>
#include <partnerkit/sandbox/sandbox.hpp>

#include <boost/asio/dispatch.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>

#include <openssl/ssl.h>

#include <condition_variable>
#include <fstream>
#include <mutex>
#include <optional>
#include <sstream>
#include <stdexcept>
#include <thread>
#include <unordered_map>

namespace partnerkit::sandbox {
namespace net = boost::asio;
namespace ssl = boost::asio::ssl;
namespace beast = boost::beast;
namespace http = boost::beast::http;
using tcp = boost::asio::ip::tcp;

namespace {
constexpr std::chrono::seconds handshake_timeout{10};
constexpr std::chrono::seconds write_timeout{30};
constexpr std::chrono::seconds shutdown_timeout{5};
constexpr std::uint32_t header_limit = 16 * 1024;

}  // namespace

namespace detail {
class Session;

struct Server {
  SandboxOptions options;
  SandboxCore core;
  CertificateAuthority ca;
  ssl::context tls{ssl::context::tls_server};

  std::mutex sessions_mutex;
  std::condition_variable sessions_cv;
  std::unordered_map<Session*, std::weak_ptr<Session>> sessions;
  std::atomic<bool> stopping{false};

  // Declared after everything sessions touch: destroyed first, with the handlers it still holds.
  net::io_context ioc;
  tcp::acceptor acceptor{ioc};
  std::uint16_t port = 0;
  std::vector<std::thread> threads;
  std::once_flag stopped;

  explicit Server(SandboxOptions o)
      : options(std::move(o)), core(options.config), ca("partnerkit sandbox CA") {}

  void accept();
  void register_session(Session* s, std::weak_ptr<Session> w) {
    std::lock_guard lock(sessions_mutex);
    sessions.emplace(s, std::move(w));
  }
  void unregister_session(Session* s) {
    std::lock_guard lock(sessions_mutex);
    sessions.erase(s);
    sessions_cv.notify_all();
  }
};
}  // namespace detail

struct Sandbox::Impl : detail::Server {
  using Server::Server;
};

namespace {

HttpRequest to_value(http::request<http::string_body>&& req) {
  HttpRequest r;
  r.method = std::string(req.method_string());
  r.url = std::string(req.target());
  r.headers.reserve(std::distance(req.begin(), req.end()));
  for (const auto& field : req)
    r.headers.emplace_back(std::string(field.name_string()), std::string(field.value()));
  r.body = std::move(req.body());
  return r;
}

}  // namespace

namespace detail {
class Session : public std::enable_shared_from_this<Session> {
 public:
  Session(Server& server, tcp::socket&& socket)
      : server_(server), stream_(std::move(socket), server.tls), timer_(stream_.get_executor()) {
    boost::system::error_code ec;
    auto peer = beast::get_lowest_layer(stream_).socket().remote_endpoint(ec);
    loopback_ = !ec && peer.address().is_loopback();
  }
  ~Session() { server_.unregister_session(this); }

  void start() {
    server_.register_session(this, weak_from_this());
    net::dispatch(stream_.get_executor(), [self = shared_from_this()] {
      if (self->server_.stopping) return self->close();
      beast::get_lowest_layer(self->stream_).expires_after(handshake_timeout);
      self->stream_.async_handshake(ssl::stream_base::server, [self](boost::system::error_code ec) {
        if (ec) return self->close();
        self->read();
      });
    });
  }

  // From stop(): cancel everything and close, on the session's strand.
  void post_abort() {
    net::post(stream_.get_executor(), [self = shared_from_this()] {
      self->timer_.cancel();
      self->close();
    });
  }

 private:
  void read() {
    parser_.emplace();
    parser_->body_limit(server_.core.config().max_body_bytes);
    parser_->header_limit(header_limit);
    beast::get_lowest_layer(stream_).expires_after(server_.options.idle_timeout);
    http::async_read(
        stream_, buffer_, *parser_,
        [self = shared_from_this()](boost::system::error_code ec, std::size_t) { self->on_read(ec); });
  }

  void on_read(boost::system::error_code ec) {
    if (ec == http::error::end_of_stream) return shutdown();
    RequestContext context;
    context.peer_is_loopback = loopback_;
    if (ec == http::error::body_limit) {  // the request line and fields are parsed by then
      context.body_too_large = true;
    } else if (ec) {
      return close();
    }
    beast::get_lowest_layer(stream_).expires_never();
    auto& req = parser_->get();
    keep_alive_ = req.keep_alive() && !context.body_too_large;
    version_ = req.version();
    HttpRequest value = to_value(std::move(req));
    if (context.body_too_large) {
      value.body.clear();
      drain_ = true;
    }
    try {
      disposition_ = server_.core.handle(value, context);
    } catch (const std::exception&) {
      disposition_ = Disposition{};
      disposition_.response.status = 500;
      disposition_.response.headers.emplace_back("Content-Type", "application/json");
      disposition_.response.body = R"({"error":"sandbox internal error"})";
    }
    if (disposition_.close) keep_alive_ = false;
    if (disposition_.delay.count() > 0) {
      timer_.expires_after(disposition_.delay);
      timer_.async_wait([self = shared_from_this()](boost::system::error_code wec) {
        if (wec) return self->close();
        self->act();
      });
    } else {
      act();
    }
  }

  void act() {
    switch (disposition_.action) {
      case Action::respond:
        return respond();
      case Action::reset: {
        boost::system::error_code ignored;
        beast::get_lowest_layer(stream_).socket().set_option(net::socket_base::linger(true, 0), ignored);
        return close();
      }
      case Action::drop:
        return close();
      case Action::truncate: {
        build_response();
        std::ostringstream os;
        os << response_;
        raw_ = os.str();
        const std::size_t half = std::max<std::size_t>(1, raw_.size() / 2);
        beast::get_lowest_layer(stream_).expires_after(write_timeout);
        net::async_write(
            stream_, net::buffer(raw_.data(), half),
            [self = shared_from_this()](boost::system::error_code, std::size_t) { self->close(); });
        return;
      }
      case Action::stall: {
        // Hold the connection: the next read completes when the client gives up (or sends more).
        net::async_read(
            stream_, net::buffer(stall_byte_, 1),
            [self = shared_from_this()](boost::system::error_code, std::size_t) { self->close(); });
        return;
      }
    }
  }

  void build_response() {
    response_ = {};
    response_.version(version_);
    response_.result(static_cast<unsigned>(disposition_.response.status));
    for (const auto& [name, value] : disposition_.response.headers) response_.insert(name, value);
    response_.set(http::field::server, "partnerkit-sandbox");
    response_.body() = std::move(disposition_.response.body);
    response_.keep_alive(keep_alive_);
    response_.prepare_payload();
  }

  void respond() {
    build_response();
    beast::get_lowest_layer(stream_).expires_after(write_timeout);
    if (disposition_.early_hints) {
      // The "early-hints" fault: an interim response first (RFC 9110 §15.2), then the real answer.
      disposition_.early_hints = false;
      static constexpr std::string_view hints =
          "HTTP/1.1 103 Early Hints\r\nLink: </partnerkit-sandbox.css>; rel=preload; as=style\r\n\r\n";
      net::async_write(stream_, net::buffer(hints.data(), hints.size()),
                       [self = shared_from_this()](boost::system::error_code ec, std::size_t) {
                         if (ec) return self->close();
                         self->write_response();
                       });
      return;
    }
    write_response();
  }

  void write_response() {
    http::async_write(stream_, response_,
                      [self = shared_from_this()](boost::system::error_code ec, std::size_t) {
                        if (ec) return self->close();
                        if (!self->keep_alive_) return self->shutdown();
                        self->read();
                      });
  }

  // After answering a request whose body was not read (413): send FIN, then discard what the client
  // still sends until it closes (at most shutdown_timeout). Closing with unread input would send an
  // RST that can destroy the answer in the client's receive buffer.
  void lingering_close() {
    boost::system::error_code ignored;
    beast::get_lowest_layer(stream_).socket().shutdown(tcp::socket::shutdown_send, ignored);
    beast::get_lowest_layer(stream_).expires_after(shutdown_timeout);
    drain();
  }
  void drain() {
    beast::get_lowest_layer(stream_).async_read_some(
        net::buffer(discard_), [self = shared_from_this()](boost::system::error_code ec, std::size_t) {
          if (ec) return self->close();
          self->drain();
        });
  }

  void shutdown() {
    beast::get_lowest_layer(stream_).expires_after(shutdown_timeout);
    stream_.async_shutdown([self = shared_from_this()](boost::system::error_code) { self->close(); });
  }

  void close() {
    boost::system::error_code ignored;
    beast::get_lowest_layer(stream_).socket().close(ignored);
  }

  Server& server_;
  beast::ssl_stream<beast::tcp_stream> stream_;
  net::steady_timer timer_;
  beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::string_body>> parser_;
  http::response<http::string_body> response_;
  Disposition disposition_;
  std::string raw_;
  char stall_byte_[1];
  char discard_[4096];
  bool drain_ = false;
  bool loopback_ = false;
  bool keep_alive_ = true;
  unsigned version_ = 11;
};

}  // namespace detail

void detail::Server::accept() {
  acceptor.async_accept(net::make_strand(ioc), [this](boost::system::error_code ec, tcp::socket socket) {
    if (stopping || !acceptor.is_open()) return;
    if (!ec) {
      boost::system::error_code ignored;
      socket.set_option(tcp::no_delay(true), ignored);
      try {
        std::make_shared<Session>(*this, std::move(socket))->start();
      } catch (const std::exception&) {
        // Out of memory or OpenSSL refusing a new SSL object: drop this connection, keep serving.
      }
    }
    accept();
  });
}

Sandbox::Sandbox(SandboxOptions options) {
  if (options.threads == 0) throw std::invalid_argument("partnerkit sandbox: threads must be at least 1");
  if (options.config.max_body_bytes == 0)
    throw std::invalid_argument("partnerkit sandbox: max_body_bytes must be positive");
  impl_ = std::make_unique<Impl>(std::move(options));
  auto& I = *impl_;

  const auto address = net::ip::make_address(I.options.host);  // throws on a bad address
  LeafOptions leaf;
  leaf.dns_names = {"localhost"};
  leaf.ip_addresses = {"127.0.0.1", "::1"};
  if (address.to_string() != "127.0.0.1" && address.to_string() != "::1")
    leaf.ip_addresses.push_back(address.to_string());
  const IssuedCertificate cert = I.ca.issue(leaf);
  I.tls.set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 | ssl::context::no_sslv3 |
                    ssl::context::no_tlsv1 | ssl::context::no_tlsv1_1 | ssl::context::single_dh_use);
  I.tls.use_certificate_chain(net::buffer(cert.chain_pem));
  I.tls.use_private_key(net::buffer(cert.key_pem), ssl::context::pem);
  static constexpr unsigned char session_id_context[] = "partnerkit-sandbox";
  SSL_CTX_set_session_id_context(I.tls.native_handle(), session_id_context, sizeof session_id_context - 1);

  const tcp::endpoint endpoint(address, I.options.port);
  I.acceptor.open(endpoint.protocol());
  I.acceptor.set_option(net::socket_base::reuse_address(true));
  I.acceptor.bind(endpoint);
  I.acceptor.listen(net::socket_base::max_listen_connections);
  I.port = I.acceptor.local_endpoint().port();
  I.accept();
  for (unsigned i = 0; i < I.options.threads; ++i)
    I.threads.emplace_back([&I] {
      for (;;) {
        try {
          I.ioc.run();
          return;
        } catch (const std::exception&) {
          // A handler threw (it should not): that connection is lost, the server goes on.
        }
      }
    });
}

Sandbox::~Sandbox() {
  if (impl_) stop();
}

void Sandbox::stop() {
  auto& I = *impl_;
  std::call_once(I.stopped, [&I] {
    I.stopping = true;
    net::post(I.acceptor.get_executor(), [&I] {
      boost::system::error_code ignored;
      I.acceptor.close(ignored);
    });
    std::vector<std::shared_ptr<detail::Session>> live;
    {
      std::lock_guard lock(I.sessions_mutex);
      for (auto& [ptr, weak] : I.sessions)
        if (auto s = weak.lock()) live.push_back(std::move(s));
    }
    for (auto& s : live) s->post_abort();
    live.clear();
    {
      std::unique_lock lock(I.sessions_mutex);
      I.sessions_cv.wait_for(lock, std::chrono::seconds(2), [&I] { return I.sessions.empty(); });
    }
    I.ioc.stop();
    for (auto& t : I.threads)
      if (t.joinable()) t.join();
  });
}

std::uint16_t Sandbox::port() const noexcept { return impl_->port; }

std::string Sandbox::base_url(std::string_view vendor) const {
  if (!vendor.empty()) (void)impl_->core.vendor(vendor);
  const auto address = net::ip::make_address(impl_->options.host);
  std::string host = address.is_v6() ? "[" + address.to_string() + "]" : address.to_string();
  return "https://" + host + ":" + std::to_string(impl_->port);
}

VendorConfig Sandbox::vendor_config(std::string_view vendor) const {
  VendorConfig c;
  c.base_url = base_url(vendor);
  c.api_key = api_key(vendor);
  c.settings = impl_->core.client_settings(vendor);
  return c;
}

std::string Sandbox::api_key(std::string_view vendor) const { return impl_->core.api_key(vendor); }
const std::string& Sandbox::ca_pem() const noexcept { return impl_->ca.ca_cert_pem(); }

void Sandbox::write_ca(const std::string& path) const { write_new_file(path, ca_pem(), 0644); }

boost::json::object Sandbox::state(bool include_partners) const {
  return impl_->core.state(include_partners);
}
SandboxCore& Sandbox::core() noexcept { return impl_->core; }
const SandboxCore& Sandbox::core() const noexcept { return impl_->core; }

}  // namespace partnerkit::sandbox
