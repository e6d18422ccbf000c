#include <partnerkit/beast_transport.hpp>

#include <boost/asio/associated_cancellation_slot.hpp>
#include <boost/asio/associated_executor.hpp>
#include <boost/asio/bind_executor.hpp>
#include <boost/asio/connect.hpp>
#include <boost/asio/dispatch.hpp>
#include <boost/asio/execution/outstanding_work.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/prefer.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/ssl/error.hpp>
#include <boost/asio/ssl/host_name_verification.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/basic_parser.hpp>
#include <boost/beast/http/empty_body.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/write.hpp>
#include <boost/system/system_error.hpp>
#include <boost/url/parse.hpp>

#include <openssl/evp.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/x509_vfy.h>
#include <openssl/x509v3.h>

#include <sys/socket.h>

#include <algorithm>
#include <atomic>
#include <cctype>
#include <cerrno>
#include <cstdlib>
#include <deque>
#include <limits>
#include <mutex>
#include <optional>
#include <string_view>
#include <unordered_map>
#include <vector>

#ifdef PARTNERKIT_PROJECT_VERSION
static_assert(std::string_view(PARTNERKIT_VERSION) == std::string_view(PARTNERKIT_PROJECT_VERSION),
              "transport/include/partnerkit/version.hpp is out of step with project(VERSION)");
#endif

namespace partnerkit {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace ssl = asio::ssl;
using boost::system::error_code;
using tcp = asio::ip::tcp;
using Clock = std::chrono::steady_clock;

// ---------------------------------------------------------------------------------------------
// URL → where to connect

struct Target {
  bool tls = true;
  std::string host;         // name or IP text, no brackets: what we resolve and verify
  std::string port;         // decimal
  std::string host_header;  // Host: value (brackets for IPv6, port when not the default)
  std::string target;       // path + query, "/" when empty
  std::string origin;       // pool key
  bool host_is_ip = false;
  bool loopback = false;
};

bool is_loopback_host(const std::string& host, bool is_ip) {
  if (is_ip) {
    error_code ec;
    auto a = asio::ip::make_address(host, ec);
    return !ec && a.is_loopback();
  }
  std::string lower = host;
  std::transform(lower.begin(), lower.end(), lower.begin(), [](unsigned char c) { return std::tolower(c); });
  return lower == "localhost" || (lower.size() > 10 && lower.ends_with(".localhost"));
}

error_code parse_target(const std::string& url, const TransportOptions& options, Target& t) {
  auto parsed = boost::urls::parse_uri(url);
  if (!parsed) return make_error_code(boost::system::errc::invalid_argument);
  const auto& u = *parsed;
  const auto scheme = u.scheme_id();
  if (scheme == boost::urls::scheme::https) {
    t.tls = true;
  } else if (scheme == boost::urls::scheme::http) {
    t.tls = false;
  } else {
    return make_error_code(boost::system::errc::protocol_not_supported);
  }
  switch (u.host_type()) {
    case boost::urls::host_type::name:
      t.host = u.host_name();
      t.host_is_ip = false;
      break;
    case boost::urls::host_type::ipv4:
      t.host = u.host_ipv4_address().to_string();
      t.host_is_ip = true;
      break;
    case boost::urls::host_type::ipv6:
      t.host = u.host_ipv6_address().to_string();
      t.host_is_ip = true;
      break;
    default:
      return make_error_code(boost::system::errc::invalid_argument);
  }
  if (t.host.empty()) return make_error_code(boost::system::errc::invalid_argument);
  for (char c : t.host) {
    // A decoded name with control characters or spaces cannot be a DNS name.
    if (static_cast<unsigned char>(c) <= 0x20 || c == 0x7f) {
      return make_error_code(boost::system::errc::invalid_argument);
    }
  }
  t.loopback = is_loopback_host(t.host, t.host_is_ip);
  if (!t.tls && !(options.allow_plain_http_loopback && t.loopback)) {
    return make_error_code(boost::system::errc::protocol_not_supported);
  }
  const std::uint16_t default_port = t.tls ? 443 : 80;
  std::uint16_t port = default_port;
  if (u.has_port()) {
    if (u.port().empty()) {
      port = default_port;
    } else {
      port = u.port_number();
      if (port == 0) return make_error_code(boost::system::errc::invalid_argument);
    }
  }
  t.port = std::to_string(port);
  const std::string bracketed = u.host_type() == boost::urls::host_type::ipv6 ? "[" + t.host + "]" : t.host;
  t.host_header = port == default_port ? bracketed : bracketed + ":" + t.port;
  t.target = std::string(u.encoded_target());
  if (t.target.empty()) t.target = "/";
  if (t.target.front() != '/') return make_error_code(boost::system::errc::invalid_argument);
  std::string lower_host = bracketed;
  std::transform(lower_host.begin(), lower_host.end(), lower_host.begin(),
                 [](unsigned char c) { return std::tolower(c); });
  t.origin = (t.tls ? "https://" : "http://") + lower_host + ":" + t.port;
  return {};
}

bool is_token_char(unsigned char c) {
  if (c >= '0' && c <= '9') return true;
  if ((c | 0x20) >= 'a' && (c | 0x20) <= 'z') return true;
  return std::string_view("!#$%&'*+-.^_`|~").find(static_cast<char>(c)) != std::string_view::npos;
}

bool valid_header(const std::string& name, const std::string& value) {
  if (name.empty()) return false;
  for (unsigned char c : name) {
    if (!is_token_char(c)) return false;
  }
  for (unsigned char c : value) {
    if (c == '\r' || c == '\n' || c == '\0') return false;
  }
  return true;
}

// Parses a response straight into an HttpResponse: no Beast message in between (no field
// allocations, no copy of the header block afterwards). Limits and keep-alive rules are
// basic_parser's.
class ResponseParser final : public http::basic_parser<false> {
 public:
  ResponseParser(HttpResponse& out, std::size_t max_body) : out_(out), max_body_(max_body) {}

