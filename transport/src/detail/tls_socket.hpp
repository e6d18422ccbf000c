// A TLS client stream where OpenSSL writes the non-blocking socket itself (a BIO of ours sending
// with MSG_NOSIGNAL: OpenSSL's socket BIO writes with write(2), and a write meeting a reset
// connection raised SIGPIPE in a process that does not ignore it) and reads
// the ciphertext Asio read for it, as wrk and curl drive OpenSSL. Asio's ssl::stream copies every
// byte through a BIO pair and two buffers of its own (~66 KB per connection), clears OpenSSL's
// error queue at every step and makes OpenSSL free its record buffers after each record
// (SSL_MODE_RELEASE_BUFFERS): about a seventh of a create's CPU on the batch path.
// Reads go through Asio (async_read_some into in_, which OpenSSL takes from through a BIO of ours)
// rather than OpenSSL reading the socket after an async_wait: Asio re-arms the descriptor with
// epoll_ctl on every wait, while a read on a drained socket is queued without one — a system call
// (~2 µs on the machine measured) less per request.
//
// Each operation is one non-blocking step: it returns what it waits for (Want::read / write: call
// async_wait, then the step again) or finishes with `ec`. Error codes are Asio's for the same
// events: asio::error::eof after close_notify, ssl::error::stream_truncated for an end without
// it, OpenSSL's error in the ssl category, the socket's errno in the system category.
#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/buffer.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/system/error_code.hpp>

#include <openssl/ssl.h>

#include <cerrno>

#include <cstddef>
#include <memory>
#include <string>
#include <string_view>
#include <utility>

namespace partnerkit::detail {

class TlsSocket {
 public:
  using error_code = boost::system::error_code;
  enum class Want { nothing, read, write };

  // Throws boost::system::system_error when OpenSSL cannot make the connection's state.
  TlsSocket(const boost::asio::any_io_executor& ex, boost::asio::ssl::context& ctx);
  ~TlsSocket();
  TlsSocket(const TlsSocket&) = delete;
  TlsSocket& operator=(const TlsSocket&) = delete;

  boost::asio::ip::tcp::socket& next_layer() { return sock_; }
  SSL* native_handle() { return ssl_; }

  // Once the socket is connected: OpenSSL reads and writes it from now on.
  error_code attach();
  // Peer verification with Asio's RFC 6125 check of the leaf for `host` beside OpenSSL's own.
  void verify_peer_host(std::string host);

  Want handshake(error_code& ec);
  // Writes from data[written...]; `written` grows by what the socket took.
  Want write(std::string_view data, std::size_t& written, error_code& ec);
  // Decrypts what has been read for OpenSSL, as far as `buf` holds; `n` is what was decrypted,
  // Want::read when nothing more is buffered. Bytes and an error may come together (the bytes
  // first).
  Want read(boost::asio::mutable_buffer buf, std::size_t& n, error_code& ec);
  // Sends close_notify (one step; the peer's is not waited for).
  Want shutdown(error_code& ec);

  // Decrypted or undecrypted bytes held by OpenSSL or read for it (ahead of the socket).
  bool has_buffered() const { return in_begin_ != in_end_ || SSL_has_pending(ssl_) == 1; }
  // The peer closed the TCP stream (what it sent before is still read).
  bool at_eof() const { return eof_; }

  // Completes when the step can be tried again: for Want::write when the socket is writable, for
  // Want::read once what has arrived is read for OpenSSL. With the socket's error (the end of the
  // stream is none: OpenSSL reports it, as close_notify or truncation), or with operation_aborted
  // when the socket is closed meanwhile.
  template <class Handler>
  void async_wait(Want w, Handler&& h) {
    if (w == Want::write) {
      sock_.async_wait(boost::asio::ip::tcp::socket::wait_write, std::forward<Handler>(h));
      return;
    }
    // Only a completion that read something touches `this`: the operation waiting for it still
    // holds the connection then (an aborted one may run after the connection is gone).
    sock_.async_read_some(in_space(),
                          [this, h = std::forward<Handler>(h)](error_code ec, std::size_t n) mutable {
                            if (!ec) {
                              in_end_ += n;
                            } else if (ec == boost::asio::error::eof) {
                              eof_ = true;
                              ec = {};
                            }
                            std::move(h)(ec);
                          });
  }

  // async_wait(Want::read), and whether the peer had sent nothing when it started: no byte, no end
  // of the stream, no reset. A pooled connection starts the read its answer will come by this way
  // before the request is written: the check MSG_PEEK made, without a system call of its own. Asio's
  // epoll reactor tries a read at once when a read starts (epoll_reactor::start_op, "speculative")
  // and waits only when that read would block, so errno is EAGAIN after the start exactly when the
  // socket had nothing; a read that brought bytes, the end or an error leaves errno as it was (or
  // sets the error). Anything else — no read tried — answers false: the connection is not reused,
  // never written to on a guess. Other reactors probe with MSG_PEEK first.
  template <class Handler>
  bool start_read(Handler&& h) {
#if defined(BOOST_ASIO_HAS_EPOLL) && !defined(BOOST_ASIO_HAS_IO_URING_AS_DEFAULT)
    errno = 0;
    async_wait(Want::read, std::forward<Handler>(h));
    return errno == EAGAIN || errno == EWOULDBLOCK;
#else
    const bool idle = peek_idle();
    async_wait(Want::read, std::forward<Handler>(h));
    return idle;
#endif
  }
  // The same question as a system call of its own (recv with MSG_PEEK): nothing has arrived.
  bool peek_idle();

  // Closes the socket and detaches OpenSSL from its descriptor, which the system may hand out
  // again at once.
  void close();

 private:
  // One OpenSSL call (1 for success) on the open socket, with a clean error queue (SSL_get_error
  // reads it) and errno as the call left it: false with what it waits for or its error otherwise.
  template <class Call>
  bool attempt(Call&& call, Want& want, error_code& ec);
  Want finish(int result, int saved_errno, error_code& ec);
  static int verify_callback(int preverified, X509_STORE_CTX* ctx);
  // The read BIO over in_ and the write BIO onto the socket (one BIO_METHOD each for all sockets).
  static BIO_METHOD* in_method();
  static int in_read(BIO* b, char* out, std::size_t len, std::size_t* got);
  static long in_ctrl(BIO* b, int cmd, long num, void* ptr);
  static BIO_METHOD* out_method();
  static int out_write(BIO* b, const char* data, std::size_t len, std::size_t* written);
  static long out_ctrl(BIO* b, int cmd, long num, void* ptr);
  boost::asio::mutable_buffer in_space();

  boost::asio::ip::tcp::socket sock_;
  SSL* ssl_;
  std::string host_;  // for verify_callback
  bool attached_ = false;
  // Ciphertext read from the socket, not yet taken by OpenSSL: [in_begin_, in_end_) of in_. Room
  // for one whole record (2^14 + 256 + 5 bytes): one read, as OpenSSL's read-ahead made.
  static constexpr std::size_t in_capacity = 17 * 1024;
  std::unique_ptr<char[]> in_;
  std::size_t in_begin_ = 0;
  std::size_t in_end_ = 0;
  bool eof_ = false;
};

}  // namespace partnerkit::detail
