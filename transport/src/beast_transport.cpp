// BeastTransport: the public face. The jobs live in detail/: target.* (URL → where to connect),
// request_writer.* (serialization), response_reader.* (the sans-I/O response parser), proxy.*
// (the CONNECT tunnel's settings and answers), tls.* (the TLS context, per-connection checks and
// the session cache), connection.* (one stream), pool.hpp (the pool's bookkeeping, sans-I/O),
// state.* (the shared state that carries the pool's decisions out) and send_op.* (one send).
#include <partnerkit/beast_transport.hpp>

#include "detail/request_writer.hpp"
#include "detail/send_op.hpp"
#include "detail/state.hpp"

#include <boost/asio/associated_cancellation_slot.hpp>
#include <boost/asio/associated_executor.hpp>
#include <boost/asio/bind_executor.hpp>
#include <boost/asio/execution/outstanding_work.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/prefer.hpp>

#include <string_view>

namespace partnerkit {
namespace asio = boost::asio;
using boost::system::error_code;
using State = detail::BeastTransportState;

BeastTransport::BeastTransport(executor_type executor, TransportOptions options)
    : state_(std::make_shared<State>(std::move(executor), std::move(options))) {}

// No graceful shutdown here: the io_context may be gone already.
BeastTransport::~BeastTransport() { state_->close_idle_now(); }

Transport::executor_type BeastTransport::get_executor() const { return state_->executor; }

const TransportOptions& BeastTransport::options() const noexcept { return state_->options; }

TransportStats BeastTransport::stats() const noexcept {
  TransportStats s;
  s.requests = state_->requests.load(std::memory_order_relaxed);
  s.connections_opened = state_->opened.load(std::memory_order_relaxed);
  s.connections_reused = state_->reused.load(std::memory_order_relaxed);
  s.stale_discarded = state_->stale.load(std::memory_order_relaxed);
  s.tls_sessions_resumed = state_->resumed.load(std::memory_order_relaxed);
  s.idle_connections = state_->idle_connections();
  return s;
}

void BeastTransport::close_idle() { state_->close_idle(); }

void BeastTransport::async_send(HttpRequest request, send_handler handler) {
  async_send_lent(request, std::move(handler));
}

void BeastTransport::async_send_lent(const HttpRequest& request, send_handler handler) {
  // The candidate as the io_context's own executor when it is one: an any_io_executor converted to
  // the handler's any_completion_executor is copied into a shared_ptr (an allocation per create).
  const auto* io = state_->executor.target<asio::io_context::executor_type>();
  auto work = asio::prefer(io ? asio::get_associated_executor(handler, *io)
                              : asio::get_associated_executor(handler, state_->executor),
                           asio::execution::outstanding_work.tracked);
  auto reject = [&](error_code ec) {
    asio::post(state_->executor, asio::bind_executor(work, [h = std::move(handler), ec]() mutable {
                 std::move(h)(ec, SendResult{});
               }));
  };

  std::shared_ptr<const detail::Target> target;
  detail::OriginState* origin = nullptr;
  if (auto ec = state_->target_for(request.url, target, origin)) return reject(ec);
  detail::Wire wire;
  if (auto ec = detail::serialize_request(request, *target, state_->options.user_agent, wire))
    return reject(ec);

  auto op = std::make_shared<detail::SendOp>(state_, std::move(target), *origin, std::move(wire),
                                             std::move(handler), std::move(work));
  auto slot = asio::get_associated_cancellation_slot(op->handler());
  if (slot.is_connected()) slot.template emplace<detail::CancelHandler>(detail::CancelHandler{op});
  if (state_->options.total_timeout.count() > 0) op->arm_deadline(state_->options.total_timeout);
  op->acquire();
}

}  // namespace partnerkit
