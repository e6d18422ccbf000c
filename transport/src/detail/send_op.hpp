// One async_send: take a connection (pooled or new: resolve, connect, proxy tunnel, TLS), write the
// request, read the response with ResponseReader, give the connection back. Runs on its
// connection's strand once it has one; cancellation and the total deadline reach it from any
// thread through request_abort (mutex-guarded) and a post to the strand, the request timeout
// through request_expired (RequestTimer's one timer) and the same kind of post.
#pragma once

#include "detail/request_writer.hpp"
#include "detail/response_reader.hpp"
#include "detail/state.hpp"
#include "detail/tls_socket.hpp"

#include <partnerkit/transport.hpp>

#include <boost/asio/any_completion_executor.hpp>
#include <boost/asio/cancellation_type.hpp>
#include <boost/asio/execution/outstanding_work.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/prefer.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>

#include <atomic>
#include <chrono>
#include <memory>
#include <mutex>
#include <optional>
#include <utility>
#include <vector>

namespace partnerkit::detail {

// The concrete executors behind the type-erased ones when the transport runs on an io_context:
// the handler's with its work tracked (SendOp::work_), and a connection's strand.
using TrackedIoExecutor = decltype(boost::asio::prefer(std::declval<boost::asio::io_context::executor_type>(),
                                                       boost::asio::execution::outstanding_work.tracked));
using IoStrand = boost::asio::strand<boost::asio::io_context::executor_type>;

class SendOp : public std::enable_shared_from_this<SendOp> {
 public:
  using error_code = boost::system::error_code;

  SendOp(std::shared_ptr<BeastTransportState> st, std::shared_ptr<const Target> t, OriginState& origin,
         Wire req, Transport::send_handler h, boost::asio::any_completion_executor work);
  ~SendOp();
  SendOp(const SendOp&) = delete;
  SendOp& operator=(const SendOp&) = delete;

  Transport::send_handler& handler() { return handler_; }
  void arm_deadline(std::chrono::milliseconds d);
  // Called once from async_send: a pooled connection, a new one, or a place in the queue.
  void acquire();
  // From the pool (any thread): a connection (pooled) or a slot for a new one for this queued op.
  void attach(ConnectionPtr c, bool reused);
  void attach_new();
  // Any thread: the cancellation slot (operation_aborted) or the total deadline (the phase's
  // timeout code) fired.
  void request_abort(error_code reason);
  void request_deadline();
  // From the pioneer (any strand): a session is available, or will not be.
  void session_ready();
  // From RequestTimer (any thread): the request timeout passed.
  void request_expired();

 private:
  enum class Phase : int { queued, resolving, connecting, handshake, exchange };

  error_code abort_reason();
  bool finished() const { return finished_.load(std::memory_order_acquire); }
  void enter(Phase p) { phase_.store(p, std::memory_order_relaxed); }

  void abort_now();
  void run();
  void connect();
  void connect_endpoints();
  void proxy_connect();
  void handshake();
  void handshake_step();
  void when_ready(TlsSocket::Want want, void (SendOp::*next)());
  void wait_for_session();
  void save_session(bool last_try);
  void arm_timer(std::chrono::milliseconds d, error_code code);
  void start_exchange();
  void end_exchange();
  void exchange_plain();
  void exchange_tls();
  void replace_stale();
  void on_first_read(const Connection* c, error_code ec);
  void write_tls();
  void wait_tls(TlsSocket::Want want);
  void read_tls();
  void expect_answer();
  bool parse_buffered();
  std::size_t read_window();
  template <class Stream>
  void pump(Stream& stream);
  void read_failed(error_code ec);
  void response_done();
  void write_request();
  void succeed();
  void fail(error_code ec);
  void complete(error_code ec, bool post_only);
  // Runs the handler (once, from complete).
  void deliver(error_code ec);

  std::shared_ptr<BeastTransportState> st_;
  std::shared_ptr<const Target> target_;
  const Target& t_;
  OriginState& origin_;
  Wire req_;
  Transport::send_handler handler_;
  boost::asio::any_completion_executor work_;  // the handler's executor, with outstanding work tracked
  bool use_proxy_ = false;

  // Strand-only state.
  ConnectionPtr conn_;
  bool reused_ = false;
  bool resolving_ = false;
  bool in_proxy_ = false;  // reading the proxy's answer to CONNECT, not the origin's
  std::vector<boost::asio::ip::tcp::endpoint> endpoints_;
  std::optional<boost::asio::ip::tcp::resolver> resolver_;
  std::optional<boost::asio::steady_timer> resolve_timer_;
  std::string proxy_req_;
  HttpResponse proxy_res_;
  std::optional<ResponseReader> reader_;
  SendResult result_;
  std::optional<boost::asio::steady_timer> deadline_;
  // When the total timeout ends (set once, before the op starts; read from any thread).
  std::optional<std::chrono::steady_clock::time_point> deadline_at_;

  error_code timeout_code_;  // set when a phase timer fired
  bool resume_checked_ = false;
  bool pioneer_ = false;
  bool waiting_session_ = false;
  bool request_written_ = false;  // strand-only (false while queued, where request_abort reads it)
  std::size_t written_ = 0;       // bytes of the request OpenSSL has taken
  // The TLS exchange's first read, started before the write (exchange_tls): pending; completed while
  // the request was still being written (with its error); the write waits for it (Want::read).
  bool first_read_pending_ = false;
  bool first_read_early_ = false;
  error_code first_read_ec_;
  bool write_waits_read_ = false;
  ConnectionPtr stale_;  // a pooled connection found closed: kept until its read's handler has run
  RequestTimer::Entry request_deadline_;  // linked and unlinked by st_->request_timer only
  bool request_timed_ = false;            // strand-only: request_deadline_ was added

  // Shared with request_abort (any thread).
  std::atomic<Phase> phase_{Phase::queued};
  std::mutex mu_;
  boost::asio::any_io_executor strand_;  // guarded by mu_
  bool has_strand_ = false;              // guarded by mu_
  error_code abort_;                     // guarded by mu_, published by aborting_
  std::atomic<bool> aborting_{false};
  std::atomic<bool> finished_{false};
};

struct CancelHandler {
  std::weak_ptr<SendOp> op;
  void operator()(boost::asio::cancellation_type type) const;
};

}  // namespace partnerkit::detail
