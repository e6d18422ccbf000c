#include "detail/tls_socket.hpp"

#include <boost/asio/error.hpp>
#include <boost/asio/ssl/error.hpp>
#include <boost/asio/ssl/host_name_verification.hpp>
#include <boost/asio/ssl/verify_context.hpp>
#include <boost/system/system_error.hpp>

#include <openssl/err.h>

#include <sys/socket.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

namespace partnerkit::detail {
namespace asio = boost::asio;
namespace ssl = asio::ssl;
using error_code = boost::system::error_code;

namespace {

error_code ssl_error(unsigned long e) { return {static_cast<int>(e), asio::error::get_ssl_category()}; }

// SSL_get_error reads the thread's error queue: anything left there by other code would be taken
// for this connection's failure. Peeking is a fraction of ERR_clear_error's cost (it walks all slots).
void clear_stale_errors() {
  if (ERR_peek_error() != 0) ERR_clear_error();
}

}  // namespace

TlsSocket::TlsSocket(const asio::any_io_executor& ex, ssl::context& ctx)
    : sock_(ex), ssl_(SSL_new(ctx.native_handle())) {
  if (!ssl_) throw boost::system::system_error(ssl_error(ERR_get_error()), "SSL_new");
  // As Asio's stream, minus SSL_MODE_RELEASE_BUFFERS: the record buffers are reused, not freed and
  // allocated again per record.
  SSL_set_mode(ssl_, SSL_MODE_ENABLE_PARTIAL_WRITE | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
  SSL_set_read_ahead(ssl_, 1);  // one recv for what has arrived, not two per record
  SSL_set_app_data(ssl_, this);
}

TlsSocket::~TlsSocket() { SSL_free(ssl_); }

error_code TlsSocket::attach() {
  if (attached_) return {};
  error_code ec;
  sock_.non_blocking(true, ec);
  if (ec) return ec;
  clear_stale_errors();
  BIO* in = BIO_new(in_method());
  BIO* out = BIO_new(out_method());
  if (!in || !out) {
    BIO_free(in);
    BIO_free(out);
    return ssl_error(ERR_get_error());
  }
  for (BIO* b : {in, out}) {
    BIO_set_data(b, this);
    BIO_set_init(b, 1);
  }
  SSL_set_bio(ssl_, in, out);
  in_ = std::make_unique_for_overwrite<char[]>(in_capacity);
  attached_ = true;
  return {};
}

BIO_METHOD* TlsSocket::in_method() {
  static BIO_METHOD* const method = [] {
    BIO_METHOD* m = BIO_meth_new(BIO_get_new_index() | BIO_TYPE_SOURCE_SINK, "partnerkit ciphertext");
    if (!m) throw boost::system::system_error(ssl_error(ERR_get_error()), "BIO_meth_new");
    BIO_meth_set_read_ex(m, &TlsSocket::in_read);
    BIO_meth_set_ctrl(m, &TlsSocket::in_ctrl);
    return m;
  }();
  return method;
}

// OpenSSL takes what was read for it; nothing there is "try again" (SSL_ERROR_WANT_READ) until the
// peer has closed, then the end of the stream.
int TlsSocket::in_read(BIO* b, char* out, std::size_t len, std::size_t* got) {
  auto& s = *static_cast<TlsSocket*>(BIO_get_data(b));
  BIO_clear_retry_flags(b);
  const std::size_t n = std::min(len, s.in_end_ - s.in_begin_);
  *got = n;
  if (n == 0) {
    if (!s.eof_) BIO_set_retry_read(b);
    return 0;
  }
  std::memcpy(out, s.in_.get() + s.in_begin_, n);
  s.in_begin_ += n;
  if (s.in_begin_ == s.in_end_) s.in_begin_ = s.in_end_ = 0;
  return 1;
}

long TlsSocket::in_ctrl(BIO* b, int cmd, long, void*) {
  const auto* s = static_cast<const TlsSocket*>(BIO_get_data(b));
  switch (cmd) {
    case BIO_CTRL_FLUSH:
      return 1;
    case BIO_CTRL_PENDING:
      return s ? static_cast<long>(s->in_end_ - s->in_begin_) : 0;
    case BIO_CTRL_EOF:
      return s && s->eof_ && s->in_begin_ == s->in_end_ ? 1 : 0;
    default:
      return 0;
  }
}

BIO_METHOD* TlsSocket::out_method() {
  static BIO_METHOD* const method = [] {
    BIO_METHOD* m = BIO_meth_new(BIO_get_new_index() | BIO_TYPE_SOURCE_SINK, "partnerkit socket out");
    if (!m) throw boost::system::system_error(ssl_error(ERR_get_error()), "BIO_meth_new");
    BIO_meth_set_write_ex(m, &TlsSocket::out_write);
    BIO_meth_set_ctrl(m, &TlsSocket::out_ctrl);
    return m;
  }();
  return method;
}

// As OpenSSL's socket BIO, with send(MSG_NOSIGNAL): a reset connection is EPIPE, not SIGPIPE. The
// descriptor is the socket's own at each write (-1 once closed: EBADF, never another socket that
// got the number).
int TlsSocket::out_write(BIO* b, const char* data, std::size_t len, std::size_t* written) {
  auto& s = *static_cast<TlsSocket*>(BIO_get_data(b));
  BIO_clear_retry_flags(b);
  const auto n = ::send(s.sock_.native_handle(), data, len, MSG_NOSIGNAL);
  if (n >= 0) {
    *written = static_cast<std::size_t>(n);
    return 1;
  }
  *written = 0;
  if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR) BIO_set_retry_write(b);
  return 0;
}

long TlsSocket::out_ctrl(BIO*, int cmd, long, void*) { return cmd == BIO_CTRL_FLUSH ? 1 : 0; }

// Room after what OpenSSL has not taken yet (in practice none: it asks for more only once it has
// taken everything).
asio::mutable_buffer TlsSocket::in_space() {
  if (in_begin_ > 0) {
    std::memmove(in_.get(), in_.get() + in_begin_, in_end_ - in_begin_);
    in_end_ -= in_begin_;
    in_begin_ = 0;
  }
  return asio::buffer(in_.get() + in_end_, in_capacity - in_end_);
}

void TlsSocket::verify_peer_host(std::string host) {
  host_ = std::move(host);
  SSL_set_verify(ssl_, SSL_VERIFY_PEER, &TlsSocket::verify_callback);
}

int TlsSocket::verify_callback(int preverified, X509_STORE_CTX* ctx) {
  auto* s = static_cast<SSL*>(X509_STORE_CTX_get_ex_data(ctx, SSL_get_ex_data_X509_STORE_CTX_idx()));
  auto* self = s ? static_cast<TlsSocket*>(SSL_get_app_data(s)) : nullptr;
  if (!self) return 0;
  ssl::verify_context vc(ctx);
  return ssl::host_name_verification(self->host_)(preverified != 0, vc) ? 1 : 0;
}

TlsSocket::Want TlsSocket::finish(int result, int saved_errno, error_code& ec) {
  switch (SSL_get_error(ssl_, result)) {
    case SSL_ERROR_NONE:
      return Want::nothing;
    case SSL_ERROR_WANT_READ:
      return Want::read;
    case SSL_ERROR_WANT_WRITE:
      return Want::write;
    case SSL_ERROR_ZERO_RETURN:
      ec = asio::error::eof;  // close_notify
      return Want::nothing;
    case SSL_ERROR_SYSCALL:
      if (const unsigned long e = ERR_get_error()) {
        ec = ssl_error(e);
      } else if (saved_errno != 0) {
        ec = error_code(saved_errno, boost::system::system_category());  // e.g. connection_reset
      } else {
        ec = ssl::error::stream_truncated;  // the end of the stream without close_notify
      }
      break;
    case SSL_ERROR_SSL: {
      const unsigned long e = ERR_get_error();
      ec = ERR_GET_LIB(e) == ERR_LIB_SSL && ERR_GET_REASON(e) == SSL_R_UNEXPECTED_EOF_WHILE_READING
               ? error_code(ssl::error::stream_truncated)
               : ssl_error(e);
      break;
    }
    default:
      ec = ssl::error::unexpected_result;
      break;
  }
  ERR_clear_error();
  return Want::nothing;
}

template <class Call>
bool TlsSocket::attempt(Call&& call, Want& want, error_code& ec) {
  want = Want::nothing;
  if (!sock_.is_open()) {
    ec = asio::error::operation_aborted;
    return false;
  }
  clear_stale_errors();
  errno = 0;
  const int r = call();
  if (r == 1) return true;
  want = finish(r, errno, ec);
  return false;
}

TlsSocket::Want TlsSocket::handshake(error_code& ec) {
  Want want;
  attempt([&] { return SSL_connect(ssl_); }, want, ec);
  return want;
}

TlsSocket::Want TlsSocket::write(std::string_view data, std::size_t& written, error_code& ec) {
  while (written < data.size()) {
    std::size_t n = 0;
    Want want;
    if (!attempt([&] { return SSL_write_ex(ssl_, data.data() + written, data.size() - written, &n); }, want,
                 ec))
      return want;
    written += n;
  }
  return Want::nothing;
}

TlsSocket::Want TlsSocket::read(asio::mutable_buffer buf, std::size_t& n, error_code& ec) {
  n = 0;
  auto* out = static_cast<char*>(buf.data());
  while (n < buf.size()) {
    std::size_t got = 0;
    Want want;
    if (!attempt([&] { return SSL_read_ex(ssl_, out + n, buf.size() - n, &got); }, want, ec)) return want;
    n += got;
    // Nothing more read for OpenSSL: wait for Asio's read rather than make another SSL_read_ex
    // call that could only answer SSL_ERROR_WANT_READ.
    if (!has_buffered()) return Want::read;
  }
  return Want::nothing;
}

TlsSocket::Want TlsSocket::shutdown(error_code& ec) {
  if (!sock_.is_open() || !attached_) return Want::nothing;
  Want want;
  // 0 is done too: close_notify sent; the peer's is not awaited.
  attempt(
      [&] {
        const int r = SSL_shutdown(ssl_);
        return r == 0 ? 1 : r;
      },
      want, ec);
  return want;
}

bool TlsSocket::peek_idle() {
  char byte;
  const auto n = ::recv(sock_.native_handle(), &byte, 1, MSG_PEEK | MSG_DONTWAIT);
  return n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK);
}

void TlsSocket::close() {
  // (The write BIO reads the descriptor from sock_ at each write: -1 from now on.)
  error_code ignored;
  sock_.shutdown(asio::ip::tcp::socket::shutdown_both, ignored);
  sock_.close(ignored);
}

}  // namespace partnerkit::detail
