// BeastTransport on a multi-threaded io_context, started from several threads (run under TSan).
#include <partnerkit/beast_transport.hpp>

#include "test_tls_server.hpp"
#include "transport_test_kit.hpp"

#include <gtest/gtest.h>
#include <boost/asio/bind_cancellation_slot.hpp>
#include <boost/asio/bind_executor.hpp>
#include <boost/asio/cancellation_signal.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>

#include <atomic>
#include <future>
#include <thread>
#include <vector>

namespace partnerkit {
namespace {

namespace asio = boost::asio;
using boost::system::error_code;
using namespace std::chrono_literals;

TransportOptions options_for(const test::TestServer& server) {
  return test::test_server_options(server, 5s, 10s);
}

HttpRequest post(std::string url, int i) {
  return test::json_post(std::move(url), R"({"email":"p)" + std::to_string(i) + R"(@example.com"})");
}

// Each chain sends `n` requests one after another, each from the previous one's handler.
struct Chain {
  BeastTransport& transport;
  std::string url;
  int id;
  int remaining;
  std::atomic<int>& ok;
  std::atomic<int>& failed;
  std::promise<void> done;

  void next() {
    if (remaining-- == 0) {
      done.set_value();
      return;
    }
    transport.async_send(post(url, id), [this](error_code ec, SendResult r) {
      if (!ec && r.response.status == 201 && r.response.body == R"({"ok":true})") {
        ok.fetch_add(1);
      } else {
        failed.fetch_add(1);
      }
      next();
    });
  }
};

TEST(BeastTransportConcurrent, EightOperationsFromTwoThreads) {
  test::ServerOptions so;
  so.threads = 2;
  test::TestServer server(test::always({201, {}, R"({"ok":true})"}), so);
  asio::io_context ioc;
  auto work = asio::make_work_guard(ioc);
  std::vector<std::thread> runners;
  for (int i = 0; i < 2; ++i) runners.emplace_back([&] { ioc.run(); });

  auto o = options_for(server);
  o.max_connections_per_origin = 4;  // 8 chains share 4 connections: waiting and handing over
  BeastTransport transport(ioc.get_executor(), o);
  std::atomic<int> ok{0}, failed{0};
  constexpr int per_chain = 50;
  std::vector<std::unique_ptr<Chain>> chains;
  for (int i = 0; i < 8; ++i) {
    chains.push_back(
        std::make_unique<Chain>(Chain{transport, server.url("/partners"), i, per_chain, ok, failed, {}}));
  }
  // Start four chains from each of two threads at once.
  std::vector<std::thread> starters;
  for (int t = 0; t < 2; ++t) {
    starters.emplace_back([&, t] {
      for (int i = t * 4; i < t * 4 + 4; ++i) chains[i]->next();
    });
  }
  for (auto& s : starters) s.join();
  for (auto& c : chains) {
    ASSERT_EQ(c->done.get_future().wait_for(30s), std::future_status::ready);
  }
  EXPECT_EQ(ok.load(), 8 * per_chain);
  EXPECT_EQ(failed.load(), 0);
  EXPECT_LE(server.connections_accepted(), 4u);
  const auto stats = transport.stats();
  EXPECT_EQ(stats.requests, 8u * per_chain);
  EXPECT_LE(stats.connections_opened, 4u);
  work.reset();
  for (auto& r : runners) r.join();
}

TEST(BeastTransportConcurrent, CancellationRacesWithCompletion) {
  test::ServerOptions so;
  so.threads = 2;
  test::TestServer server(
      [](const test::ServerRequest& r) {
        test::ServerResponse res;
        res.delay = std::chrono::milliseconds(r.request_on_connection % 3 == 0 ? 0 : 20);
        return res;
      },
      so);
  asio::io_context ioc;
  auto work = asio::make_work_guard(ioc);
  std::vector<std::thread> runners;
  for (int i = 0; i < 2; ++i) runners.emplace_back([&] { ioc.run(); });
  BeastTransport transport(ioc.get_executor(), options_for(server));

  // Each operation and its cancellation signal live on one strand (the Asio rule for signals).
  constexpr int n = 64;
  std::atomic<int> completed{0}, aborted{0}, succeeded{0};
  std::promise<void> all_done;
  struct Slot {
    explicit Slot(asio::io_context& ioc) : strand(asio::make_strand(ioc)) {}
    asio::strand<asio::io_context::executor_type> strand;
    asio::cancellation_signal signal;
  };
  std::vector<std::unique_ptr<Slot>> slots;
  for (int i = 0; i < n; ++i) slots.push_back(std::make_unique<Slot>(ioc));
  for (int i = 0; i < n; ++i) {
    auto* s = slots[i].get();
    asio::post(s->strand, [&, s, i] {
      transport.async_send(
          post(server.url(), i),
          asio::bind_cancellation_slot(s->signal.slot(),
                                       asio::bind_executor(s->strand, [&](error_code ec, SendResult) {
                                         if (ec == asio::error::operation_aborted) {
                                           aborted.fetch_add(1);
                                         } else if (!ec) {
                                           succeeded.fetch_add(1);
                                         }
                                         if (completed.fetch_add(1) + 1 == n) all_done.set_value();
                                       })));
      auto timer = std::make_shared<asio::steady_timer>(s->strand, std::chrono::milliseconds(i % 7 * 5));
      timer->async_wait([s, timer](error_code) { s->signal.emit(asio::cancellation_type::terminal); });
    });
  }
  ASSERT_EQ(all_done.get_future().wait_for(30s), std::future_status::ready);
  EXPECT_EQ(completed.load(), n);
  EXPECT_EQ(aborted.load() + succeeded.load(), n);
  work.reset();
  for (auto& r : runners) r.join();
}

}  // namespace
}  // namespace partnerkit
