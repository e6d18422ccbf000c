// BeastTransport on real sockets against the test TLS server (tests/support).
#include <partnerkit/beast_transport.hpp>
#include <partnerkit/transport_errors.hpp>

#include "test_tls_server.hpp"
#include "transport_test_kit.hpp"

#include <gtest/gtest.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>
#include <boost/asio/bind_cancellation_slot.hpp>
#include <boost/asio/cancellation_signal.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read_until.hpp>
#include <boost/asio/ssl/error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_future.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/error.hpp>
#include <boost/beast/http/error.hpp>

#include <array>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <future>
#include <mutex>
#include <optional>
#include <thread>
#include <vector>

namespace partnerkit {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
using boost::system::error_code;
using test::ServerOptions;
using test::ServerRequest;
using test::ServerResponse;
using test::TestServer;
using namespace std::chrono_literals;

struct Outcome {
  error_code ec;
  SendResult result;
};

TransportOptions options_for(const TestServer& server) { return test::test_server_options(server, 2s, 3s); }

HttpRequest post(std::string url, std::string body = R"({"email":"a@example.com"})") {
  return test::json_post(std::move(url), std::move(body), "test-key");
}

// Runs the io_context until this one request has completed.
Outcome send(asio::io_context& ioc, BeastTransport& transport, HttpRequest request) {
  std::optional<Outcome> out;
  transport.async_send(std::move(request), [&](error_code ec, SendResult r) {
    out = Outcome{ec, std::move(r)};
  });
  ioc.restart();
  while (!out && ioc.run_one() > 0) {
  }
  EXPECT_TRUE(out.has_value());
  return out ? std::move(*out) : Outcome{};
}

bool is_connection_loss(error_code ec) {
  return ec == asio::error::connection_reset || ec == asio::error::eof ||
         ec == asio::ssl::error::stream_truncated || ec == beast::http::error::partial_message ||
         ec == beast::http::error::end_of_stream || ec == asio::error::broken_pipe;
}

TEST(BeastTransport, PostSucceedsWithVerifiedTls) {
  std::optional<ServerRequest> seen;
  TestServer server([&](const ServerRequest& r) {
    seen = r;
    ServerResponse res;
    res.status = 201;
    res.headers = {{"Content-Type", "application/json"}, {"X-Request-Id", "abc"}};
    res.body = R"({"id":"pn_1"})";
    return res;
  });
  asio::io_context ioc;
  BeastTransport transport(ioc.get_executor(), options_for(server));
  auto out = send(ioc, transport, post(server.url("/partners?x=1")));
  ASSERT_FALSE(out.ec) << out.ec.message();
  EXPECT_TRUE(out.result.request_written);
  EXPECT_EQ(out.result.response.status, 201);
  EXPECT_EQ(out.result.response.body, R"({"id":"pn_1"})");
  EXPECT_EQ(out.result.response.header("x-request-id"), "abc");
  ASSERT_TRUE(seen);
  EXPECT_EQ(seen->method, "POST");
  EXPECT_EQ(seen->target, "/partners?x=1");
  EXPECT_EQ(seen->body, R"({"email":"a@example.com"})");
  EXPECT_EQ(seen->header("Host"), "localhost:" + std::to_string(server.port()));
  EXPECT_EQ(seen->header("User-Agent"), "partnerkit/" PARTNERKIT_VERSION);
  EXPECT_EQ(seen->header("Authorization"), "Bearer test-key");
  EXPECT_EQ(seen->header("Content-Length"), "25");
  EXPECT_EQ(transport.stats().connections_opened, 1u);
}

TEST(BeastTransport, IpLiteralHostVerifiesAgainstIpSan) {
  TestServer server(test::always({}));
  asio::io_context ioc;
  BeastTransport transport(ioc.get_executor(), options_for(server));
  auto out = send(ioc, transport, post(server.url("/", "127.0.0.1")));
  ASSERT_FALSE(out.ec) << out.ec.message();
  EXPECT_EQ(out.result.response.status, 200);
}

TEST(BeastTransport, HttpErrorStatusIsAResponseNotAnError) {
  ServerResponse res;
  res.status = 503;
  res.body = "down";
  TestServer server(test::always(res));
  asio::io_context ioc;
  BeastTransport transport(ioc.get_executor(), options_for(server));
  auto out = send(ioc, transport, post(server.url()));
  ASSERT_FALSE(out.ec);
  EXPECT_EQ(out.result.response.status, 503);
  EXPECT_EQ(out.result.response.body, "down");
}

TEST(BeastTransport, RedirectIsReturnedNotFollowed) {
  ServerResponse res;
  res.status = 302;
  res.headers = {{"Location", "/elsewhere"}};
  TestServer server(test::always(res));
  asio::io_context ioc;
  BeastTransport transport(ioc.get_executor(), options_for(server));
  auto out = send(ioc, transport, post(server.url()));
  ASSERT_FALSE(out.ec);
  EXPECT_EQ(out.result.response.status, 302);
  EXPECT_EQ(out.result.response.header("Location"), "/elsewhere");
  EXPECT_EQ(server.requests(), 1u);
}

TEST(BeastTransport, KeepAliveReusesOneConnectionFor1000Requests) {
  TestServer server(test::always({201, {}, R"({"ok":true})"}));
  asio::io_context ioc;
  BeastTransport transport(ioc.get_executor(), options_for(server));
  for (int i = 0; i < 1000; ++i) {
    auto out = send(ioc, transport, post(server.url("/partners")));
    ASSERT_FALSE(out.ec) << "request " << i << ": " << out.ec.message();
    ASSERT_EQ(out.result.response.status, 201);
  }
  EXPECT_EQ(server.connections_accepted(), 1u);
  ASSERT_EQ(server.requests_per_connection().size(), 1u);
  EXPECT_EQ(server.requests_per_connection()[0], 1000u);
  const auto stats = transport.stats();
  EXPECT_EQ(stats.connections_opened, 1u);
  EXPECT_EQ(stats.connections_reused, 999u);
  EXPECT_EQ(stats.requests, 1000u);
  EXPECT_EQ(stats.idle_connections, 1u);
}

TEST(BeastTransport, ResetInTheMiddleOfAResponseIsAnErrorAfterTheWrite) {
  ServerResponse res;
  res.body = std::string(64 * 1024, 'x');
  res.reset_mid_body = true;
  TestServer server(test::always(res));
  asio::io_context ioc;
  BeastTransport transport(ioc.get_executor(), options_for(server));
  auto out = send(ioc, transport, post(server.url()));
  ASSERT_TRUE(out.ec);
  EXPECT_TRUE(is_connection_loss(out.ec)) << out.ec.message();
  EXPECT_TRUE(out.result.request_written);
  EXPECT_EQ(out.result.response.status, 0);
  // The broken connection is not pooled.
  EXPECT_EQ(transport.stats().idle_connections, 0u);
}

TEST(BeastTransport, SlowServerTimesOut) {
  ServerResponse res;
  res.delay = 3s;
  TestServer server(test::always(res));
  asio::io_context ioc;
  auto o = options_for(server);
  o.request_timeout = 200ms;
  BeastTransport transport(ioc.get_executor(), o);
  const auto start = std::chrono::steady_clock::now();
  auto out = send(ioc, transport, post(server.url()));
  const auto elapsed = std::chrono::steady_clock::now() - start;
  EXPECT_EQ(out.ec, transport_error::request_timeout) << out.ec.message();
  EXPECT_TRUE(out.result.request_written);
  EXPECT_LT(elapsed, 2s);
  EXPECT_EQ(transport.stats().idle_connections, 0u);
}

// A listener whose accept queue is full and never drained: the kernel drops further SYNs, so the
// TCP connect hangs until connect_timeout.
TEST(BeastTransport, UnansweredConnectHitsTheConnectTimeout) {
  asio::io_context server_ioc;
  asio::ip::tcp::acceptor acceptor(server_ioc);
  asio::ip::tcp::endpoint ep(asio::ip::make_address("127.0.0.1"), 0);
  acceptor.open(ep.protocol());
  acceptor.bind(ep);
  acceptor.listen(0);
  const auto port = acceptor.local_endpoint().port();
  std::vector<int> fillers;  // raw non-blocking connects: queued, or left in SYN_SENT
  for (int i = 0; i < 8; ++i) {
    const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
    ASSERT_GE(fd, 0);
    sockaddr_in sa{};
    sa.sin_family = AF_INET;
    sa.sin_port = htons(port);
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    (void)::connect(fd, reinterpret_cast<const sockaddr*>(&sa), sizeof sa);
    fillers.push_back(fd);
  }
  std::this_thread::sleep_for(100ms);

  asio::io_context ioc;
  TransportOptions o;
  o.use_default_verify_paths = false;
  o.proxy_from_environment = false;
  o.connect_timeout = 200ms;
  BeastTransport transport(ioc.get_executor(), o);
  const auto start = std::chrono::steady_clock::now();
  auto out = send(ioc, transport, post("https://127.0.0.1:" + std::to_string(port) + "/"));
  EXPECT_EQ(out.ec, transport_error::connect_timeout) << out.ec.message();
  EXPECT_FALSE(out.result.request_written);
  EXPECT_LT(std::chrono::steady_clock::now() - start, 2s);
  for (int fd : fillers) ::close(fd);
}

// A TCP listener that accepts and then says nothing: the TLS handshake never completes.
TEST(BeastTransport, SilentServerHitsTheTlsTimeout) {
  asio::io_context server_ioc;
  asio::ip::tcp::acceptor acceptor(server_ioc, {asio::ip::make_address("127.0.0.1"), 0});
  std::vector<asio::ip::tcp::socket> held;
  std::function<void()> accept = [&] {
    acceptor.async_accept([&](error_code ec, asio::ip::tcp::socket s) {
      if (ec) return;
      held.push_back(std::move(s));
      accept();
    });
  };
  accept();
  std::thread server_thread([&] { server_ioc.run(); });

  asio::io_context ioc;
  TransportOptions o;
  o.use_default_verify_paths = false;
  o.proxy_from_environment = false;
  o.tls_timeout = 200ms;
  BeastTransport transport(ioc.get_executor(), o);
  const auto start = std::chrono::steady_clock::now();
  auto out = send(ioc, transport,
                  post("https://127.0.0.1:" + std::to_string(acceptor.local_endpoint().port()) + "/"));
  EXPECT_EQ(out.ec, transport_error::tls_handshake_timeout) << out.ec.message();
  EXPECT_FALSE(out.result.request_written);
  EXPECT_LT(std::chrono::steady_clock::now() - start, 2s);
  asio::post(server_ioc, [&] {
    acceptor.close();
    held.clear();
  });
  server_thread.join();
}

TEST(BeastTransport, TotalTimeoutCoversTheWholeSend) {
  ServerResponse res;
  res.delay = 3s;
  TestServer server(test::always(res));
  asio::io_context ioc;
  auto o = options_for(server);
  o.total_timeout = 200ms;
  BeastTransport transport(ioc.get_executor(), o);
  const auto start = std::chrono::steady_clock::now();
  auto out = send(ioc, transport, post(server.url()));
  EXPECT_EQ(out.ec, transport_error::request_timeout) << out.ec.message();  // the phase it cut
  EXPECT_EQ(out.ec, beast::condition::timeout);
  EXPECT_LT(std::chrono::steady_clock::now() - start, 2s);
}

TEST(BeastTransport, OversizeBodyHitsTheBodyLimit) {
  ServerResponse res;
  res.body = std::string(4096, 'x');
  TestServer server(test::always(res));
  asio::io_context ioc;
  auto o = options_for(server);
  o.max_body_bytes = 1024;
  BeastTransport transport(ioc.get_executor(), o);
  auto out = send(ioc, transport, post(server.url()));
  EXPECT_EQ(out.ec, beast::http::error::body_limit) << out.ec.message();
  EXPECT_EQ(transport.stats().idle_connections, 0u);
}

TEST(BeastTransport, DefaultBodyLimitIsOneMebibyte) {
  ServerResponse res;
  res.body = std::string(1024 * 1024 + 1, 'x');
  TestServer server(test::always(res));
  asio::io_context ioc;
  BeastTransport transport(ioc.get_executor(), options_for(server));
  auto out = send(ioc, transport, post(server.url()));
  EXPECT_EQ(out.ec, beast::http::error::body_limit) << out.ec.message();
}

TEST(BeastTransport, OversizeHeadersHitTheHeaderLimit) {
  ServerResponse res;
  for (int i = 0; i < 40; ++i)
    res.headers.emplace_back("X-Filler-" + std::to_string(i), std::string(100, 'y'));
  TestServer server(test::always(res));
  asio::io_context ioc;
  auto o = options_for(server);
  o.max_header_bytes = 1024;
  BeastTransport transport(ioc.get_executor(), o);
  auto out = send(ioc, transport, post(server.url()));
  EXPECT_EQ(out.ec, beast::http::error::header_limit) << out.ec.message();
}

TEST(BeastTransport, CertificateForAnotherHostNameFailsVerification) {
  ServerOptions so;
  so.leaf.dns_names = {"wrong.example"};
  so.leaf.ip_addresses = {};
  TestServer server(test::always({}), so);
  asio::io_context ioc;
  BeastTransport transport(ioc.get_executor(), options_for(server));
  for (const std::string host : {"localhost", "127.0.0.1"}) {
    auto out = send(ioc, transport, post(server.url("/", host)));
    ASSERT_TRUE(out.ec) << host;
    EXPECT_EQ(out.ec.category(), asio::error::get_ssl_category()) << host << ": " << out.ec.message();
    EXPECT_NE(out.ec.message().find("certificate verify failed"), std::string::npos) << out.ec.message();
    EXPECT_FALSE(out.result.request_written);
  }
  EXPECT_EQ(server.requests(), 0u);
}

TEST(BeastTransport, UntrustedCaFailsVerification) {
  sandbox::CertificateAuthority other("some other CA");
  ServerOptions so;
  so.ca = &other;  // the server's leaf comes from a CA the client does not trust
  TestServer server(test::always({}), so);
  asio::io_context ioc;
  auto o = options_for(server);
  o.ca_pem = sandbox::CertificateAuthority("the CA the client trusts").ca_cert_pem();
  BeastTransport transport(ioc.get_executor(), o);
  auto out = send(ioc, transport, post(server.url()));
  ASSERT_TRUE(out.ec);
  EXPECT_EQ(out.ec.category(), asio::error::get_ssl_category()) << out.ec.message();
  EXPECT_FALSE(out.result.request_written);
  EXPECT_EQ(server.requests(), 0u);
}

TEST(BeastTransport, NoTrustAtAllFailsVerification) {
  TestServer server(test::always({}));
  asio::io_context ioc;
  auto o = options_for(server);
  o.ca_pem.clear();
  o.use_default_verify_paths = true;  // the system store does not know the test CA
  BeastTransport transport(ioc.get_executor(), o);
  auto out = send(ioc, transport, post(server.url()));
  EXPECT_EQ(out.ec.category(), asio::error::get_ssl_category()) << out.ec.message();
}

TEST(BeastTransport, CaFileIsTrusted) {
  TestServer server(test::always({}));
  const std::string path = ::testing::TempDir() + "/partnerkit_transport_ca.pem";
  {
    std::ofstream f(path);
    f << server.ca_pem();
  }
  asio::io_context ioc;
  auto o = options_for(server);
  o.ca_pem.clear();
  o.ca_file = path;
  BeastTransport transport(ioc.get_executor(), o);
  auto out = send(ioc, transport, post(server.url()));
  EXPECT_FALSE(out.ec) << out.ec.message();
  auto bad = o;
  bad.ca_file = path + ".missing";
  EXPECT_THROW(BeastTransport(ioc.get_executor(), bad), boost::system::system_error);
}

// With a CA of its own, the system bundle is read only when a chain needs it: still trusted. The
// "system bundle" here is a file named by SSL_CERT_FILE (read when the transport is made).
TEST(BeastTransport, TheSystemStoreIsStillTrustedBesideAnOwnCa) {
  TestServer server(test::always({}));
  const std::string bundle = ::testing::TempDir() + "/partnerkit_system_bundle.pem";
  const std::string empty_dir = ::testing::TempDir() + "/partnerkit_no_hashed_certs";
  {
    std::ofstream f(bundle);
    f << sandbox::CertificateAuthority("an unrelated root").ca_cert_pem() << server.ca_pem();
  }
  std::filesystem::create_directories(empty_dir);
  ::setenv("SSL_CERT_FILE", bundle.c_str(), 1);
  ::setenv("SSL_CERT_DIR", empty_dir.c_str(), 1);
  asio::io_context ioc;
  auto o = options_for(server);
  o.ca_pem = sandbox::CertificateAuthority("the CA the client was given").ca_cert_pem();
  o.use_default_verify_paths = true;
  std::optional<BeastTransport> transport;
  transport.emplace(ioc.get_executor(), o);
  auto without_system = o;
  without_system.use_default_verify_paths = false;
  BeastTransport own_only(ioc.get_executor(), without_system);
  ::unsetenv("SSL_CERT_FILE");
  ::unsetenv("SSL_CERT_DIR");
  for (int i = 0; i < 3; ++i) {  // the first handshake loads the bundle, the others find it loaded
    auto out = send(ioc, *transport, post(server.url()));
    EXPECT_FALSE(out.ec) << i << ": " << out.ec.message();
  }
  auto refused = send(ioc, own_only, post(server.url()));
  EXPECT_EQ(refused.ec.category(), asio::error::get_ssl_category()) << refused.ec.message();
  std::remove(bundle.c_str());
}

TEST(BeastTransport, CancellationInFlightAborts) {
  ServerResponse res;
  res.delay = 5s;
  TestServer server(test::always(res));
  asio::io_context ioc;
  BeastTransport transport(ioc.get_executor(), options_for(server));
  asio::cancellation_signal signal;
  std::optional<Outcome> out;
  transport.async_send(post(server.url()),
                       asio::bind_cancellation_slot(signal.slot(), [&](error_code ec, SendResult r) {
                         out = Outcome{ec, std::move(r)};
                       }));
  asio::steady_timer timer(ioc, 150ms);
  timer.async_wait([&](error_code) { signal.emit(asio::cancellation_type::terminal); });
  const auto start = std::chrono::steady_clock::now();
  ioc.run();
  ASSERT_TRUE(out);
  EXPECT_EQ(out->ec, asio::error::operation_aborted) << out->ec.message();
  EXPECT_TRUE(out->result.request_written);
  EXPECT_LT(std::chrono::steady_clock::now() - start, 2s);
  EXPECT_EQ(transport.stats().idle_connections, 0u);  // a cancelled connection is not pooled
}

TEST(BeastTransport, CancellationWhileWaitingForAPoolSlot) {
  ServerResponse res;
  res.delay = 400ms;
  TestServer server(test::always(res));
  asio::io_context ioc;
  auto o = options_for(server);
  o.max_connections_per_origin = 1;
  BeastTransport transport(ioc.get_executor(), o);
  std::optional<Outcome> first, second;
  transport.async_send(post(server.url()), [&](error_code ec, SendResult r) {
    first = Outcome{ec, std::move(r)};
  });
  asio::cancellation_signal signal;
  transport.async_send(post(server.url()),
                       asio::bind_cancellation_slot(signal.slot(), [&](error_code ec, SendResult r) {
                         second = Outcome{ec, std::move(r)};
                       }));
  asio::steady_timer timer(ioc, 100ms);
  timer.async_wait([&](error_code) { signal.emit(asio::cancellation_type::terminal); });
  ioc.run();
  ASSERT_TRUE(first && second);
  EXPECT_FALSE(first->ec) << first->ec.message();
  EXPECT_EQ(second->ec, asio::error::operation_aborted);
  EXPECT_FALSE(second->result.request_written);
  EXPECT_EQ(server.requests(), 1u);
}

TEST(BeastTransport, PoolIsBoundedPerOrigin) {
  ServerResponse res;
  res.delay = 50ms;
  TestServer server(test::always(res));
  asio::io_context ioc;
  auto o = options_for(server);
  o.max_connections_per_origin = 2;
  BeastTransport transport(ioc.get_executor(), o);
  int ok = 0;
  for (int i = 0; i < 10; ++i) {
    transport.async_send(post(server.url()), [&](error_code ec, SendResult r) {
      EXPECT_FALSE(ec) << ec.message();
      if (!ec && r.response.status == 200) ++ok;
    });
  }
  ioc.run();
  EXPECT_EQ(ok, 10);
  EXPECT_EQ(server.connections_accepted(), 2u);
  EXPECT_EQ(transport.stats().connections_opened, 2u);
}

TEST(BeastTransport, ConnectionCloseIsHonoured) {
  ServerResponse res;
  res.close = true;
  TestServer server(test::always(res));
  asio::io_context ioc;
  BeastTransport transport(ioc.get_executor(), options_for(server));
  for (int i = 0; i < 3; ++i) {
    auto out = send(ioc, transport, post(server.url()));
    ASSERT_FALSE(out.ec) << out.ec.message();
    EXPECT_EQ(out.result.response.header("Connection"), "close");
  }
  ioc.restart();
  ioc.run();  // let the graceful closes finish
  EXPECT_EQ(server.connections_accepted(), 3u);
  const auto stats = transport.stats();
  EXPECT_EQ(stats.connections_opened, 3u);
  EXPECT_EQ(stats.connections_reused, 0u);
  EXPECT_EQ(stats.idle_connections, 0u);
  // Session resumption (nice-to-have): the second and third handshakes resume the first session.
  EXPECT_GE(stats.tls_sessions_resumed, 1u);
}

TEST(BeastTransport, RampUpResumesTheFirstSession) {
  ServerResponse res;
  res.delay = 20ms;  // keeps the eight requests on eight connections
  TestServer server(test::always(res));
  asio::io_context ioc;
  auto o = options_for(server);
  o.tls_resume_wait = 5s;
  BeastTransport transport(ioc.get_executor(), o);
  int ok = 0;
  for (int i = 0; i < 8; ++i) {
    transport.async_send(post(server.url()), [&](error_code ec, SendResult) { ok += !ec; });
  }
  ioc.run();
  EXPECT_EQ(ok, 8);
  const auto stats = transport.stats();
  EXPECT_EQ(stats.connections_opened, 8u);
  EXPECT_EQ(stats.tls_sessions_resumed, 7u);
}

TEST(BeastTransport, AStoredSessionResumesAgainAfterAnotherConnectionResumedIt) {
  // A TLS 1.3 client marks the session it resumed as used up at the end of its handshake; the
  // stored session must stay resumable for the next connection all the same (each takes a copy).
  TestServer server([](const ServerRequest& r) {
    ServerResponse res;
    if (r.connection == 1) res.delay = 500ms;  // keeps the second connection's session unsaved
    return res;
  });
  asio::io_context ioc;
  auto o = options_for(server);
  o.max_idle_per_origin = 0;  // a new connection per request
  BeastTransport transport(ioc.get_executor(), o);
  ASSERT_FALSE(send(ioc, transport, post(server.url())).ec);  // full handshake; its session stored
  ioc.restart();
  int ok = 0;
  transport.async_send(post(server.url()), [&](error_code ec, SendResult) { ok += !ec; });
  while (transport.stats().connections_opened < 2 && ioc.run_one_for(5s) > 0) {
  }
  ASSERT_EQ(transport.stats().connections_opened, 2u);  // handshake done, answer still awaited
  transport.async_send(post(server.url()), [&](error_code ec, SendResult) { ok += !ec; });
  ioc.run();
  EXPECT_EQ(ok, 2);
  EXPECT_EQ(transport.stats().connections_opened, 3u);
  EXPECT_EQ(transport.stats().tls_sessions_resumed, 2u);
}

TEST(BeastTransport, WithoutRampUpWaitConcurrentHandshakesAreFull) {
  ServerResponse res;
  res.delay = 20ms;
  TestServer server(test::always(res));
  asio::io_context ioc;
  auto o = options_for(server);
  o.tls_resume_wait = 0ms;
  BeastTransport transport(ioc.get_executor(), o);
  for (int i = 0; i < 4; ++i) transport.async_send(post(server.url()), [](error_code, SendResult) {});
  ioc.run();
  EXPECT_EQ(transport.stats().connections_opened, 4u);
  EXPECT_EQ(transport.stats().tls_sessions_resumed, 0u);
}

TEST(BeastTransport, RampUpWaitIsBoundedAndCancellable) {
  // The first request (the pioneer) is answered after 800 ms; under TLS 1.3 its session only
  // arrives with that answer.
  TestServer server([](const ServerRequest& r) {
    ServerResponse res;
    if (r.connection == 0) res.delay = 800ms;
    return res;
  });
  asio::io_context ioc;
  auto o = options_for(server);
  o.tls_resume_wait = 100ms;
  BeastTransport transport(ioc.get_executor(), o);
  const auto start = std::chrono::steady_clock::now();
  std::optional<std::chrono::steady_clock::duration> second_done;
  std::optional<error_code> first_ec, second_ec, third_ec;
  transport.async_send(post(server.url()), [&](error_code ec, SendResult) { first_ec = ec; });
  transport.async_send(post(server.url()), [&](error_code ec, SendResult) {
    second_ec = ec;
    second_done = std::chrono::steady_clock::now() - start;
  });
  asio::cancellation_signal signal;
  transport.async_send(
      post(server.url()),
      asio::bind_cancellation_slot(signal.slot(), [&](error_code ec, SendResult) { third_ec = ec; }));
  asio::steady_timer timer(ioc, 30ms);  // while the third still waits for the pioneer's session
  timer.async_wait([&](error_code) { signal.emit(asio::cancellation_type::terminal); });
  ioc.run();
  ASSERT_TRUE(first_ec && second_ec && third_ec && second_done);
  EXPECT_FALSE(*first_ec);
  EXPECT_FALSE(*second_ec);
  EXPECT_LT(*second_done, 600ms);  // gave up waiting after 100 ms, did a full handshake
  EXPECT_EQ(*third_ec, asio::error::operation_aborted);
}

TEST(BeastTransport, CloseDelimitedBodyEndsAtCloseNotifyOrTruncation) {
  for (const bool truncate : {false, true}) {
    ServerResponse res;
    res.body = R"({"id":"pn_close_delimited"})";
    res.close_delimited = true;
    res.truncate = truncate;  // true: TCP closed without TLS close_notify after the whole body
    TestServer server(test::always(res));
    asio::io_context ioc;
    BeastTransport transport(ioc.get_executor(), options_for(server));
    auto out = send(ioc, transport, post(server.url()));
    ASSERT_FALSE(out.ec) << "truncate=" << truncate << ": " << out.ec.message();
    EXPECT_EQ(out.result.response.body, res.body);
    EXPECT_EQ(transport.stats().idle_connections, 0u);
  }
}

TEST(BeastTransport, RequestConnectionCloseIsHonoured) {
  TestServer server(test::always({}));
  asio::io_context ioc;
  BeastTransport transport(ioc.get_executor(), options_for(server));
  auto r = post(server.url());
  r.headers.emplace_back("Connection", "close");
  ASSERT_FALSE(send(ioc, transport, r).ec);
  ASSERT_FALSE(send(ioc, transport, r).ec);
  EXPECT_EQ(transport.stats().connections_opened, 2u);
}

TEST(BeastTransport, StalePooledConnectionIsReplacedByAFreshOne) {
  ServerOptions so;
  so.idle_close = 100ms;  // the server closes keep-alive connections idle for 100 ms
  TestServer server(test::always({}), so);
  asio::io_context ioc;
  BeastTransport transport(ioc.get_executor(), options_for(server));
  ASSERT_FALSE(send(ioc, transport, post(server.url())).ec);
  EXPECT_EQ(transport.stats().idle_connections, 1u);
  std::this_thread::sleep_for(400ms);
  auto out = send(ioc, transport, post(server.url()));
  ASSERT_FALSE(out.ec) << out.ec.message();
  EXPECT_EQ(out.result.response.status, 200);
  const auto stats = transport.stats();
  EXPECT_EQ(stats.stale_discarded, 1u);
  EXPECT_EQ(stats.connections_opened, 2u);
  EXPECT_EQ(server.connections_accepted(), 2u);
  EXPECT_EQ(server.requests(), 2u);
}

// A server that closes a keep-alive connection right after a complete answer (no Connection: close;
// TCP FIN without close_notify a moment later): once that end is there, the next request must go to
// a fresh connection, never into the closed one (it would fail after the write: an ambiguous
// outcome for a create).
TEST(BeastTransport, AConnectionClosedRightAfterItsAnswerGetsNoFurtherRequest) {
  std::atomic<int> seen{0};
  TestServer server([&](const ServerRequest&) {
    ServerResponse res;
    if (seen.fetch_add(1) > 0) return res;  // the later requests: plain keep-alive answers
    res.raw = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n{}";  // keep-alive, then the close
    res.stream = [](std::string&) { return false; };
    return res;
  });
  asio::io_context ioc;
  BeastTransport transport(ioc.get_executor(), options_for(server));
  auto first = send(ioc, transport, post(server.url()));
  ASSERT_FALSE(first.ec) << first.ec.message();
  EXPECT_EQ(transport.stats().idle_connections, 1u);
  std::this_thread::sleep_for(100ms);  // the end of the stream arrives
  for (int i = 0; i < 3; ++i) {
    auto out = send(ioc, transport, post(server.url()));
    ASSERT_FALSE(out.ec) << "request " << i << ": " << out.ec.message();
    EXPECT_EQ(out.result.response.status, 200);
  }
  const auto stats = transport.stats();
  EXPECT_EQ(stats.stale_discarded, 1u);
  EXPECT_EQ(stats.connections_opened, 2u);
  EXPECT_EQ(stats.connections_reused, 2u);
  EXPECT_EQ(server.connections_accepted(), 2u);
  EXPECT_EQ(server.requests(), 4u);
}

TEST(BeastTransport, IdleConnectionsExpire) {
  TestServer server(test::always({}));
  asio::io_context ioc;
  auto o = options_for(server);
  o.idle_timeout = 100ms;
  BeastTransport transport(ioc.get_executor(), o);
  ASSERT_FALSE(send(ioc, transport, post(server.url())).ec);
  std::this_thread::sleep_for(250ms);
  ASSERT_FALSE(send(ioc, transport, post(server.url())).ec);
  EXPECT_EQ(transport.stats().connections_opened, 2u);
  EXPECT_EQ(transport.stats().connections_reused, 0u);
}

TEST(BeastTransport, PlainHttpIsRefusedExceptToLoopbackWhenAllowed) {
  ServerOptions so;
  so.tls = false;
  TestServer server(test::always({}), so);
  asio::io_context ioc;
  auto o = options_for(server);
  {
    BeastTransport transport(ioc.get_executor(), o);
    auto out = send(ioc, transport, post(server.url()));
    EXPECT_EQ(out.ec, transport_error::scheme_refused) << out.ec.message();
    EXPECT_FALSE(out.result.request_written);
  }
  o.allow_plain_http_loopback = true;
  BeastTransport transport(ioc.get_executor(), o);
  auto remote = send(ioc, transport, post("http://example.com/partners"));
  EXPECT_EQ(remote.ec, transport_error::scheme_refused) << remote.ec.message();
  auto remote_ip = send(ioc, transport, post("http://192.0.2.1/partners"));
  EXPECT_EQ(remote_ip.ec, transport_error::scheme_refused) << remote_ip.ec.message();
  auto local = send(ioc, transport, post(server.url()));
  ASSERT_FALSE(local.ec) << local.ec.message();
  EXPECT_EQ(local.result.response.status, 200);
  auto local_ip = send(ioc, transport, post(server.url("/", "127.0.0.1")));
  ASSERT_FALSE(local_ip.ec) << local_ip.ec.message();
  EXPECT_EQ(server.requests(), 2u);
}

TEST(BeastTransport, BadInputIsRejectedBeforeAnythingIsSent) {
  asio::io_context ioc;
  TransportOptions o;
  o.proxy_from_environment = false;
  BeastTransport transport(ioc.get_executor(), o);
  for (const char* url : {"not a url", "ftp://localhost/x", "https://", "https://localhost:0/"}) {
    auto out = send(ioc, transport, post(url));
    EXPECT_TRUE(out.ec) << url;
    EXPECT_FALSE(out.result.request_written);
  }
  auto injected = post("https://localhost:1/");
  injected.headers.emplace_back("X-Evil", "a\r\nX-Injected: 1");
  EXPECT_EQ(send(ioc, transport, injected).ec, transport_error::request_rejected);
  auto bad_name = post("https://localhost:1/");
  bad_name.headers.emplace_back("Bad Name", "x");
  EXPECT_EQ(send(ioc, transport, bad_name).ec, transport_error::request_rejected);
  EXPECT_EQ(transport.stats().requests, 0u);
}

TEST(BeastTransport, NeverCompletesInline) {
  TestServer server(test::always({}));
  asio::io_context ioc;
  BeastTransport transport(ioc.get_executor(), options_for(server));
  bool done = false;
  transport.async_send(post("ftp://nowhere/"), [&](error_code, SendResult) { done = true; });
  EXPECT_FALSE(done);
  bool done2 = false;
  transport.async_send(post(server.url()), [&](error_code, SendResult) { done2 = true; });
  EXPECT_FALSE(done2);
  ioc.run();
  EXPECT_TRUE(done);
  EXPECT_TRUE(done2);
}

TEST(BeastTransport, ConnectionRefused) {
  unsigned short port = 0;
  {
    TestServer server(test::always({}));
    port = server.port();
  }
  asio::io_context ioc;
  TransportOptions o;
  o.proxy_from_environment = false;
  BeastTransport transport(ioc.get_executor(), o);
  auto out = send(ioc, transport, post("https://127.0.0.1:" + std::to_string(port) + "/"));
  EXPECT_EQ(out.ec, asio::error::connection_refused) << out.ec.message();
  EXPECT_FALSE(out.result.request_written);
}

TEST(BeastTransport, ServerDropWithoutAnswerIsAConnectionLoss) {
  ServerResponse res;
  res.drop = true;
  TestServer server(test::always(res));
  asio::io_context ioc;
  BeastTransport transport(ioc.get_executor(), options_for(server));
  auto out = send(ioc, transport, post(server.url()));
  EXPECT_TRUE(is_connection_loss(out.ec)) << out.ec.message();
  EXPECT_TRUE(out.result.request_written);
}

TEST(BeastTransport, WorksWithUseFutureThroughTheTokenAdapter) {
  TestServer server(test::always({201, {}, "{}"}));
  asio::io_context ioc;
  BeastTransport transport(ioc.get_executor(), options_for(server));
  std::optional<Outcome> out;
  async_send(transport, post(server.url()), [&](error_code ec, SendResult r) {
    out = Outcome{ec, std::move(r)};
  });
  ioc.run();
  ASSERT_TRUE(out);
  EXPECT_EQ(out->result.response.status, 201);
}

// --- HTTP CONNECT proxy ---------------------------------------------------------------------

namespace proxy {

using tcp = asio::ip::tcp;

// A minimal CONNECT proxy on 127.0.0.1 that tunnels every CONNECT to 127.0.0.1:<upstream_port>
// (whatever host the client named), or answers `refuse_status` when non-zero.
class ConnectProxy {
 public:
  explicit ConnectProxy(unsigned short upstream_port, int refuse_status = 0)
      : upstream_port_(upstream_port), refuse_status_(refuse_status), acceptor_(ioc_) {
    tcp::endpoint ep(asio::ip::make_address("127.0.0.1"), 0);
    acceptor_.open(ep.protocol());
    acceptor_.bind(ep);
    acceptor_.listen();
    port_ = acceptor_.local_endpoint().port();
    accept();
    thread_ = std::thread([this] { ioc_.run(); });
  }
  ~ConnectProxy() {
    ioc_.stop();
    thread_.join();
  }
  unsigned short port() const { return port_; }
  std::vector<std::string> targets() const {
    std::lock_guard lock(mu_);
    return targets_;
  }
  std::vector<std::string> authorizations() const {
    std::lock_guard lock(mu_);
    return authorizations_;
  }