 private:
  void on_request_impl(http::verb, beast::string_view, beast::string_view, int, error_code&) override {}
  void on_response_impl(int code, beast::string_view, int, error_code&) override {
    out_.status = code;
    out_.headers.clear();
    out_.headers.reserve(8);
    out_.body.clear();
  }
  void on_field_impl(http::field, beast::string_view name, beast::string_view value, error_code&) override {
    out_.headers.emplace_back(std::string(name), std::string(value));
  }
  void on_header_impl(error_code&) override {}
  void on_body_init_impl(const boost::optional<std::uint64_t>& length, error_code&) override {
    if (length) out_.body.reserve(static_cast<std::size_t>(std::min<std::uint64_t>(*length, max_body_)));
  }
  std::size_t on_body_impl(beast::string_view body, error_code&) override {
    out_.body.append(body.data(), body.size());
    return body.size();
  }
  void on_chunk_header_impl(std::uint64_t, beast::string_view, error_code&) override {}
  std::size_t on_chunk_body_impl(std::uint64_t, beast::string_view body, error_code&) override {
    out_.body.append(body.data(), body.size());
    return body.size();
  }
  void on_finish_impl(error_code&) override {}

  HttpResponse& out_;
  std::size_t max_body_;
};

// A request, serialized.
struct Wire {
  std::string bytes;
  bool head = false;   // HEAD: the response has no body
  bool close = false;  // the caller sent Connection: close
};

bool has_close_token(std::string_view value) {
  std::size_t pos = 0;
  while (pos <= value.size()) {
    std::size_t comma = value.find(',', pos);
    if (comma == std::string_view::npos) comma = value.size();
    std::string_view token = value.substr(pos, comma - pos);
    while (!token.empty() && (token.front() == ' ' || token.front() == '\t')) token.remove_prefix(1);
    while (!token.empty() && (token.back() == ' ' || token.back() == '\t')) token.remove_suffix(1);
    if (beast::iequals(token, "close")) return true;
    pos = comma + 1;
  }
  return false;
}

bool iequals(std::string_view a, std::string_view b) { return beast::iequals(a, b); }

// ---------------------------------------------------------------------------------------------
// Proxy settings (HTTPS_PROXY / NO_PROXY)

struct ProxyConfig {
  bool enabled = false;
  std::string host;
  std::string port;
  std::string authorization;  // "Basic …" or empty
  std::vector<std::string> no_proxy;
  bool no_proxy_all = false;

  bool bypass(const Target& t) const {
    if (!enabled || t.loopback || no_proxy_all) return true;
    std::string host = t.host;
    std::transform(host.begin(), host.end(), host.begin(), [](unsigned char c) { return std::tolower(c); });
    for (const auto& entry : no_proxy) {
      std::string_view e = entry;
      if (!e.empty() && e.front() == '.') e.remove_prefix(1);
      if (host == e) return true;
      if (host.size() > e.size() && host.ends_with(e) && host[host.size() - e.size() - 1] == '.') return true;
    }
    return false;
  }
};

std::string env(const char* a, const char* b) {
  if (const char* v = std::getenv(a); v && *v) return v;
  if (const char* v = std::getenv(b); v && *v) return v;
  return {};
}

ProxyConfig make_proxy_config(const TransportOptions& options) {
  ProxyConfig p;
  std::string url = options.proxy;
  std::string no_proxy = options.no_proxy;
  if (url.empty() && options.proxy_from_environment) url = env("HTTPS_PROXY", "https_proxy");
  if (no_proxy.empty() && (options.proxy_from_environment || !options.proxy.empty())) {
    no_proxy = env("NO_PROXY", "no_proxy");
  }
  if (url.empty()) return p;
  if (url.find("://") == std::string::npos) url = "http://" + url;
  auto parsed = boost::urls::parse_uri(url);
  if (!parsed || parsed->scheme_id() != boost::urls::scheme::http || parsed->encoded_host().empty()) {
    throw boost::system::system_error(make_error_code(boost::system::errc::invalid_argument),
                                      "partnerkit: unsupported proxy URL (only http://host:port)");
  }
  p.enabled = true;
  p.host = parsed->host_type() == boost::urls::host_type::ipv6 ? parsed->host_ipv6_address().to_string()
                                                               : std::string(parsed->host());
  p.port = parsed->has_port() && !parsed->port().empty() ? std::string(parsed->port()) : "80";
  if (parsed->has_userinfo()) {
    std::string creds = parsed->user() + ":" + parsed->password();
    std::string encoded(4 * ((creds.size() + 2) / 3) + 1, '\0');
    const int n =
        EVP_EncodeBlock(reinterpret_cast<unsigned char*>(encoded.data()),
                        reinterpret_cast<const unsigned char*>(creds.data()), static_cast<int>(creds.size()));
    encoded.resize(static_cast<std::size_t>(std::max(n, 0)));
    p.authorization = "Basic " + encoded;
  }
  std::size_t pos = 0;
  while (pos <= no_proxy.size()) {
    std::size_t comma = no_proxy.find(',', pos);
    if (comma == std::string::npos) comma = no_proxy.size();
    std::string entry = no_proxy.substr(pos, comma - pos);
    entry.erase(0, entry.find_first_not_of(" \t"));
    entry.erase(entry.find_last_not_of(" \t") + 1);
    std::transform(entry.begin(), entry.end(), entry.begin(),
                   [](unsigned char c) { return std::tolower(c); });
    if (entry == "*") p.no_proxy_all = true;
    if (!entry.empty()) p.no_proxy.push_back(entry);
    pos = comma + 1;
  }
  return p;
}

// ---------------------------------------------------------------------------------------------
// A connection: one stream on its own strand. Owned by exactly one operation at a time, or by the
// pool while idle.

struct Connection {
  Connection(asio::any_io_executor strand_ex, ssl::context* ctx, std::string origin_key)
      : strand(std::move(strand_ex)), origin(std::move(origin_key)) {
    if (ctx) {
      tls.emplace(strand, *ctx);
    } else {
      plain.emplace(strand);
    }
  }

