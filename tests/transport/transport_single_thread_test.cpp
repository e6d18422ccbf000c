// BeastTransport with TransportOptions::single_threaded (connections without strands, requests sent
// inline from the handler of the one before, as the command line's batch sends them), and
// async_send_lent's borrowed request. Real sockets against the test TLS server (tests/support).
#include <partnerkit/beast_transport.hpp>

#include "test_tls_server.hpp"
#include "transport_test_kit.hpp"

#include <gtest/gtest.h>

#include <boost/asio/bind_cancellation_slot.hpp>
#include <boost/asio/cancellation_signal.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>

#include <atomic>
#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <thread>

namespace partnerkit {
namespace {

namespace asio = boost::asio;
using boost::system::error_code;
using test::ServerRequest;
using test::ServerResponse;
using test::TestServer;
using namespace std::chrono_literals;

TransportOptions single_threaded_for(const TestServer& server) {
  TransportOptions o = test::test_server_options(server, 2s, 3s);
  o.single_threaded = true;
  return o;
}

HttpRequest post(std::string url, std::string body) {
  return test::json_post(std::move(url), std::move(body), "test-key");
}

// `lanes` chains of `per_lane` requests, each request sent from the handler of the one before (on
// the connection that answer just released), the request lent from a temporary gone once the call
// returns. Every answer must echo its own request's body.
struct Chains {
  BeastTransport& transport;
  std::string url;
  int per_lane;
  int ok = 0;
  int wrong = 0;
  error_code first_error;

  void send(int lane, int i) {
    const std::string body = "lane " + std::to_string(lane) + " request " + std::to_string(i);
    transport.async_send_lent(post(url, body), [this, lane, i, body](error_code ec, SendResult r) {
      if (ec) {
        if (!first_error) first_error = ec;
        return;
      }
      if (r.response.status == 201 && r.response.body == body) {
        ++ok;
      } else {
        ++wrong;
      }
      if (i + 1 < per_lane) send(lane, i + 1);
    });
  }
};

TestServer echo_server() {
  return TestServer([](const ServerRequest& req) {
    ServerResponse res;
    res.status = 201;
    res.body = req.body;
    return res;
  });
}

TEST(BeastTransportSingleThreaded, ChainsOfRequestsReuseTheirConnections) {
  TestServer server = echo_server();
  asio::io_context ioc(1);
  auto o = single_threaded_for(server);
  o.tls_resume_wait = 5s;
  BeastTransport transport(ioc.get_executor(), o);
  Chains chains{transport, server.url("/partners"), 200, 0, 0, {}};
  for (int lane = 0; lane < 8; ++lane) chains.send(lane, 0);
  ioc.run();
  EXPECT_FALSE(chains.first_error) << chains.first_error.message();
  EXPECT_EQ(chains.ok, 8 * 200);
  EXPECT_EQ(chains.wrong, 0);
  const auto stats = transport.stats();
  EXPECT_EQ(stats.requests, 8u * 200u);
  EXPECT_EQ(stats.connections_opened, server.connections_accepted());
  EXPECT_LE(stats.connections_opened, 8u);
  EXPECT_EQ(stats.connections_reused + stats.connections_opened, 8u * 200u);
  EXPECT_EQ(stats.tls_sessions_resumed + 1, stats.connections_opened);
}

// The check before the write holds without strands: a connection the server closed right after its
// answer gets no further request.
TEST(BeastTransportSingleThreaded, AConnectionClosedRightAfterItsAnswerGetsNoFurtherRequest) {
  std::atomic<int> seen{0};
  TestServer server([&](const ServerRequest&) {
    ServerResponse res;
    if (seen.fetch_add(1) > 0) return res;
    res.raw = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n{}";  // keep-alive, then the close
    res.stream = [](std::string&) { return false; };
    return res;
  });
  asio::io_context ioc(1);
  BeastTransport transport(ioc.get_executor(), single_threaded_for(server));
  int ok = 0;
  std::function<void(int)> next = [&](int i) {
    transport.async_send_lent(post(server.url(), "{}"), [&, i](error_code ec, SendResult r) {
      ASSERT_FALSE(ec) << "request " << i << ": " << ec.message();
      ok += r.response.status == 200;
      if (i == 0) std::this_thread::sleep_for(100ms);  // the end of the stream arrives
      if (i < 3) next(i + 1);
    });
  };
  next(0);
  ioc.run();
  EXPECT_EQ(ok, 4);
  const auto stats = transport.stats();
  EXPECT_EQ(stats.stale_discarded, 1u);
  EXPECT_EQ(stats.connections_opened, 2u);
  EXPECT_EQ(server.connections_accepted(), 2u);
  EXPECT_EQ(server.requests(), 4u);
}

TEST(BeastTransportSingleThreaded, CancellationInFlightAborts) {
  ServerResponse res;
  res.delay = 5s;
  TestServer server(test::always(res));
  asio::io_context ioc(1);
  BeastTransport transport(ioc.get_executor(), single_threaded_for(server));
  asio::cancellation_signal signal;
  std::optional<error_code> out;
  transport.async_send_lent(post(server.url(), "{}"),
                            asio::bind_cancellation_slot(signal.slot(), [&](error_code ec, SendResult r) {
                              out = ec;
                              EXPECT_TRUE(r.request_written);
                            }));
  asio::steady_timer timer(ioc, 150ms);
  timer.async_wait([&](error_code) { signal.emit(asio::cancellation_type::terminal); });
  const auto start = std::chrono::steady_clock::now();
  ioc.run();
  ASSERT_TRUE(out);
  EXPECT_EQ(*out, asio::error::operation_aborted) << out->message();
  EXPECT_LT(std::chrono::steady_clock::now() - start, 2s);
  EXPECT_EQ(transport.stats().idle_connections, 0u);
}

// A Transport that implements only async_send gets async_send_lent's request as a copy of its own.
TEST(TransportInterface, AsyncSendLentDefaultsToACopyForAsyncSend) {
  struct OnlyAsyncSend : Transport {
    asio::io_context& ioc;
    std::optional<HttpRequest> got;
    explicit OnlyAsyncSend(asio::io_context& c) : ioc(c) {}
    void async_send(HttpRequest request, send_handler handler) override {
      got = std::move(request);
      asio::post(ioc, [h = std::move(handler)]() mutable { std::move(h)(error_code{}, SendResult{}); });
    }
    executor_type get_executor() const override { return ioc.get_executor(); }
  };
  asio::io_context ioc;
  OnlyAsyncSend transport(ioc);
  bool done = false;
  {
    const HttpRequest lent = post("https://example.test/x", "body");
    transport.async_send_lent(lent, [&](error_code ec, SendResult) { done = !ec; });
  }
  ioc.run();
  EXPECT_TRUE(done);
  ASSERT_TRUE(transport.got);
  EXPECT_EQ(*transport.got, post("https://example.test/x", "body"));
}

}  // namespace
}  // namespace partnerkit
