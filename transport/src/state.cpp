#include "detail/state.hpp"

#include "detail/send_op.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/strand.hpp>

namespace partnerkit::detail {
namespace asio = boost::asio;
using Clock = std::chrono::steady_clock;

BeastTransportState::BeastTransportState(Transport::executor_type ex, TransportOptions opts)
    : executor(std::move(ex)),
      options(std::move(opts)),
      ctx(asio::ssl::context::tls_client),
      request_timer(std::make_shared<RequestTimer>(executor)) {
  if (options.max_connections_per_origin == 0) options.max_connections_per_origin = 1;
  pool_limits.max_connections = options.max_connections_per_origin;
  pool_limits.max_idle = options.max_idle_per_origin;
  pool_limits.idle_timeout = options.idle_timeout;
  response_limits.max_body_bytes = options.max_body_bytes;
  response_limits.max_header_bytes = options.max_header_bytes;
  buffer_limit = ResponseReader::buffer_limit(response_limits);
  configure_tls_context(ctx, options);
  proxy = make_proxy_config(options);
}

BeastTransportState::~BeastTransportState() { close_idle_now(); }

boost::system::error_code BeastTransportState::target_for(const std::string& url,
                                                          std::shared_ptr<const Target>& out,
                                                          OriginState*& origin) {
  {
    std::lock_guard lock(targets_mu);
    if (auto it = targets.find(url); it != targets.end()) {
      out = it->second.target;
      origin = it->second.origin;
      return {};
    }
  }
  auto t = std::make_shared<Target>();
  if (auto ec = parse_target(url, options.allow_plain_http_loopback, *t)) return ec;
  {
    std::lock_guard lock(mu);
    origin = &origins[t->origin];
  }
  out = t;
  std::lock_guard lock(targets_mu);
  if (targets.size() >= 256) targets.clear();
  targets.emplace(url, Route{std::move(t), origin});
  return {};
}

asio::any_io_executor BeastTransportState::make_strand() const {
  if (options.single_threaded) return executor;  // handlers cannot overlap: no strand needed
  if (const auto* io = executor.target<asio::io_context::executor_type>()) return asio::make_strand(*io);
  return asio::make_strand(executor);
}

ConnectionPtr BeastTransportState::make_connection(const Target& t, OriginState& o,
                                                   asio::any_io_executor strand) {
  if (!strand) strand = make_strand();
  return std::make_shared<Connection>(std::move(strand), t.tls ? &ctx : nullptr, &o, buffer_limit);
}

BeastTransportState::Checkout BeastTransportState::checkout(OriginState& o, const SendOpPtr& op) {
  std::vector<ConnectionPtr> expired;
  Checkout out;
  {
    std::lock_guard lock(mu);
    out = o.pool.checkout(op, Clock::now(), pool_limits, expired);
  }
  for (auto& c : expired) retire(std::move(c));
  return out;
}

void BeastTransportState::release(ConnectionPtr c, bool reusable) {
  OriginPool<ConnectionPtr, SendOpPtr>::Release r;
  {
    std::lock_guard lock(mu);
    auto& o = *c->origin;
    r = o.pool.release(std::move(c), reusable, Clock::now(), pool_limits);
  }
  if (r.retire) retire(std::move(r.retire));
  if (r.waiter) {
    if (r.waiter_new) {
      r.waiter->attach_new();
    } else {
      r.waiter->attach(std::move(r.for_waiter), true);
    }
  }
}

bool BeastTransportState::remove_waiter(OriginState& o, const SendOp* op) {
  std::lock_guard lock(mu);
  return o.pool.remove_waiter_if([op](const SendOpPtr& p) { return p.get() == op; });
}

void BeastTransportState::close_idle() {
  std::vector<ConnectionPtr> closing;
  {
    std::lock_guard lock(mu);
    for (auto& [key, o] : origins) o.pool.drain_idle(closing);
  }
  for (auto& c : closing) retire(std::move(c));
}

void BeastTransportState::close_idle_now() {
  std::vector<ConnectionPtr> closing;
  {
    std::lock_guard lock(mu);
    for (auto& [key, o] : origins) o.pool.drain_idle(closing);
  }
  for (auto& c : closing) c->close();
}

std::size_t BeastTransportState::idle_connections() {
  std::lock_guard lock(mu);
  std::size_t n = 0;
  for (const auto& [key, o] : origins) n += o.pool.idle();
  return n;
}

BeastTransportState::SessionPlan BeastTransportState::session_or_wait(OriginState& o, const SendOpPtr& op) {
  std::lock_guard lock(mu);
  return o.session.plan(op);
}

void BeastTransportState::pioneer_done(OriginState& o, bool may_retry) {
  std::vector<SendOpPtr> waiters;
  {
    std::lock_guard lock(mu);
    waiters = o.session.pioneer_done(may_retry);
  }
  for (auto& w : waiters) w->session_ready();
}

void BeastTransportState::remove_session_waiter(OriginState& o, const SendOp* op) {
  std::lock_guard lock(mu);
  o.session.remove_waiter_if([op](const SendOpPtr& p) { return p.get() == op; });
}

SSL_SESSION* BeastTransportState::get_session(OriginState& o) {
  std::lock_guard lock(mu);
  return o.session.get();
}

void BeastTransportState::put_session(OriginState& o, SSL_SESSION* s) {
  std::lock_guard lock(mu);
  o.session.put(s);
}

}  // namespace partnerkit::detail