  tcp::socket& sock() { return tls ? tls->next_layer() : *plain; }

  // Closes the socket now: pending operations complete with operation_aborted.
  void close() {
    error_code ignored;
    sock().shutdown(tcp::socket::shutdown_both, ignored);
    sock().close(ignored);
  }

  // True if nothing has arrived on the idle connection: no close_notify, no FIN, no RST, no stray
  // bytes. A connection the server closed while it sat in the pool is detected here, before a byte
  // of the next request is written.
  bool alive() {
    if (!sock().is_open()) return false;
    if (buffer.size() != 0) return false;
    if (tls) {
      SSL* s = tls->native_handle();
      if (SSL_pending(s) > 0) return false;
      if (BIO* rbio = SSL_get_rbio(s); rbio && BIO_ctrl_pending(rbio) > 0) return false;
    }
    char byte;
    const auto n = ::recv(sock().native_handle(), &byte, 1, MSG_PEEK | MSG_DONTWAIT);
    return n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK);
  }

  asio::any_io_executor strand;
  std::string origin;
  // Plain asio::ssl::stream over a plain socket, not beast::ssl_stream over beast::tcp_stream:
  // requests are written as one contiguous buffer (Beast's flat_stream would only add a copy), and
  // the phase timeouts are one timer per phase (basic_stream arms and cancels a timer on every
  // read_some / write_some).
  std::optional<ssl::stream<tcp::socket>> tls;
  std::optional<tcp::socket> plain;
  beast::flat_buffer buffer;
  std::optional<asio::steady_timer> timer;  // the timeout of the phase in progress
  std::uint64_t timer_generation = 0;
  bool session_saved = false;
  Clock::time_point idle_since{};
};

using ConnectionPtr = std::shared_ptr<Connection>;

// Graceful close of a connection we will not reuse: TLS close_notify (bounded), then the socket.
void retire(ConnectionPtr c) {
  if (!c) return;
  if (!c->tls || !c->sock().is_open()) {
    asio::post(c->strand, [c] { c->close(); });
    return;
  }
  asio::post(c->strand, [c] {
    if (!c->timer) c->timer.emplace(c->strand);
    ++c->timer_generation;
    c->timer->expires_after(std::chrono::seconds(1));
    c->timer->async_wait([c](error_code ec) {
      if (!ec) c->close();
    });
    c->tls->async_shutdown([c](error_code) {
      c->timer->cancel();
      c->close();
    });
  });
}

class Op;

}  // namespace

// ---------------------------------------------------------------------------------------------
// Shared state: options, the TLS context, the pool. Operations hold it alive.

struct detail::BeastTransportState {
  BeastTransportState(Transport::executor_type ex, TransportOptions opts)
      : executor(std::move(ex)), options(std::move(opts)), ctx(ssl::context::tls_client) {
    if (options.max_connections_per_origin == 0) options.max_connections_per_origin = 1;
    SSL_CTX* native = ctx.native_handle();
    if (SSL_CTX_set_min_proto_version(native, TLS1_2_VERSION) != 1) {
      throw boost::system::system_error(
          error_code(static_cast<int>(::ERR_get_error()), asio::error::get_ssl_category()),
          "partnerkit: TLS 1.2 minimum");
    }
    ctx.set_options(ssl::context::default_workarounds | ssl::context::no_compression);
    ctx.set_verify_mode(ssl::verify_peer);
    if (options.use_default_verify_paths) ctx.set_default_verify_paths();
    if (!options.ca_file.empty()) ctx.load_verify_file(options.ca_file);
    if (!options.ca_pem.empty()) ctx.add_certificate_authority(asio::buffer(options.ca_pem));
    // OpenSSL 3.0 fills a certificate's extension cache (key identifiers, constraints) lazily, on
    // first use, and some readers look at it without the lock: two first handshakes at once race
    // on the shared trusted certificates (ThreadSanitizer sees it). Fill it now, single-threaded.
    if (X509_STORE* store = SSL_CTX_get_cert_store(native)) {
      STACK_OF(X509_OBJECT)* objects = X509_STORE_get0_objects(store);
      for (int i = 0; objects && i < sk_X509_OBJECT_num(objects); ++i) {
        if (X509* cert = X509_OBJECT_get0_X509(sk_X509_OBJECT_value(objects, i)))
          X509_check_purpose(cert, -1, 0);
      }
    }
    if (options.tls_session_resumption) {
      SSL_CTX_set_session_cache_mode(native, SSL_SESS_CACHE_CLIENT | SSL_SESS_CACHE_NO_INTERNAL_STORE);
    }
    proxy = make_proxy_config(options);
  }

  ~BeastTransportState() {
    for (auto& [key, origin] : origins) {
      if (origin.session) SSL_SESSION_free(origin.session);
      for (auto& c : origin.idle) c->close();
    }
  }

  struct Origin {
    std::vector<ConnectionPtr> idle;  // most recently used at the back
    std::size_t total = 0;            // idle + in use + connecting
    std::deque<std::shared_ptr<Op>> waiters;
    SSL_SESSION* session = nullptr;
    bool pioneer_active = false;          // a first full handshake is under way
    bool resumption_unavailable = false;  // the server gave no resumable session
    std::vector<std::shared_ptr<Op>> session_waiters;
  };

