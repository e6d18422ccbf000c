// The shared state of a BeastTransport: options, the TLS context, the proxy settings, the memo of
// parsed URLs and, per origin, the pool bookkeeping and the TLS session slot. Send operations hold
// it alive. The pool's decisions are OriginPool's (pool.hpp); this file adds the mutex, the clock
// and the carrying out (attach a waiter, retire a connection).
#pragma once

#include "detail/connection.hpp"
#include "detail/pool.hpp"
#include "detail/proxy.hpp"
#include "detail/request_timer.hpp"
#include "detail/response_reader.hpp"
#include "detail/target.hpp"
#include "detail/tls.hpp"

#include <partnerkit/beast_transport.hpp>

#include <boost/asio/ssl/context.hpp>

#include <atomic>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>

namespace partnerkit::detail {

class SendOp;
using SendOpPtr = std::shared_ptr<SendOp>;

// One origin's pool bookkeeping and TLS session slot, guarded by BeastTransportState::mu. Never
// erased once made: operations and connections keep a pointer to theirs rather than looking the
// origin up by name on every request.
struct OriginState {
  OriginPool<ConnectionPtr, SendOpPtr> pool;
  SessionSlot<SendOpPtr> session;
};

struct BeastTransportState {
  BeastTransportState(Transport::executor_type ex, TransportOptions opts);
  ~BeastTransportState();

  // Parsed URLs and their origin's state, memoized (a client sends to a handful of URLs). Bounded;
  // cleared when full.
  boost::system::error_code target_for(const std::string& url, std::shared_ptr<const Target>& out,
                                       OriginState*& origin);

  using Checkout = OriginPool<ConnectionPtr, SendOpPtr>::Checkout;
  Checkout checkout(OriginState& o, const SendOpPtr& op);
  void release(ConnectionPtr c, bool reusable);
  bool remove_waiter(OriginState& o, const SendOp* op);
  void close_idle();
  // Closes idle connections at once, without TLS close_notify (the io_context may be gone).
  void close_idle_now();
  std::size_t idle_connections();

  using SessionPlan = SessionSlot<SendOpPtr>::Plan;
  SessionPlan session_or_wait(OriginState& o, const SendOpPtr& op);
  void pioneer_done(OriginState& o, bool may_retry);
  void remove_session_waiter(OriginState& o, const SendOp* op);
  SSL_SESSION* get_session(OriginState& o);
  void put_session(OriginState& o, SSL_SESSION* s);

  // On a strand of its own, or on `strand` (a connection replacing a stale one for the same op).
  ConnectionPtr make_connection(const Target& t, OriginState& o, boost::asio::any_io_executor strand = {});

  Transport::executor_type executor;
  TransportOptions options;
  PoolLimits pool_limits;
  ResponseLimits response_limits;
  std::size_t buffer_limit = 0;
  boost::asio::ssl::context ctx;
  ProxyConfig proxy;
  // The request timeouts of all exchanges in flight (shared with its pending wait).
  std::shared_ptr<RequestTimer> request_timer;

  struct Route {
    std::shared_ptr<const Target> target;
    OriginState* origin = nullptr;
  };
  std::mutex targets_mu;
  std::unordered_map<std::string, Route> targets;

  std::mutex mu;
  std::unordered_map<std::string, OriginState> origins;  // by Target::origin

  std::atomic<std::uint64_t> requests{0};
  std::atomic<std::uint64_t> opened{0};
  std::atomic<std::uint64_t> reused{0};
  std::atomic<std::uint64_t> stale{0};
  std::atomic<std::uint64_t> resumed{0};

 private:
  // Every connection gets its own strand (the executor itself when single_threaded). Over an
  // io_context executor the strand is concrete (one level of type erasure instead of two on every
  // handler).
  boost::asio::any_io_executor make_strand() const;
};

}  // namespace partnerkit::detail
