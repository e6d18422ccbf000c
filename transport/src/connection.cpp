#include "detail/connection.hpp"

#include <boost/asio/post.hpp>

#include <openssl/ssl.h>

#include <sys/socket.h>

#include <cerrno>

namespace partnerkit::detail {
namespace asio = boost::asio;
using boost::system::error_code;

Connection::Connection(asio::any_io_executor strand_ex, asio::ssl::context* ctx, std::string origin_key,
                       std::size_t max_buffer)
    : strand(std::move(strand_ex)), origin(std::move(origin_key)), buffer(max_buffer) {
  if (ctx) {
    tls.emplace(strand, *ctx);
  } else {
    plain.emplace(strand);
  }
}

void Connection::close() {
  error_code ignored;
  sock().shutdown(asio::ip::tcp::socket::shutdown_both, ignored);
  sock().close(ignored);
}

bool Connection::alive() {
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

}  // namespace partnerkit::detail