  // Parsed URLs, memoized (a client sends to a handful of URLs). Bounded; cleared when full.
  error_code target_for(const std::string& url, std::shared_ptr<const Target>& out) {
    {
      std::lock_guard lock(targets_mu);
      if (auto it = targets.find(url); it != targets.end()) {
        out = it->second;
        return {};
      }
    }
    auto t = std::make_shared<Target>();
    if (auto ec = parse_target(url, options, *t)) return ec;
    out = t;
    std::lock_guard lock(targets_mu);
    if (targets.size() >= 256) targets.clear();
    targets.emplace(url, std::move(t));
    return {};
  }
  std::mutex targets_mu;
  std::unordered_map<std::string, std::shared_ptr<const Target>> targets;

  enum class SessionPlan { use, pioneer, wait };
  SessionPlan session_or_wait(const std::string& key, const std::shared_ptr<Op>& op);
  void pioneer_done(const std::string& key, bool may_retry);
  void remove_session_waiter(const std::string& key, const Op* op);

  struct Checkout {
    ConnectionPtr idle;     // a pooled connection to reuse
    bool new_slot = false;  // open a new connection
    bool queued = false;    // wait for release()
  };

  Checkout checkout(const std::string& key, const std::shared_ptr<Op>& op);
  void release(ConnectionPtr c, bool reusable);
  bool remove_waiter(const std::string& key, const Op* op);
  void close_idle();

  // Every connection gets its own strand. Over an io_context executor the strand is concrete
  // (one level of type erasure instead of two on every handler).
  asio::any_io_executor make_strand() const {
    if (const auto* io = executor.target<asio::io_context::executor_type>()) return asio::make_strand(*io);
    return asio::make_strand(executor);
  }

  SSL_SESSION* get_session(const std::string& key) {
    std::lock_guard lock(mu);
    auto it = origins.find(key);
    if (it == origins.end() || !it->second.session) return nullptr;
    SSL_SESSION_up_ref(it->second.session);
    return it->second.session;
  }
  void put_session(const std::string& key, SSL_SESSION* s) {
    std::lock_guard lock(mu);
    auto& o = origins[key];
    if (o.session) SSL_SESSION_free(o.session);
    o.session = s;
  }

  Transport::executor_type executor;
  TransportOptions options;
  ssl::context ctx;
  ProxyConfig proxy;

  std::mutex mu;
  std::unordered_map<std::string, Origin> origins;

  std::atomic<std::uint64_t> requests{0};
  std::atomic<std::uint64_t> opened{0};
  std::atomic<std::uint64_t> reused{0};
  std::atomic<std::uint64_t> stale{0};
  std::atomic<std::uint64_t> resumed{0};
};

namespace {

using State = detail::BeastTransportState;

// ---------------------------------------------------------------------------------------------
// One async_send. Runs on its connection's strand once it has one; the cancellation / deadline
// paths reach it from any thread through request_abort (mutex-guarded) and a post to the strand.

class Op : public std::enable_shared_from_this<Op> {
 public:
  Op(std::shared_ptr<State> st, std::shared_ptr<const Target> t, Wire req, Transport::send_handler h,
     asio::any_completion_executor work)
      : st_(std::move(st)),
        target_(std::move(t)),
        t_(*target_),
        req_(std::move(req)),
        handler_(std::move(h)),
        work_(std::move(work)) {
    use_proxy_ = t_.tls && !st_->proxy.bypass(t_);
  }

  const std::string& origin() const { return t_.origin; }
  Transport::send_handler& handler() { return handler_; }

  void arm_deadline(std::chrono::milliseconds d) {
    deadline_.emplace(st_->executor);
    deadline_->expires_after(d);
    deadline_->async_wait([weak = weak_from_this()](error_code ec) {
      if (ec) return;
      if (auto self = weak.lock()) self->request_abort(beast::error::timeout);
    });
  }

  // Called once from async_send, and again from release() when a queued op gets its turn.
  void acquire() {
    for (;;) {
      auto co = st_->checkout(t_.origin, shared_from_this());
      if (co.queued) return;
      if (co.idle) {
        if (!co.idle->alive()) {
          // Closed by the peer while idle: nothing of this request was written, so use the same
          // pool slot for a fresh connection.
          st_->stale.fetch_add(1, std::memory_order_relaxed);
          co.idle->close();
          attach(make_connection(), false);
          return;
        }
        attach(std::move(co.idle), true);
        return;
      }
      attach(make_connection(), false);
      return;
    }
  }

  // A connection (pooled or new) for this op: continue on its strand.
  void attach(ConnectionPtr c, bool reused) {
    {
      std::lock_guard lock(mu_);
      conn_ = std::move(c);
      reused_ = reused;
      strand_ = conn_->strand;
      has_strand_ = true;
    }
    // dispatch: when the releasing op's strand is this one (a handler sending its next request on
    // the connection just released), the request goes out without another trip through the queue.
    asio::dispatch(strand_, [self = shared_from_this()] { self->run(); });
  }

  void attach_new() { attach(make_connection(), false); }

  // Any thread: the cancellation slot or the total deadline fired.
  void request_abort(error_code reason) {
    if (st_->remove_waiter(t_.origin, this)) {
      {
        std::lock_guard lock(mu_);
        abort_ = reason;
        aborting_.store(true, std::memory_order_release);
      }
      complete(reason, /*post_only=*/true);
      return;
    }
    std::lock_guard lock(mu_);
    if (finished() || aborting_.load(std::memory_order_relaxed)) return;
    abort_ = reason;
    aborting_.store(true, std::memory_order_release);
    if (has_strand_) asio::post(strand_, [self = shared_from_this()] { self->abort_now(); });
  }

 private:
  ConnectionPtr make_connection() {
    return std::make_shared<Connection>(st_->make_strand(), t_.tls ? &st_->ctx : nullptr, t_.origin);
  }

