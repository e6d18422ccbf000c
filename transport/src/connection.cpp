#include "detail/connection.hpp"

#include <boost/asio/post.hpp>

#include <sys/socket.h>

#include <cerrno>

namespace partnerkit::detail {
namespace asio = boost::asio;
using boost::system::error_code;

Connection::Connection(asio::any_io_executor strand_ex, asio::ssl::context* ctx, OriginState* origin_state,
                       std::size_t max_buffer)
    : strand(std::move(strand_ex)), origin(origin_state), buffer(max_buffer) {
  if (ctx) {
    tls.emplace(strand, *ctx);
  } else {
    plain.emplace(strand);
  }
}

void Connection::close() {
  if (tls) return tls->close();
  error_code ignored;
  sock().shutdown(asio::ip::tcp::socket::shutdown_both, ignored);
  sock().close(ignored);
}

bool Connection::drained() const {
  if (buffer.size() != 0) return false;
  return !tls || (!tls->has_buffered() && !tls->at_eof());
}

bool Connection::alive() {
  if (!sock().is_open() || !drained()) return false;
  if (tls) return tls->peek_idle();
  char byte;
  const auto n = ::recv(sock().native_handle(), &byte, 1, MSG_PEEK | MSG_DONTWAIT);
  return n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK);
}

namespace {

// close_notify, waiting for the socket as often as it needs; then the socket is closed.
void shut_down(const ConnectionPtr& c) {
  error_code ec;
  const auto want = c->tls->shutdown(ec);
  if (ec || want == TlsSocket::Want::nothing) {
    c->timer->cancel();
    return c->close();
  }
  c->tls->async_wait(want, [c](error_code e) {
    if (e) return c->close();
    shut_down(c);
  });
}

}  // namespace

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
    shut_down(c);
  });
}

}  // namespace partnerkit::detail