 private:
  struct Tunnel : std::enable_shared_from_this<Tunnel> {
    Tunnel(tcp::socket c, asio::io_context& ioc) : client(std::move(c)), upstream(ioc) {}
    tcp::socket client;
    tcp::socket upstream;
    std::string head;  // the CONNECT request head (the client sends nothing more before our answer)
    std::string reply;
    std::array<char, 16384> a{}, b{};

    void pump(tcp::socket& from, tcp::socket& to, std::array<char, 16384>& buf) {
      from.async_read_some(asio::buffer(buf),
                           [self = shared_from_this(), &from, &to, &buf](error_code ec, std::size_t n) {
                             if (ec) {
                               error_code ignored;
                               to.shutdown(tcp::socket::shutdown_send, ignored);
                               return;
                             }
                             asio::async_write(to, asio::buffer(buf.data(), n),
                                               [self, &from, &to, &buf](error_code ec2, std::size_t) {
                                                 if (!ec2) self->pump(from, to, buf);
                                               });
                           });
    }
  };

  void accept() {
    acceptor_.async_accept([this](error_code ec, tcp::socket s) {
      if (ec) return;
      auto t = std::make_shared<Tunnel>(std::move(s), ioc_);
      asio::async_read_until(
          t->client, asio::dynamic_buffer(t->head), "\r\n\r\n", [this, t](error_code ec2, std::size_t) {
            if (ec2) return;
            // "CONNECT host:port HTTP/1.1\r\n…": keep "CONNECT host:port" and the Proxy-Authorization value.
            const std::string& h = t->head;
            std::string auth;
            const std::string key = "\r\nProxy-Authorization: ";
            if (auto p = h.find(key); p != std::string::npos) {
              auth = h.substr(p + key.size(), h.find("\r\n", p + key.size()) - (p + key.size()));
            }
            {
              std::lock_guard lock(mu_);
              targets_.push_back(h.substr(0, h.find(" HTTP/1.1\r\n")));
              authorizations_.push_back(auth);
            }
            if (refuse_status_ != 0) {
              t->reply =
                  "HTTP/1.1 " + std::to_string(refuse_status_) + " Refused\r\nContent-Length: 0\r\n\r\n";
              asio::async_write(t->client, asio::buffer(t->reply), [t](error_code, std::size_t) {});
              return;
            }
            t->upstream.async_connect(
                tcp::endpoint(asio::ip::make_address("127.0.0.1"), upstream_port_), [t](error_code ec3) {
                  if (ec3) return;
                  t->reply = "HTTP/1.1 200 Connection established\r\n\r\n";
                  asio::async_write(t->client, asio::buffer(t->reply), [t](error_code ec4, std::size_t) {
                    if (ec4) return;
                    t->pump(t->client, t->upstream, t->a);
                    t->pump(t->upstream, t->client, t->b);
                  });
                });
          });
      accept();
    });
  }