  error_code abort_reason() {
    if (!aborting_.load(std::memory_order_acquire)) return {};
    std::lock_guard lock(mu_);
    return abort_;
  }

  bool finished() const { return finished_.load(std::memory_order_acquire); }

  // On the strand.
  void abort_now() {
    if (finished()) return;
    if (resolving_ || waiting_session_) {
      fail(abort_reason());
      return;
    }
    if (conn_) conn_->close();  // pending I/O completes with an error; its handler calls fail()
  }

  void run() {
    if (auto reason = abort_reason()) return fail(reason);
    if (reused_) {
      st_->reused.fetch_add(1, std::memory_order_relaxed);
      return write_request();
    }
    connect();
  }

  // --- connecting -------------------------------------------------------------------------

  void connect() {
    const std::string& host = use_proxy_ ? st_->proxy.host : t_.host;
    const std::string& port = use_proxy_ ? st_->proxy.port : t_.port;
    error_code ec;
    auto address = asio::ip::make_address(host, ec);
    if (!ec) {
      auto p = static_cast<unsigned short>(std::stoul(port));
      endpoints_.assign(1, tcp::endpoint(address, p));
      return connect_endpoints();
    }
    resolving_ = true;
    resolver_.emplace(strand_);
    resolve_timer_.emplace(strand_);
    resolve_timer_->expires_after(st_->options.connect_timeout);
    resolve_timer_->async_wait([self = shared_from_this()](error_code e) {
      if (e || !self->resolving_ || self->finished()) return;
      // getaddrinfo cannot be interrupted: abandon the lookup, its result will be ignored.
      self->fail(beast::error::timeout);
    });
    resolver_->async_resolve(
        host, port, [self = shared_from_this()](error_code e, tcp::resolver::results_type r) {
          if (!self->resolving_ || self->finished()) return;
          self->resolving_ = false;
          self->resolve_timer_->cancel();
          if (e) return self->fail(e);
          self->endpoints_.assign(r.begin(), r.end());
          if (!self->t_.tls && !self->use_proxy_) {
            // Plain http is only for loopback: a name must resolve to loopback addresses only.
            std::erase_if(self->endpoints_,
                          [](const tcp::endpoint& ep) { return !ep.address().is_loopback(); });
            if (self->endpoints_.empty())
              return self->fail(make_error_code(boost::system::errc::protocol_not_supported));
          }
          self->connect_endpoints();
        });
  }

  void connect_endpoints() {
    arm_timer(st_->options.connect_timeout);  // also covers the proxy's CONNECT exchange
    asio::async_connect(conn_->sock(), endpoints_,
                        [self = shared_from_this()](error_code ec, const tcp::endpoint&) {
                          if (self->finished()) return;
                          if (ec) return self->fail(ec);
                          error_code ignored;
                          self->conn_->sock().set_option(tcp::no_delay(true), ignored);
                          if (self->use_proxy_) return self->proxy_connect();
                          if (self->t_.tls) return self->handshake();
                          self->st_->opened.fetch_add(1, std::memory_order_relaxed);
                          self->write_request();
                        });
  }

  void proxy_connect() {
    const std::string authority =
        (t_.host.find(':') != std::string::npos ? "[" + t_.host + "]" : t_.host) + ":" + t_.port;
    proxy_req_.emplace(http::verb::connect, authority, 11);
    proxy_req_->set(http::field::host, authority);
    proxy_req_->set(http::field::user_agent, st_->options.user_agent);
    if (!st_->proxy.authorization.empty()) {
      proxy_req_->set(http::field::proxy_authorization, st_->proxy.authorization);
    }
    http::async_write(conn_->sock(), *proxy_req_, [self = shared_from_this()](error_code ec, std::size_t) {
      if (self->finished()) return;
      if (ec) return self->fail(ec);
      self->proxy_res_.emplace();
      self->proxy_res_->skip(true);  // a CONNECT answer has no body
      self->proxy_res_->header_limit(static_cast<std::uint32_t>(self->st_->options.max_header_bytes));
      http::async_read(self->conn_->sock(), self->conn_->buffer, *self->proxy_res_,
                       [self](error_code ec2, std::size_t) {
                         if (self->finished()) return;
                         if (ec2) return self->fail(ec2);
                         const auto status = self->proxy_res_->get().result_int();
                         if (status / 100 != 2 || self->conn_->buffer.size() != 0) {
                           return self->fail(asio::error::connection_refused);
                         }
                         self->handshake();
                       });
    });
  }

  void handshake() {
    if (st_->options.tls_session_resumption && st_->options.tls_resume_wait.count() > 0 && !resume_checked_) {
      resume_checked_ = true;
      switch (st_->session_or_wait(t_.origin, shared_from_this())) {
        case State::SessionPlan::pioneer:
          pioneer_ = true;
          break;
        case State::SessionPlan::wait:
          return wait_for_session();
        case State::SessionPlan::use:
          break;
      }
    }
    auto& stream = *conn_->tls;
    SSL* ssl_handle = stream.native_handle();
    if (!t_.host_is_ip) {
      // SNI, and OpenSSL's own host check (reports X509_V_ERR_HOSTNAME_MISMATCH) …
      if (!SSL_set_tlsext_host_name(ssl_handle, t_.host.c_str()) ||
          SSL_set1_host(ssl_handle, t_.host.c_str()) != 1) {
        return fail(error_code(static_cast<int>(::ERR_get_error()), asio::error::get_ssl_category()));
      }
    } else if (X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(ssl_handle), t_.host.c_str()) != 1) {
      return fail(error_code(static_cast<int>(::ERR_get_error()), asio::error::get_ssl_category()));
    }
    // … and Asio's RFC 6125 check of the leaf, belt and braces.
    stream.set_verify_mode(ssl::verify_peer);
    stream.set_verify_callback(ssl::host_name_verification(t_.host));
    if (st_->options.tls_session_resumption) {
      if (SSL_SESSION* s = st_->get_session(t_.origin)) {
        SSL_set_session(ssl_handle, s);
        SSL_SESSION_free(s);
      }
    }
    arm_timer(st_->options.tls_timeout);
    stream.async_handshake(ssl::stream_base::client, [self = shared_from_this()](error_code ec) {
      if (self->finished()) return;
      if (ec) return self->fail(ec);
      self->st_->opened.fetch_add(1, std::memory_order_relaxed);
      if (SSL_session_reused(self->conn_->tls->native_handle())) {
        self->st_->resumed.fetch_add(1, std::memory_order_relaxed);
      }
      self->save_session(false);  // TLS 1.2: the session is resumable now; TLS 1.3: after the first read
      self->write_request();
    });
  }

