// One connection: a TCP (+ TLS) stream on its own strand, its read buffer (bounded) and its phase
// timer. Owned by exactly one send operation at a time, or by the pool while idle.
#pragma once

#include "detail/tls_socket.hpp"

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core/flat_buffer.hpp>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>

namespace partnerkit::detail {

struct OriginState;

struct Connection {
  // max_buffer: the read buffer's fixed maximum (ResponseReader::buffer_limit).
  Connection(boost::asio::any_io_executor strand_ex, boost::asio::ssl::context* ctx, OriginState* origin,
             std::size_t max_buffer);

  boost::asio::ip::tcp::socket& sock() { return tls ? tls->next_layer() : *plain; }

  // Closes the socket now: pending operations complete with operation_aborted.
  void close();

  // True if nothing has arrived on the idle connection: no close_notify, no FIN, no RST, no stray
  // bytes. A plain connection the server closed while it sat in the pool is detected here, before
  // a byte of the next request is written (a TLS one by the read its answer comes by, started just
  // before the write: SendOp::exchange_tls).
  bool alive();
  // Nothing read and not yet parsed, nothing held by OpenSSL, no end of stream seen.
  bool drained() const;

  boost::asio::any_io_executor strand;
  OriginState* origin;  // whose pool it belongs to
  // OpenSSL on the socket itself (tls_socket.hpp), not beast::ssl_stream over beast::tcp_stream:
  // requests are written as one contiguous buffer, and the phase timeouts are one timer per phase
  // (basic_stream arms and cancels a timer on every read_some / write_some).
  std::optional<TlsSocket> tls;
  std::optional<boost::asio::ip::tcp::socket> plain;
  boost::beast::flat_buffer buffer;  // bytes read and not yet parsed; max_size() is the cap
  // The timeout of the connect or TLS phase in progress (the request phase's is RequestTimer's), the
  // tls_resume_wait, the close_notify bound.
  std::optional<boost::asio::steady_timer> timer;
  std::uint64_t timer_generation = 0;
  bool phase_timer_armed = false;  // a connect / TLS phase wait is pending
  bool session_saved = false;
};

using ConnectionPtr = std::shared_ptr<Connection>;

// Graceful close of a connection we will not reuse: TLS close_notify (bounded to 1 s), then the
// socket. Runs on the connection's strand.
void retire(ConnectionPtr c);

}  // namespace partnerkit::detail
