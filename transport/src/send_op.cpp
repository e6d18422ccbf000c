#include "detail/send_op.hpp"

#include <partnerkit/transport_errors.hpp>

#include <boost/asio/associated_cancellation_slot.hpp>
#include <boost/asio/bind_executor.hpp>
#include <boost/asio/connect.hpp>
#include <boost/asio/dispatch.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/ssl/error.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/http/error.hpp>

#include <algorithm>
#include <charconv>
#include <string_view>

namespace partnerkit::detail {
namespace asio = boost::asio;
namespace http = boost::beast::http;
namespace ssl = asio::ssl;
using tcp = asio::ip::tcp;
using error_code = boost::system::error_code;

SendOp::SendOp(std::shared_ptr<BeastTransportState> st, std::shared_ptr<const Target> t, OriginState& origin,
               Wire req, Transport::send_handler h, asio::any_completion_executor work)
    : st_(std::move(st)),
      target_(std::move(t)),
      t_(*target_),
      origin_(origin),
      req_(std::move(req)),
      handler_(std::move(h)),
      work_(std::move(work)) {
  use_proxy_ = t_.tls && !st_->proxy.bypass(t_);
  request_deadline_.owner = this;
}

// An exchange whose handlers were destroyed unrun (the io_context went away) never ended.
SendOp::~SendOp() { end_exchange(); }

void SendOp::arm_deadline(std::chrono::milliseconds d) {
  deadline_.emplace(st_->executor);
  deadline_at_ = std::chrono::steady_clock::now() + d;
  deadline_->expires_at(*deadline_at_);
  deadline_->async_wait([weak = weak_from_this()](error_code ec) {
    if (ec) return;
    if (auto self = weak.lock()) self->request_deadline();
  });
}

void SendOp::request_deadline() {
  // The total timeout reports the phase it interrupted.
  switch (phase_.load(std::memory_order_relaxed)) {
    case Phase::queued:
      return request_abort(transport_error::pool_wait_timeout);
    case Phase::resolving:
      return request_abort(transport_error::resolve_timeout);
    case Phase::connecting:
      return request_abort(transport_error::connect_timeout);
    case Phase::handshake:
      return request_abort(transport_error::tls_handshake_timeout);
    case Phase::exchange:
      return request_abort(transport_error::request_timeout);
  }
}

namespace {

// The op whose async_send is running on this thread. Its handler must not run inside that call, so
// a completion that happens there (a write to a pooled connection failing at once) is posted.
thread_local const SendOp* initiating = nullptr;

struct Initiating {
  explicit Initiating(const SendOp* op) : previous(initiating) { initiating = op; }
  ~Initiating() { initiating = previous; }
  Initiating(const Initiating&) = delete;
  Initiating& operator=(const Initiating&) = delete;
  const SendOp* previous;
};

}  // namespace

void SendOp::acquire() {
  const Initiating guard(this);
  auto co = st_->checkout(origin_, shared_from_this());
  if (co.queued) return;
  if (co.idle) {
    // A TLS connection is checked as its first read starts, just before the write (exchange_tls).
    if (!co.idle->tls && !co.idle->alive()) {
      // Closed by the peer while idle: nothing of this request was written, so use the same pool
      // slot for a fresh connection.
      st_->stale.fetch_add(1, std::memory_order_relaxed);
      co.idle->close();
      return attach_new();
    }
    return attach(std::move(co.idle), true);
  }
  attach_new();
}

void SendOp::attach(ConnectionPtr c, bool reused) {
  {
    std::lock_guard lock(mu_);
    conn_ = std::move(c);
    reused_ = reused;
    strand_ = conn_->strand;
    has_strand_ = true;
  }
  // Already on the connection's strand, or on the io_context's thread of a single_threaded
  // transport (no strands): the request goes out at once, as dispatch would run it, without the
  // type-erased executor's copy and boxed function.
  if (const auto* s = strand_.target<IoStrand>(); s && s->running_in_this_thread()) return run();
  if (const auto* io = strand_.target<asio::io_context::executor_type>(); io && io->running_in_this_thread())
    return run();
  asio::dispatch(strand_, [self = shared_from_this()] { self->run(); });
}

void SendOp::attach_new() { attach(st_->make_connection(t_, origin_), false); }

void SendOp::request_abort(error_code reason) {
  if (st_->remove_waiter(origin_, this)) {
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

error_code SendOp::abort_reason() {
  if (!aborting_.load(std::memory_order_acquire)) return {};
  std::lock_guard lock(mu_);
  return abort_;
}

void SendOp::abort_now() {
  if (finished()) return;
  if (resolving_ || waiting_session_) return fail(abort_reason());
  if (conn_) conn_->close();  // pending I/O completes with an error; its handler calls fail()
}

void SendOp::run() {
  if (auto reason = abort_reason()) return fail(reason);
  if (phase_.load(std::memory_order_relaxed) == Phase::queued && deadline_at_ &&
      *deadline_at_ <= std::chrono::steady_clock::now()) {
    // Handed a connection after its deadline passed but before the timer's handler ran (the op
    // that released it timed out a moment earlier): it never got past the pool. A pooled
    // connection goes back unused; a new slot is given up by fail().
    if (reused_ && conn_) st_->release(std::move(conn_), true);
    return fail(transport_error::pool_wait_timeout);
  }
  if (reused_) {
    if (!conn_->tls) st_->reused.fetch_add(1, std::memory_order_relaxed);  // TLS: once checked
    return write_request();
  }
  connect();
}

// --- connecting -----------------------------------------------------------------------------

void SendOp::connect() {
  const std::string& host = use_proxy_ ? st_->proxy.host : t_.host;
  const std::string& port = use_proxy_ ? st_->proxy.port : t_.port;
  error_code ec;
  auto address = asio::ip::make_address(host, ec);
  if (!ec) {
    // Both ports were checked to be 1-65535 when parsed (target.cpp, proxy.cpp).
    unsigned short p = 0;
    std::from_chars(port.data(), port.data() + port.size(), p);
    endpoints_.assign(1, tcp::endpoint(address, p));
    return connect_endpoints();
  }
  enter(Phase::resolving);
  resolving_ = true;
  resolver_.emplace(strand_);
  resolve_timer_.emplace(strand_);
  resolve_timer_->expires_after(st_->options.connect_timeout);
  resolve_timer_->async_wait([self = shared_from_this()](error_code e) {
    if (e || !self->resolving_ || self->finished()) return;
    // getaddrinfo cannot be interrupted: abandon the lookup, its result will be ignored.
    self->fail(transport_error::resolve_timeout);
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
          if (self->endpoints_.empty()) return self->fail(transport_error::scheme_refused);
        }
        self->connect_endpoints();
      });
}

void SendOp::connect_endpoints() {
  enter(Phase::connecting);
  arm_timer(st_->options.connect_timeout, transport_error::connect_timeout);  // + the proxy's CONNECT
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

void SendOp::proxy_connect() {
  proxy_req_ = connect_request(st_->proxy, t_, st_->options.user_agent);
  asio::async_write(
      conn_->sock(), asio::buffer(proxy_req_), [self = shared_from_this()](error_code ec, std::size_t) {
        if (self->finished()) return;
        if (ec) return self->fail(ec);
        self->in_proxy_ = true;
        self->reader_.emplace(self->proxy_res_, self->st_->response_limits, /*head_request=*/true);
        self->pump(self->conn_->sock());
      });
}

void SendOp::handshake() {
  enter(Phase::handshake);
  if (st_->options.tls_session_resumption && st_->options.tls_resume_wait.count() > 0 && !resume_checked_) {
    resume_checked_ = true;
    switch (st_->session_or_wait(origin_, shared_from_this())) {
      case BeastTransportState::SessionPlan::pioneer:
        pioneer_ = true;
        break;
      case BeastTransportState::SessionPlan::wait:
        return wait_for_session();
      case BeastTransportState::SessionPlan::use:
        break;
    }
  }
  SSL_SESSION* resume = st_->options.tls_session_resumption ? st_->get_session(origin_) : nullptr;
  if (auto ec = conn_->tls->attach()) {
    if (resume) SSL_SESSION_free(resume);
    return fail(ec);
  }
  if (auto ec = prepare_tls_stream(*conn_->tls, t_, resume)) return fail(ec);
  arm_timer(st_->options.tls_timeout, transport_error::tls_handshake_timeout);
  handshake_step();
}

// The socket is ready for what OpenSSL wants: `next` again (an error fails the exchange).
void SendOp::when_ready(TlsSocket::Want want, void (SendOp::*next)()) {
  conn_->tls->async_wait(want, [self = shared_from_this(), next](error_code e) {
    if (self->finished()) return;
    if (e) return self->fail(e);
    ((*self).*next)();
  });
}

void SendOp::handshake_step() {
  error_code ec;
  const auto want = conn_->tls->handshake(ec);
  if (ec) return fail(ec);
  if (want != TlsSocket::Want::nothing) return when_ready(want, &SendOp::handshake_step);
  st_->opened.fetch_add(1, std::memory_order_relaxed);
  if (SSL_session_reused(conn_->tls->native_handle())) st_->resumed.fetch_add(1, std::memory_order_relaxed);
  save_session(false);  // TLS 1.2: the session is resumable now; TLS 1.3: after the first read
  write_request();
}

// Ramp-up: another connection to this origin is doing the first full handshake; resume its session
// instead of paying for certificate parsing and verification again. Bounded by tls_resume_wait,
// after which this connection does a full handshake of its own.
void SendOp::wait_for_session() {
  waiting_session_ = true;
  if (!conn_->timer) conn_->timer.emplace(conn_->strand);
  ++conn_->timer_generation;
  conn_->phase_timer_armed = false;  // this wait replaces the connect phase's (bounded itself)
  conn_->timer->expires_after(st_->options.tls_resume_wait);
  conn_->timer->async_wait([self = shared_from_this()](error_code ec) {
    if (ec || !self->waiting_session_ || self->finished()) return;
    self->waiting_session_ = false;
    self->st_->remove_session_waiter(self->origin_, self.get());
    self->handshake();
  });
}

void SendOp::session_ready() {
  asio::dispatch(strand_, [self = shared_from_this()] {
    if (!self->waiting_session_ || self->finished()) return;
    self->waiting_session_ = false;
    self->conn_->timer->cancel();
    self->handshake();
  });
}

// Publishes this connection's session for resumption (once per connection).
void SendOp::save_session(bool last_try) {
  if (!conn_->tls || !st_->options.tls_session_resumption || conn_->session_saved) return;
  if (last_try) conn_->session_saved = true;  // tried after the first exchange: never again
  SSL_SESSION* s = SSL_get1_session(conn_->tls->native_handle());
  if (!s) return;
  if (!SSL_SESSION_is_resumable(s)) {
    SSL_SESSION_free(s);
    return;
  }
  conn_->session_saved = true;
  st_->put_session(origin_, s);
  if (pioneer_) {
    pioneer_ = false;
    st_->pioneer_done(origin_, true);
  }
}

// --- the exchange ---------------------------------------------------------------------------

// The connection's timer for the connect and TLS phases (the request phase is RequestTimer's): when
// it fires, the connection is closed, the pending operation fails, and fail() reports the phase's
// code. Re-arming cancels the previous phase's wait; the generation guards against a wait that
// fired just as its phase ended.
void SendOp::arm_timer(std::chrono::milliseconds d, error_code code) {
  if (!conn_->timer) conn_->timer.emplace(conn_->strand);
  const auto generation = ++conn_->timer_generation;
  conn_->phase_timer_armed = true;
  conn_->timer->expires_after(d);
  conn_->timer->async_wait([self = shared_from_this(), generation, code](error_code ec) {
    if (ec || self->finished() || !self->conn_ || self->conn_->timer_generation != generation) return;
    self->timeout_code_ = code;
    self->conn_->close();  // the pending operation completes with an error → fail(the phase's code)
  });
}

void SendOp::start_exchange() {
  enter(Phase::exchange);
  if (conn_->phase_timer_armed) {  // a new connection: its connect / TLS phase is over
    conn_->phase_timer_armed = false;
    ++conn_->timer_generation;
    conn_->timer->cancel();
  }
  request_written_ = true;
  result_.written_at = std::chrono::steady_clock::now();
  request_timed_ = true;
  st_->request_timer->add(request_deadline_,
                          deadline_after(result_.written_at, st_->options.request_timeout));
  st_->requests.fetch_add(1, std::memory_order_relaxed);
}

void SendOp::end_exchange() {
  if (!request_timed_) return;
  request_timed_ = false;
  st_->request_timer->remove(request_deadline_);
}

// As a phase timer's expiry: the connection is closed, the pending read or write fails, and fail()
// reports request_timeout.
void SendOp::request_expired() {
  std::lock_guard lock(mu_);
  if (finished() || !has_strand_) return;
  asio::post(strand_, [self = shared_from_this()] {
    if (self->finished() || !self->conn_) return;
    self->timeout_code_ = transport_error::request_timeout;
    self->conn_->close();
  });
}

// The request is written: what arrives now is the origin's answer to it.
void SendOp::expect_answer() {
  in_proxy_ = false;
  reader_.emplace(result_.response, st_->response_limits, req_.head);
}

void SendOp::exchange_plain() {
  start_exchange();
  auto& stream = *conn_->plain;
  asio::async_write(stream, asio::buffer(req_.bytes),
                    [self = shared_from_this(), &stream](error_code ec, std::size_t) {
                      if (self->finished()) return;
                      if (ec) return self->fail(ec);
                      self->expect_answer();
                      self->pump(stream);
                    });
}

// Gives the reader what the buffer holds. False when that ended the exchange (the answer is
// complete, or an error); true when the reader needs more bytes.
bool SendOp::parse_buffered() {
  auto& buffer = conn_->buffer;
  error_code ec;
  const auto data = buffer.data();
  const std::size_t used =
      reader_->put(std::string_view(static_cast<const char*>(data.data()), data.size()), ec);
  buffer.consume(used);
  if (!ec) {
    response_done();
    return false;
  }
  if (ec != http::error::need_more) {
    fail(ec);
    return false;
  }
  return true;
}

// How much the next read may bring: what the buffer already has room for, at least first_read (a
// typical answer of 1-4 KB in one read: Beast's read_size starts at 512 bytes and a buffer that
// never needs more stays there, so a 1 KB answer took three SSL_reads and parser passes), at most
// one read_size and never past the buffer's maximum. 0 after failing the exchange when the buffer
// is full (not reached: the reader's caps are lower).
std::size_t SendOp::read_window() {
  static constexpr std::size_t first_read = 4096;
  const auto& buffer = conn_->buffer;
  const std::size_t room = buffer.max_size() - buffer.size();
  if (room == 0) {
    fail(http::error::buffer_overflow);
    return 0;
  }
  const std::size_t spare = buffer.capacity() - buffer.size();
  return std::min({room, ResponseReader::read_size, std::max(spare, first_read)});
}

// Parses what the buffer holds; reads more (never past the buffer's fixed maximum) until the
// reader has a complete answer or an error.
template <class Stream>
void SendOp::pump(Stream& stream) {
  auto& buffer = conn_->buffer;
  if (!parse_buffered()) return;
  const std::size_t window = read_window();
  if (window == 0) return;
  stream.async_read_some(buffer.prepare(window),
                         [self = shared_from_this(), &stream](error_code e, std::size_t n) {
                           if (self->finished()) return;
                           self->conn_->buffer.commit(n);
                           if (e) return self->read_failed(e);
                           self->pump(stream);
                         });
}

void SendOp::read_failed(error_code ec) {
  auto& reader = *reader_;
  if (conn_->buffer.size() > 0 && !parse_buffered()) return;  // bytes that came with the error first
  const bool truncated = ec == ssl::error::stream_truncated;
  if (ec == asio::error::eof || (truncated && reader.is_header_done() && reader.need_eof())) {
    // The end of the stream (TLS close_notify or TCP FIN), or a body delimited by the end of the
    // connection closed without close_notify: complete as far as HTTP can tell.
    error_code eof_ec;
    reader.put_eof(eof_ec);
    if (!eof_ec) return response_done();
    return fail(truncated ? ec : eof_ec);
  }
  fail(ec);
}

void SendOp::response_done() {
  // A phase timer or an abort closed the socket while the last bytes were in flight: not reusable.
  if (timeout_code_ || aborting_.load(std::memory_order_acquire)) return fail({});
  if (!in_proxy_) return succeed();
  in_proxy_ = false;
  if (auto ec = connect_answer(proxy_res_.status, conn_->buffer.size())) return fail(ec);
  reader_.reset();
  proxy_res_ = {};
  handshake();
}

void SendOp::write_request() {
  if (auto reason = abort_reason()) return fail(reason);
  if (conn_->tls) {
    exchange_tls();
  } else {
    exchange_plain();
  }
}

void SendOp::succeed() {
  auto& reader = *reader_;
  const bool reusable = st_->options.max_idle_per_origin > 0 && reader.keep_alive() && !reader.need_eof() &&
                        !req_.close && conn_->buffer.size() == 0;
  end_exchange();
  save_session(true);  // after a read, TLS 1.3 session tickets have arrived too
  if (pioneer_) {
    pioneer_ = false;
    st_->pioneer_done(origin_, false);  // the server offers no resumable session
  }
  reader_.reset();  // the response is in result_ already
  ConnectionPtr c = std::move(conn_);
  st_->release(std::move(c), reusable);
  complete({}, false);
}

void SendOp::fail(error_code ec) {
  if (pioneer_) {
    pioneer_ = false;
    st_->pioneer_done(origin_, true);  // no session, but try again with the next connection
  }
  if (waiting_session_) {
    waiting_session_ = false;
    st_->remove_session_waiter(origin_, this);
  }
  if (auto reason = abort_reason()) {
    ec = reason;
  } else if (timeout_code_) {
    ec = timeout_code_;
  }
  end_exchange();
  resolving_ = false;
  if (resolve_timer_) resolve_timer_->cancel();
  reader_.reset();
  result_.response = {};  // nothing of a partial answer
  if (conn_) {
    if (conn_->timer) conn_->timer->cancel();
    conn_->close();
    ConnectionPtr c = std::move(conn_);
    st_->release(std::move(c), false);
  }
  complete(ec, false);
}

void SendOp::complete(error_code ec, bool post_only) {
  if (finished_.exchange(true, std::memory_order_acq_rel)) return;
  result_.request_written = request_written_;
  if (deadline_) deadline_->cancel();
  // The handler and the result stay in the op until the handler runs: no moves on the way.
  if (post_only || initiating == this) {
    asio::post(st_->executor,
               asio::bind_executor(work_, [self = shared_from_this(), ec] { self->deliver(ec); }));
  } else if (const auto* io = work_.target<TrackedIoExecutor>(); io && io->running_in_this_thread()) {
    // What dispatch does on the io_context's own thread, without the trip through the type-erased
    // executor (a copy of it, the function boxed, ~0.3k instructions a create). The caller's frame
    // holds the op.
    deliver(ec);
  } else {
    asio::dispatch(work_, [self = shared_from_this(), ec] { self->deliver(ec); });
  }
}

void SendOp::deliver(error_code ec) {
  auto h = std::move(handler_);
  auto slot = asio::get_associated_cancellation_slot(h);
  if (slot.is_connected()) slot.clear();
  std::move(h)(ec, std::move(result_));
}

void CancelHandler::operator()(asio::cancellation_type type) const {
  if ((type & (asio::cancellation_type::terminal | asio::cancellation_type::partial |
               asio::cancellation_type::total)) == asio::cancellation_type::none) {
    return;
  }
  if (auto self = op.lock()) self->request_abort(asio::error::operation_aborted);
}

}  // namespace partnerkit::detail