  unsigned short upstream_port_;
  int refuse_status_;
  asio::io_context ioc_;
  tcp::acceptor acceptor_;
  unsigned short port_ = 0;
  std::thread thread_;
  mutable std::mutex mu_;
  std::vector<std::string> targets_;
  std::vector<std::string> authorizations_;
};

}  // namespace proxy

TEST(BeastTransport, TunnelsThroughAnHttpConnectProxy) {
  ServerOptions so;
  so.leaf.dns_names = {"partner.test"};  // the proxy maps every CONNECT to the test server
  so.leaf.ip_addresses = {};
  TestServer server(test::always({201, {}, "{}"}), so);
  proxy::ConnectProxy px(server.port());
  asio::io_context ioc;
  auto o = options_for(server);
  o.proxy = "http://user:pw@127.0.0.1:" + std::to_string(px.port());
  BeastTransport transport(ioc.get_executor(), o);
  for (int i = 0; i < 3; ++i) {
    auto out = send(ioc, transport, post("https://partner.test:8443/partners"));
    ASSERT_FALSE(out.ec) << out.ec.message();
    EXPECT_EQ(out.result.response.status, 201);
  }
  ASSERT_EQ(px.targets().size(), 1u);  // one tunnel, kept alive for the three requests
  EXPECT_EQ(px.targets()[0], "CONNECT partner.test:8443");
  EXPECT_EQ(px.authorizations()[0], "Basic dXNlcjpwdw==");
  EXPECT_EQ(server.connections_accepted(), 1u);
  EXPECT_EQ(server.requests(), 3u);
}

TEST(BeastTransport, TlsThroughTheProxyIsStillVerified) {
  ServerOptions so;
  so.leaf.dns_names = {"someone-else.test"};
  so.leaf.ip_addresses = {};
  TestServer server(test::always({}), so);
  proxy::ConnectProxy px(server.port());
  asio::io_context ioc;
  auto o = options_for(server);
  o.proxy = "http://127.0.0.1:" + std::to_string(px.port());
  BeastTransport transport(ioc.get_executor(), o);
  auto out = send(ioc, transport, post("https://partner.test/partners"));
  EXPECT_EQ(out.ec.category(), asio::error::get_ssl_category()) << out.ec.message();
  EXPECT_EQ(server.requests(), 0u);
}

TEST(BeastTransport, ProxyAuthenticationRequiredIsItsOwnError) {
  TestServer server(test::always({}));
  proxy::ConnectProxy px(server.port(), 407);
  asio::io_context ioc;
  auto o = options_for(server);
  o.proxy = "http://127.0.0.1:" + std::to_string(px.port());
  BeastTransport transport(ioc.get_executor(), o);
  auto out = send(ioc, transport, post("https://partner.test/partners"));
  EXPECT_EQ(out.ec, transport_error::proxy_auth_required) << out.ec.message();
  EXPECT_FALSE(out.result.request_written);
}

TEST(BeastTransport, ProxyRefusalIsProxyRefused) {
  TestServer server(test::always({}));
  proxy::ConnectProxy px(server.port(), 403);
  asio::io_context ioc;
  auto o = options_for(server);
  o.proxy = "http://127.0.0.1:" + std::to_string(px.port());
  BeastTransport transport(ioc.get_executor(), o);
  auto out = send(ioc, transport, post("https://partner.test/partners"));
  EXPECT_EQ(out.ec, transport_error::proxy_refused) << out.ec.message();
  EXPECT_FALSE(out.result.request_written);
}

TEST(BeastTransport, LoopbackAndNoProxyHostsBypassTheProxy) {
  TestServer server(test::always({}));
  proxy::ConnectProxy px(server.port());
  asio::io_context ioc;
  auto o = options_for(server);
  o.proxy = "http://127.0.0.1:" + std::to_string(px.port());
  BeastTransport transport(ioc.get_executor(), o);
  ASSERT_FALSE(send(ioc, transport, post(server.url())).ec);  // localhost: direct
  EXPECT_TRUE(px.targets().empty());
  auto bad = o;
  bad.proxy = "https://127.0.0.1:1";  // only http:// proxies
  EXPECT_THROW(BeastTransport(ioc.get_executor(), bad), boost::system::system_error);
}

}  // namespace
}  // namespace partnerkit