  // Ramp-up: another connection to this origin is doing the first full handshake; resume its
  // session instead of paying for certificate parsing and verification again. Bounded by
  // tls_resume_wait, after which this connection does a full handshake of its own.
  void wait_for_session() {
    waiting_session_ = true;
    if (!conn_->timer) conn_->timer.emplace(conn_->strand);
    ++conn_->timer_generation;
    conn_->timer->expires_after(st_->options.tls_resume_wait);
    conn_->timer->async_wait([self = shared_from_this()](error_code ec) {
      if (ec || !self->waiting_session_ || self->finished()) return;
      self->waiting_session_ = false;
      self->st_->remove_session_waiter(self->t_.origin, self.get());
      self->handshake();
    });
  }

 public:
  // From the pioneer (any strand): a session is available, or will not be.
  void session_ready() {
    asio::dispatch(strand_, [self = shared_from_this()] {
      if (!self->waiting_session_ || self->finished()) return;
      self->waiting_session_ = false;
      self->conn_->timer->cancel();
      self->handshake();
    });
  }

 private:
  // Publishes this connection's session for resumption (once per connection).
  void save_session(bool last_try) {
    if (!conn_->tls || !st_->options.tls_session_resumption || conn_->session_saved) return;
    if (last_try) conn_->session_saved = true;  // tried after the first exchange: never again
    SSL_SESSION* s = SSL_get1_session(conn_->tls->native_handle());
    if (!s) return;
    if (!SSL_SESSION_is_resumable(s)) {
      SSL_SESSION_free(s);
      return;
    }
    conn_->session_saved = true;
    st_->put_session(t_.origin, s);
    if (pioneer_) {
      pioneer_ = false;
      st_->pioneer_done(t_.origin, true);
    }
  }

  // --- the exchange -----------------------------------------------------------------------

  // One timer per phase (connect, TLS, request): when it fires, the connection is closed, the
  // pending operation fails, and fail() reports beast::error::timeout. Re-arming cancels the
  // previous phase's wait; the generation guards against a wait that fired just as its phase ended.
  void arm_timer(std::chrono::milliseconds d) {
    if (!conn_->timer) conn_->timer.emplace(conn_->strand);
    const auto generation = ++conn_->timer_generation;
    conn_->timer->expires_after(d);
    conn_->timer->async_wait([self = shared_from_this(), generation](error_code ec) {
      if (ec || self->finished() || !self->conn_ || self->conn_->timer_generation != generation) return;
      self->timed_out_ = true;
      self->conn_->close();  // the pending operation completes with an error → fail(timeout)
    });
  }

  template <class Stream>
  void exchange(Stream& stream) {
    arm_timer(st_->options.request_timeout);
    request_written_ = true;
    st_->requests.fetch_add(1, std::memory_order_relaxed);
    asio::async_write(
        stream, asio::buffer(req_.bytes), [self = shared_from_this(), &stream](error_code ec, std::size_t) {
          if (self->finished()) return;
          if (ec) return self->fail(ec);
          auto& p = self->parser_.emplace(self->result_.response, self->st_->options.max_body_bytes);
          p.body_limit(self->st_->options.max_body_bytes);
          p.header_limit(static_cast<std::uint32_t>(std::min<std::size_t>(
              self->st_->options.max_header_bytes, std::numeric_limits<std::uint32_t>::max())));
          if (self->req_.head) p.skip(true);
          http::async_read(stream, self->conn_->buffer, p, [self](error_code ec2, std::size_t) {
            if (self->finished()) return;
            auto& parser = *self->parser_;
            if (ec2 == ssl::error::stream_truncated && parser.is_header_done() && parser.need_eof()) {
              // A body delimited by the end of the connection, closed without close_notify: the
              // message is complete as far as HTTP can tell.
              error_code eof_ec;
              parser.put_eof(eof_ec);
              if (!eof_ec && parser.is_done()) ec2 = {};
            }
            if (ec2) return self->fail(ec2);
            self->conn_->timer->cancel();
            self->succeed();
          });
        });
  }

  void write_request() {
    if (auto reason = abort_reason()) return fail(reason);
    if (conn_->tls) {
      exchange(*conn_->tls);
    } else {
      exchange(*conn_->plain);
    }
  }

  void succeed() {
    auto& parser = *parser_;
    const bool reusable = st_->options.max_idle_per_origin > 0 && parser.keep_alive() && !parser.need_eof() &&
                          !req_.close && conn_->buffer.size() == 0;
    save_session(true);  // after a read, TLS 1.3 session tickets have arrived too
    if (pioneer_) {
      pioneer_ = false;
      st_->pioneer_done(t_.origin, false);  // the server offers no resumable session
    }
    parser_.reset();  // the response is in result_ already
    ConnectionPtr c = std::move(conn_);
    st_->release(std::move(c), reusable);
    complete({}, false);
  }

