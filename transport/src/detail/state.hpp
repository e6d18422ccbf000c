// The shared state of a BeastTransport: options, the TLS context, the proxy settings, the memo of
// parsed URLs and, per origin, the pool bookkeeping and the TLS session slot. Send operations hold
// it alive. The pool's decisions are OriginPool's (pool.hpp); this file adds the mutex, the clock
// and the carrying out (attach a waiter, retire a connection).
#pragma once

#include "detail/connection.hpp"
#include "detail/pool.hpp"
#include "detail/proxy.hpp"
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

struct BeastTransportState {
  BeastTransportState(Transport::executor_type ex, TransportOptions opts);
  ~BeastTransportState();

  struct Origin {
    OriginPool<ConnectionPtr, SendOpPtr> pool;
    SessionSlot<SendOpPtr> session;
  };

  // Parsed URLs, memoized (a client sends to a handful of URLs). Bounded; cleared when full.
  boost::system::error_code target_for(const std::string& url, std::shared_ptr<const Target>& out);

  using Checkout = OriginPool<ConnectionPtr, SendOpPtr>::Checkout;
  Checkout checkout(const std::string& key, const SendOpPtr& op);
  void release(ConnectionPtr c, bool reusable);
  bool remove_waiter(const std::string& key, const SendOp* op);
  void close_idle();
  // Closes idle connections at once, without TLS close_notify (the io_context may be gone).
  void close_idle_now();
  std::size_t idle_connections();

  using SessionPlan = SessionSlot<SendOpPtr>::Plan;
  SessionPlan session_or_wait(const std::string& key, const SendOpPtr& op);
  void pioneer_done(const std::string& key, bool may_retry);
  void remove_session_waiter(const std::string& key, const SendOp* op);
  SSL_SESSION* get_session(const std::string& key);
  void put_session(const std::string& key, SSL_SESSION* s);

  ConnectionPtr make_connection(const Target& t);

  Transport::executor_type executor;
  TransportOptions options;
  PoolLimits pool_limits;
  ResponseLimits response_limits;
  std::size_t buffer_limit = 0;
  boost::asio::ssl::context ctx;
  ProxyConfig proxy;

  std::mutex targets_mu;
  std::unordered_map<std::string, std::shared_ptr<const Target>> targets;

  std::mutex mu;
  std::unordered_map<std::string, Origin> origins;

  std::atomic<std::uint64_t> requests{0};
  std::atomic<std::uint64_t> opened{0};
  std::atomic<std::uint64_t> reused{0};
  std::atomic<std::uint64_t> stale{0};
  std::atomic<std::uint64_t> resumed{0};

 private:
  // Every connection gets its own strand. Over an io_context executor the strand is concrete
  // (one level of type erasure instead of two on every handler).
  boost::asio::any_io_executor make_strand() const;
};

}  // namespace partnerkit::detail
