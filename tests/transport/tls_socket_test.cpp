// detail::TlsSocket on a real loopback TCP connection: what its start_read tells about the peer, and
// writes that meet a closed connection (an error, never SIGPIPE).
#include "detail/tls_socket.hpp"

#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/write.hpp>

#include <csignal>
#include <optional>
#include <thread>

namespace partnerkit {
namespace {

namespace asio = boost::asio;
using boost::system::error_code;
using tcp = asio::ip::tcp;
using detail::TlsSocket;
using namespace std::chrono_literals;

// A TlsSocket connected (TCP only, no handshake) to the accepted socket `peer`.
struct Pair {
  asio::io_context ioc;
  asio::ssl::context ctx{asio::ssl::context::tls_client};
  tcp::acceptor acceptor{ioc, tcp::endpoint(asio::ip::address_v4::loopback(), 0)};
  TlsSocket tls{ioc.get_executor(), ctx};
  tcp::socket peer{ioc};

  Pair() {
    tls.next_layer().connect(acceptor.local_endpoint());
    acceptor.accept(peer);
    EXPECT_FALSE(tls.attach());
  }
  // start_read's answer; the read's completion (if any) after the loop has run.
  bool start(std::optional<error_code>& done) {
    const bool idle = tls.start_read([&](error_code ec) { done = ec; });
    ioc.run_for(20ms);
    return idle;
  }
};

TEST(TlsSocket, StartReadOnAnIdleConnectionSaysIdleAndWaits) {
  Pair p;
  std::optional<error_code> done;
  EXPECT_TRUE(p.start(done));
  EXPECT_FALSE(done);                         // still waiting
  asio::write(p.peer, asio::buffer("x", 1));  // what arrives later completes it
  p.ioc.restart();
  p.ioc.run_for(50ms);
  ASSERT_TRUE(done);
  EXPECT_FALSE(*done);
  EXPECT_TRUE(p.tls.has_buffered());
}

TEST(TlsSocket, StartReadSeesBytesTheEndAndAReset) {
  for (const char* what : {"bytes", "zero byte", "end", "reset"}) {
    Pair p;
    const std::string w = what;
    if (w == "bytes") asio::write(p.peer, asio::buffer("\x15\x03\x03", 3));
    if (w == "zero byte") asio::write(p.peer, asio::buffer("\0", 1));
    if (w == "end") p.peer.shutdown(tcp::socket::shutdown_send);
    if (w == "reset") {
      p.peer.set_option(asio::socket_base::linger(true, 0));
      p.peer.close();
    }
    std::this_thread::sleep_for(20ms);  // it has arrived
    std::optional<error_code> done;
    EXPECT_FALSE(p.start(done)) << what;
    EXPECT_TRUE(done) << what;  // completed at once
  }
}

TEST(TlsSocket, AWriteToAClosedConnectionIsAnErrorNotSigpipe) {
  const auto previous = std::signal(SIGPIPE, SIG_DFL);  // as in a program that does not ignore it
  Pair p;
  p.peer.set_option(asio::socket_base::linger(true, 0));
  p.peer.close();
  std::this_thread::sleep_for(20ms);
  BIO* out = SSL_get_wbio(p.tls.native_handle());
  ASSERT_NE(out, nullptr);
  int failures = 0;
  for (int i = 0; i < 3; ++i) failures += BIO_write(out, "hello", 5) <= 0 ? 1 : 0;  // ECONNRESET, EPIPE...
  EXPECT_EQ(failures, 3);
  EXPECT_FALSE(BIO_should_retry(out));
  std::signal(SIGPIPE, previous);
}

}  // namespace
}  // namespace partnerkit
