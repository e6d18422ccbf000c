// A TLS client stream where OpenSSL reads and writes the non-blocking socket itself (a socket BIO)
// and Asio only reports readiness, as wrk and curl drive OpenSSL. Asio's ssl::stream copies every
// byte through a BIO pair and two buffers of its own (~66 KB per connection), clears OpenSSL's
// error queue at every step and makes OpenSSL free its record buffers after each record
// (SSL_MODE_RELEASE_BUFFERS): about a seventh of a create's CPU on the batch path.
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

#include <cstddef>
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
  // Reads the records OpenSSL takes in with one recv (read-ahead), as far as `buf` holds; `n` is
  // what was read, Want::read when nothing more is buffered. Bytes and an error may come together
  // (the bytes first).
  Want read(boost::asio::mutable_buffer buf, std::size_t& n, error_code& ec);
  // Sends close_notify (one step; the peer's is not waited for).
  Want shutdown(error_code& ec);

  // Decrypted or undecrypted bytes held by OpenSSL (read ahead of the socket).
  bool has_buffered() const { return SSL_has_pending(ssl_) == 1; }

  // Completes with the socket's error, or with operation_aborted when it is closed meanwhile.
  template <class Handler>
  void async_wait(Want w, Handler&& h) {
    sock_.async_wait(
        w == Want::write ? boost::asio::ip::tcp::socket::wait_write : boost::asio::ip::tcp::socket::wait_read,
        std::forward<Handler>(h));
  }

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

  boost::asio::ip::tcp::socket sock_;
  SSL* ssl_;
  std::string host_;  // for verify_callback
  bool attached_ = false;
};

}  // namespace partnerkit::detail