  void fail(error_code ec) {
    if (pioneer_) {
      pioneer_ = false;
      st_->pioneer_done(t_.origin, true);  // no session, but try again with the next connection
    }
    if (waiting_session_) {
      waiting_session_ = false;
      st_->remove_session_waiter(t_.origin, this);
    }
    if (auto reason = abort_reason()) {
      ec = reason;
    } else if (timed_out_) {
      ec = beast::error::timeout;
    }
    resolving_ = false;
    if (resolve_timer_) resolve_timer_->cancel();
    result_.response = {};  // nothing of a partial answer
    if (conn_) {
      if (conn_->timer) conn_->timer->cancel();
      conn_->close();
      ConnectionPtr c = std::move(conn_);
      st_->release(std::move(c), false);
    }
    complete(ec, false);
  }

  void complete(error_code ec, bool post_only) {
    if (finished_.exchange(true, std::memory_order_acq_rel)) return;
    result_.request_written = request_written_;
    if (deadline_) deadline_->cancel();
    auto fn = [h = std::move(handler_), ec, r = std::move(result_)]() mutable {
      auto slot = asio::get_associated_cancellation_slot(h);
      if (slot.is_connected()) slot.clear();
      std::move(h)(ec, std::move(r));
    };
    if (post_only) {
      asio::post(st_->executor, asio::bind_executor(work_, std::move(fn)));
    } else {
      asio::dispatch(work_, std::move(fn));
    }
  }

  std::shared_ptr<State> st_;
  std::shared_ptr<const Target> target_;
  const Target& t_;
  Wire req_;
  Transport::send_handler handler_;
  asio::any_completion_executor work_;  // the handler's executor, with outstanding work tracked
  bool use_proxy_ = false;

  // Strand-only state.
  ConnectionPtr conn_;
  bool reused_ = false;
  bool resolving_ = false;
  std::vector<tcp::endpoint> endpoints_;
  std::optional<tcp::resolver> resolver_;
  std::optional<asio::steady_timer> resolve_timer_;
  std::optional<http::request<http::empty_body>> proxy_req_;
  std::optional<http::response_parser<http::empty_body>> proxy_res_;
  std::optional<ResponseParser> parser_;
  SendResult result_;
  std::optional<asio::steady_timer> deadline_;

  bool timed_out_ = false;
  bool resume_checked_ = false;
  bool pioneer_ = false;
  bool waiting_session_ = false;
  bool request_written_ = false;  // strand-only (false while queued, where request_abort reads it)

  // Shared with request_abort (any thread).
  std::mutex mu_;
  asio::any_io_executor strand_;  // guarded by mu_
  bool has_strand_ = false;       // guarded by mu_
  error_code abort_;              // guarded by mu_, published by aborting_
  std::atomic<bool> aborting_{false};
  std::atomic<bool> finished_{false};
};

struct CancelHandler {
  std::weak_ptr<Op> op;
  void operator()(asio::cancellation_type type) const {
    if ((type & (asio::cancellation_type::terminal | asio::cancellation_type::partial |
                 asio::cancellation_type::total)) == asio::cancellation_type::none) {
      return;
    }
    if (auto self = op.lock()) self->request_abort(asio::error::operation_aborted);
  }
};

}  // namespace

// ---------------------------------------------------------------------------------------------
// The pool

detail::BeastTransportState::Checkout detail::BeastTransportState::checkout(const std::string& key,
                                                                            const std::shared_ptr<Op>& op) {
  std::vector<ConnectionPtr> expired;
  Checkout out;
  {
    std::lock_guard lock(mu);
    auto& o = origins[key];
    const auto now = Clock::now();
    // Oldest first: drop what has been idle too long.
    auto keep = std::find_if(o.idle.begin(), o.idle.end(), [&](const ConnectionPtr& c) {
      return now - c->idle_since < options.idle_timeout;
    });
    for (auto it = o.idle.begin(); it != keep; ++it) expired.push_back(std::move(*it));
    o.idle.erase(o.idle.begin(), keep);
    o.total -= expired.size();
    if (!o.idle.empty()) {
      out.idle = std::move(o.idle.back());
      o.idle.pop_back();
    } else if (o.total < options.max_connections_per_origin) {
      ++o.total;
      out.new_slot = true;
    } else {
      o.waiters.push_back(op);
      out.queued = true;
    }
  }
  for (auto& c : expired) retire(std::move(c));
  return out;
}

void detail::BeastTransportState::release(ConnectionPtr c, bool reusable) {
  std::shared_ptr<Op> waiter;
  ConnectionPtr for_waiter;
  bool waiter_new = false;
  {
    std::lock_guard lock(mu);
    auto& o = origins[c->origin];
    if (reusable && !o.waiters.empty()) {
      waiter = std::move(o.waiters.front());
      o.waiters.pop_front();
      for_waiter = std::move(c);
    } else if (reusable && o.idle.size() < options.max_idle_per_origin) {
      c->idle_since = Clock::now();
      o.idle.push_back(std::move(c));
    } else {
      --o.total;
      if (!o.waiters.empty() && o.total < options.max_connections_per_origin) {
        ++o.total;
        waiter = std::move(o.waiters.front());
        o.waiters.pop_front();
        waiter_new = true;
      }
    }
  }
  if (c) retire(std::move(c));
  if (waiter) {
    if (waiter_new) {
      waiter->attach_new();
    } else {
      waiter->attach(std::move(for_waiter), true);
    }
  }
}

detail::BeastTransportState::SessionPlan detail::BeastTransportState::session_or_wait(
    const std::string& key, const std::shared_ptr<Op>& op) {
  std::lock_guard lock(mu);
  auto& o = origins[key];
  if (o.session || o.resumption_unavailable) return SessionPlan::use;
  if (!o.pioneer_active) {
    o.pioneer_active = true;
    return SessionPlan::pioneer;
  }
  o.session_waiters.push_back(op);
  return SessionPlan::wait;
}

void detail::BeastTransportState::pioneer_done(const std::string& key, bool may_retry) {
  std::vector<std::shared_ptr<Op>> waiters;
  {
    std::lock_guard lock(mu);
    auto& o = origins[key];
    o.pioneer_active = false;
    if (!o.session && !may_retry) o.resumption_unavailable = true;
    waiters.swap(o.session_waiters);
  }
  for (auto& w : waiters) w->session_ready();
}

void detail::BeastTransportState::remove_session_waiter(const std::string& key, const Op* op) {
  std::lock_guard lock(mu);
  auto it = origins.find(key);
  if (it == origins.end()) return;
  std::erase_if(it->second.session_waiters, [op](const std::shared_ptr<Op>& p) { return p.get() == op; });
}

bool detail::BeastTransportState::remove_waiter(const std::string& key, const Op* op) {
  std::lock_guard lock(mu);
  auto it = origins.find(key);
  if (it == origins.end()) return false;
  auto& w = it->second.waiters;
  auto pos = std::find_if(w.begin(), w.end(), [op](const std::shared_ptr<Op>& p) { return p.get() == op; });
  if (pos == w.end()) return false;
  w.erase(pos);
  return true;
}

void detail::BeastTransportState::close_idle() {
  std::vector<ConnectionPtr> closing;
  {
    std::lock_guard lock(mu);
    for (auto& [key, o] : origins) {
      o.total -= o.idle.size();
      for (auto& c : o.idle) closing.push_back(std::move(c));
      o.idle.clear();
    }
  }
  for (auto& c : closing) retire(std::move(c));
}

// ---------------------------------------------------------------------------------------------

BeastTransport::BeastTransport(executor_type executor, TransportOptions options)
    : state_(std::make_shared<State>(std::move(executor), std::move(options))) {}

BeastTransport::~BeastTransport() {
  std::vector<ConnectionPtr> closing;
  {
    std::lock_guard lock(state_->mu);
    for (auto& [key, o] : state_->origins) {
      o.total -= o.idle.size();
      for (auto& c : o.idle) closing.push_back(std::move(c));
      o.idle.clear();
    }
  }
  // No graceful shutdown here: the io_context may be gone already.
  for (auto& c : closing) c->close();
}

Transport::executor_type BeastTransport::get_executor() const { return state_->executor; }

const TransportOptions& BeastTransport::options() const noexcept { return state_->options; }

TransportStats BeastTransport::stats() const noexcept {
  TransportStats s;
  s.requests = state_->requests.load(std::memory_order_relaxed);
  s.connections_opened = state_->opened.load(std::memory_order_relaxed);
  s.connections_reused = state_->reused.load(std::memory_order_relaxed);
  s.stale_discarded = state_->stale.load(std::memory_order_relaxed);
  s.tls_sessions_resumed = state_->resumed.load(std::memory_order_relaxed);
  std::lock_guard lock(state_->mu);
  for (const auto& [key, o] : state_->origins) s.idle_connections += o.idle.size();
  return s;
}

void BeastTransport::close_idle() { state_->close_idle(); }

void BeastTransport::async_send(HttpRequest request, send_handler handler) {
  auto work = asio::prefer(asio::get_associated_executor(handler, state_->executor),
                           asio::execution::outstanding_work.tracked);
  auto reject = [&](error_code ec) {
    asio::post(state_->executor, asio::bind_executor(work, [h = std::move(handler), ec]() mutable {
                 std::move(h)(ec, SendResult{});
               }));
  };

  std::shared_ptr<const Target> target_ptr;
  if (auto ec = state_->target_for(request.url, target_ptr)) return reject(ec);
  const Target& target = *target_ptr;

  // The request is serialized here, once, into one buffer: written with a single TLS record and no
  // Beast serializer (cheaper than http::request + http::async_write on the hot path).
  const auto& method = request.method;
  if (method.empty() ||
      !std::all_of(method.begin(), method.end(), [](unsigned char c) { return is_token_char(c); })) {
    return reject(make_error_code(boost::system::errc::invalid_argument));
  }
  Wire wire;
  wire.head = method == "HEAD";
  std::string& out = wire.bytes;
  out.reserve(128 + target.target.size() + request.body.size() + 64 * request.headers.size());
  out.append(method)
      .append(" ")
      .append(target.target)
      .append(" HTTP/1.1\r\nHost: ")
      .append(target.host_header);
  out.append("\r\n");
  bool has_user_agent = false;
  for (const auto& [name, value] : request.headers) {
    if (!valid_header(name, value)) return reject(make_error_code(boost::system::errc::invalid_argument));
    if (iequals(name, "host") || iequals(name, "content-length") || iequals(name, "transfer-encoding"))
      continue;
    if (iequals(name, "user-agent")) has_user_agent = true;
    if (iequals(name, "connection") && has_close_token(value)) wire.close = true;
    out.append(name).append(": ").append(value).append("\r\n");
  }
  if (!has_user_agent && !state_->options.user_agent.empty()) {
    out.append("User-Agent: ").append(state_->options.user_agent).append("\r\n");
  }
  if (!request.body.empty() || method == "POST" || method == "PUT" || method == "PATCH") {
    out.append("Content-Length: ").append(std::to_string(request.body.size())).append("\r\n");
  }
  out.append("\r\n").append(request.body);

  auto op = std::make_shared<Op>(state_, std::move(target_ptr), std::move(wire), std::move(handler),
                                 std::move(work));
  auto slot = asio::get_associated_cancellation_slot(op->handler());
  if (slot.is_connected()) slot.template emplace<CancelHandler>(CancelHandler{op});
  if (state_->options.total_timeout.count() > 0) op->arm_deadline(state_->options.total_timeout);
  op->acquire();
}

}  // namespace partnerkit
