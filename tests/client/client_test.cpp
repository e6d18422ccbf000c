#include "client_harness.hpp"
#include "test_adapter.hpp"
#include "test_names.hpp"

#include <partnerkit/client.hpp>
#include <partnerkit/testing/fake_transport.hpp>
#include <partnerkit/testing/matchers.hpp>

#include <boost/asio/bind_cancellation_slot.hpp>
#include <boost/asio/cancellation_signal.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/thread_pool.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/use_future.hpp>
#include <boost/beast/core/error.hpp>

#include <gtest/gtest.h>

#include <atomic>
#include <thread>

namespace {

PartnerSpec spec(std::string email = "ada@example.com") { return test::sample_spec(std::move(email)); }

struct Fixture : test::ClientHarness {
  Fixture() {
    registry->add(std::make_shared<test::TestAdapter>(CreateSemantics::create, "fake"));
    registry->add(std::make_shared<test::TestAdapter>(CreateSemantics::upsert, "upsert"));
  }
  ClientOptions options() { return options_for({"fake", "upsert"}); }
  Result<Partner> run(Client& client, std::string vendor, PartnerSpec s, ProvisionOptions po = {}) {
    return provision(client, std::move(vendor), std::move(s), po);
  }
};

}  // namespace

TEST_F(Fixture, SuccessWithACallback) {
  Client client(io.get_executor(), registry, transport, options());
  transport->push(FakeReply::status(201));
  auto r = run(client, "fake", spec());
  ASSERT_THAT(r, IsOk());
  EXPECT_EQ(r->email, "ada@example.com");
  EXPECT_EQ(r->attempts, 1);
  EXPECT_EQ(r->outcome, Outcome::created);
  ASSERT_EQ(transport->request_count(), 1u);
  EXPECT_EQ(transport->requests()[0].url, "https://vendor.test/partners");
}

TEST_F(Fixture, NeverCompletesInline) {
  Client client(io.get_executor(), registry, transport, options());
  bool called = false;
  client.async_provision("nope", spec(), [&](Result<Partner>) { called = true; });
  EXPECT_FALSE(called);
  io.run();
  EXPECT_TRUE(called);
}

// The handler may run inline from the operation's last step (one dispatch, no post): an exception
// it throws still leaves io_context::run(), as one from any handler does, it runs once, and the
// client goes on working.
TEST_F(Fixture, AnExceptionFromTheHandlerLeavesRun) {
  Client client(io.get_executor(), registry, transport, options());
  transport->push(FakeReply::status(201));
  transport->push(FakeReply::status(201));
  int calls = 0;
  client.async_provision("fake", spec(), [&](Result<Partner> r) {
    ++calls;
    EXPECT_TRUE(r);
    throw std::runtime_error("from the handler");
  });
  EXPECT_THROW(io.run(), std::runtime_error);
  io.restart();
  io.run();
  io.restart();
  EXPECT_EQ(calls, 1);
  auto next = run(client, "fake", spec("b@example.com"));
  EXPECT_TRUE(next);
}

TEST_F(Fixture, WorksWithUseFutureAndABackgroundThread) {
  Client client(io.get_executor(), registry, transport, options());
  transport->push(FakeReply::status(201));
  auto guard = asio::make_work_guard(io);
  std::thread t([&] { io.run(); });
  auto r = client.async_provision("fake", spec(), asio::use_future).get();
  EXPECT_TRUE(r);
  auto blocking = client.provision("fake", spec("b@example.com"));  // the responder default is 500: retried
  EXPECT_FALSE(blocking);
  EXPECT_EQ(blocking.error().code, errc::vendor_unavailable);
  EXPECT_EQ(blocking.error().attempts, 4);
  EXPECT_EQ(blocking.error().stopped, stop_reason::exhausted);
  guard.reset();
  t.join();
}

TEST_F(Fixture, WorksWithDeferredAndAwaitable) {
  Client client(io.get_executor(), registry, transport, options());
  transport->push(FakeReply::status(201));
  transport->push(FakeReply::status(201));
  std::optional<Result<Partner>> a, b;
  auto op = client.async_provision("fake", spec(), asio::deferred);
  std::move(op)([&](Result<Partner> r) { a = std::move(r); });
  asio::co_spawn(
      io,
      [&]() -> asio::awaitable<void> {
        b = co_await client.async_provision("fake", spec("c@example.com"), asio::use_awaitable);
      },
      asio::detached);
  io.run();
  ASSERT_TRUE(a && b);
  EXPECT_TRUE(*a);
  EXPECT_TRUE(*b);
}

TEST_F(Fixture, InvalidSpecSendsNothing) {
  Client client(io.get_executor(), registry, transport, options());
  auto r = run(client, "fake", spec("not-an-email"));
  ASSERT_THAT(r, ErrorIs(errc::invalid_input));
  EXPECT_EQ(r.error().field, "email");
  EXPECT_EQ(r.error().attempts, 0);
  EXPECT_EQ(transport->request_count(), 0u);
}

TEST_F(Fixture, UnknownOrUnconfiguredVendor) {
  Client client(io.get_executor(), registry, transport, options());
  auto r = run(client, "nope", spec());
  ASSERT_THAT(r, ErrorIs(errc::invalid_input));
  EXPECT_EQ(r.error().field, "vendor");
  registry->add(std::make_shared<test::TestAdapter>(CreateSemantics::create, "unconfigured"));
  r = run(client, "unconfigured", spec());
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().field, "vendor");
}

TEST_F(Fixture, RetriesServerErrorsThenSucceeds) {
  auto o = options();
  std::vector<RetryEvent> retries;
  o.hooks.on_retry = [&](const RetryEvent& e) { retries.push_back(e); };
  Client client(io.get_executor(), registry, transport, o);
  transport->push(FakeReply::status(503));
  transport->push(FakeReply::status(502));
  transport->push(FakeReply::status(201));
  auto r = run(client, "fake", spec());
  ASSERT_TRUE(r);
  EXPECT_EQ(r->attempts, 3);
  ASSERT_EQ(retries.size(), 2u);
  EXPECT_EQ(retries[0].attempt, 1);
  EXPECT_EQ(retries[0].code, "vendor_unavailable");
  EXPECT_EQ(retries[0].http_status, 503);
}

TEST_F(Fixture, PermanentErrorIsNotRetried) {
  Client client(io.get_executor(), registry, transport, options());
  transport->push(FakeReply::status(422, R"({"error":"bad"})"));
  auto r = run(client, "fake", spec());
  ASSERT_THAT(r, ErrorIs(errc::rejected));
  EXPECT_EQ(r.error().attempts, 1);
  EXPECT_EQ(r.error().stopped, stop_reason::permanent);
  EXPECT_EQ(transport->request_count(), 1u);
}

TEST_F(Fixture, RateLimitedWaitsForRetryAfter) {
  Client client(io.get_executor(), registry, transport, options());
  transport->push(FakeReply::status(429, "", {{"X-Test-Retry-After-Ms", "150"}}));
  transport->push(FakeReply::status(201));
  auto r = run(client, "fake", spec());
  ASSERT_TRUE(r);
  auto times = transport->send_times();
  ASSERT_EQ(times.size(), 2u);
  EXPECT_GE(times[1] - times[0], 150ms);  // never early
}

TEST_F(Fixture, RateLimitedBeyondTheBudgetCarriesRetryAfter) {
  auto o = options();
  o.retry.max_elapsed = 1s;
  Client client(io.get_executor(), registry, transport, o);
  transport->push(FakeReply::status(429, "", {{"X-Test-Retry-After-Ms", "60000"}}));
  auto r = run(client, "fake", spec());
  ASSERT_THAT(r, ErrorIs(errc::rate_limited));
  EXPECT_EQ(r.error().retry_after, 60000ms);
  EXPECT_EQ(r.error().stopped, stop_reason::deadline);
  EXPECT_EQ(transport->request_count(), 1u);
}

TEST_F(Fixture, TimeoutAfterWriteThenAlreadyExistsIsExisting) {
  Client client(io.get_executor(), registry, transport, options());
  transport->push(FakeReply::failure(boost::beast::error::timeout, true));
  transport->push(FakeReply::status(409, R"({"error":"exists"})"));
  auto r = run(client, "fake", spec());
  ASSERT_THAT(r, IsOk());
  EXPECT_EQ(r->outcome, Outcome::existing);
  EXPECT_EQ(r->attempts, 2);
  EXPECT_FALSE(r->warnings.empty());
}

TEST_F(Fixture, AmbiguousAttemptThenAnotherPartnersKeyIsAFailure) {
  Client client(io.get_executor(), registry, transport, options());
  transport->push(FakeReply::failure(boost::beast::error::timeout, true));
  transport->push(FakeReply::status(422, "", {{"X-Test-Field", "referral_key"}}));
  auto r = run(client, "fake", spec());
  ASSERT_THAT(r, ErrorIs(errc::already_exists));
  EXPECT_EQ(r.error().field, "referral_key");
}

TEST_F(Fixture, AmbiguousAttemptThenEmailTakenIsExisting) {
  Client client(io.get_executor(), registry, transport, options());
  transport->push(FakeReply::failure(boost::asio::error::connection_reset, true));
  transport->push(FakeReply::status(422, "", {{"X-Test-Field", "email"}}));
  auto r = run(client, "fake", spec());
  ASSERT_THAT(r, IsOk());
  EXPECT_EQ(r->outcome, Outcome::existing);
}

TEST_F(Fixture, ResetBeforeWriteThenAlreadyExistsIsAFailure) {
  Client client(io.get_executor(), registry, transport, options());
  transport->push(FakeReply::failure(asio::error::connection_refused, false));
  transport->push(FakeReply::status(409));
  auto r = run(client, "fake", spec());
  ASSERT_THAT(r, ErrorIs(errc::already_exists));
}

TEST_F(Fixture, AlreadyExistsOnFirstAttemptIsAFailure) {
  Client client(io.get_executor(), registry, transport, options());
  transport->push(FakeReply::status(409));
  auto r = run(client, "fake", spec());
  ASSERT_THAT(r, ErrorIs(errc::already_exists));
}

TEST_F(Fixture, ResumedItemAlreadyExistsIsExisting) {
  Client client(io.get_executor(), registry, transport, options());
  transport->push(FakeReply::status(409));
  auto r = run(client, "fake", spec(), ProvisionOptions{true});
  ASSERT_TRUE(r);
  EXPECT_EQ(r->outcome, Outcome::existing);
}

TEST_F(Fixture, UpsertVendorConflictIsNotReconciled) {
  Client client(io.get_executor(), registry, transport, options());
  transport->push(FakeReply::failure(asio::error::connection_reset, true));
  transport->push(FakeReply::status(409));
  auto r = run(client, "upsert", spec());
  ASSERT_THAT(r, ErrorIs(errc::already_exists));
}

TEST_F(Fixture, CancellationInFlight) {
  Client client(io.get_executor(), registry, transport, options());
  transport->push(FakeReply::hanging());
  auto r =
      run_cancelled<Result<Partner>>([&](auto h) { client.async_provision("fake", spec(), std::move(h)); });
  ASSERT_THAT(r, ErrorIs(errc::cancelled));
  EXPECT_EQ(r.error().stopped, stop_reason::cancelled);
  EXPECT_NE(r.error().message.find("may have been applied"), std::string::npos);
}

TEST_F(Fixture, CallDeadline) {
  auto o = options();
  o.call_timeout = 50ms;
  Client client(io.get_executor(), registry, transport, o);
  transport->push(FakeReply::hanging());
  auto r = run(client, "fake", spec());
  ASSERT_THAT(r, ErrorIs(errc::timeout));
  EXPECT_EQ(r.error().stopped, stop_reason::deadline);
}

// One timer serves every operation's call deadline: each hanging call ends at its own deadline
// (later starts, later ends), the answered ones are untouched, and run() returns after the last.
TEST_F(Fixture, CallDeadlinesOfManyOperationsShareOneTimer) {
  auto o = options();
  o.call_timeout = 80ms;
  Client client(io.get_executor(), registry, transport, o);
  transport->set_responder([](const HttpRequest& r) {
    if (r.body.find("slow") != std::string::npos) return FakeReply::hanging();
    auto reply = FakeReply::status(201);
    reply.delay = 1ms;
    return reply;
  });
  const auto t0 = std::chrono::steady_clock::now();
  std::vector<std::optional<Result<Partner>>> out(6);
  std::vector<std::chrono::steady_clock::duration> took(6);
  auto start = [&](int i, const std::string& email) {
    const auto begun = std::chrono::steady_clock::now();
    client.async_provision("fake", spec(email), [&, i, begun](Result<Partner> r) {
      took[i] = std::chrono::steady_clock::now() - begun;
      out[i] = std::move(r);
    });
  };
  start(0, "slow0@example.com");
  start(1, "fast1@example.com");
  start(2, "slow2@example.com");
  asio::steady_timer later(io, 40ms);  // two more, with deadlines 40 ms after the first ones'
  later.async_wait([&](boost::system::error_code) {
    start(3, "slow3@example.com");
    start(4, "fast4@example.com");
    start(5, "slow5@example.com");
  });
  io.run();
  const auto total = std::chrono::steady_clock::now() - t0;
  for (int i : {1, 4}) {
    ASSERT_TRUE(out[i]);
    EXPECT_TRUE(*out[i]) << i;
  }
  for (int i : {0, 2, 3, 5}) {
    ASSERT_TRUE(out[i]) << i;
    ASSERT_THAT(*out[i], ErrorIs(errc::timeout)) << i;
    EXPECT_EQ(out[i]->error().stopped, stop_reason::deadline);
    EXPECT_GE(took[i], 75ms) << i;
    EXPECT_LT(took[i], 2s) << i;
  }
  EXPECT_GE(total, 115ms);  // the later ones ended at their own deadlines
}

// Destroyed before its operation began: the operation finishes cancelled (it took the state's lock
// twice there once).
TEST_F(Fixture, DestroyingTheClientBeforeItsWorkBegins) {
  auto client = std::make_unique<Client>(io.get_executor(), registry, transport, options());
  std::optional<Result<Partner>> out;
  client->async_provision("fake", spec(), [&](Result<Partner> r) { out = std::move(r); });
  client.reset();
  io.run();
  ASSERT_TRUE(out);
  ASSERT_FALSE(*out);
  EXPECT_EQ(out->error().code, errc::cancelled);
  EXPECT_EQ(transport->request_count(), 0u);
}

TEST_F(Fixture, DestroyingTheClientCancelsItsWork) {
  auto client = std::make_unique<Client>(io.get_executor(), registry, transport, options());
  transport->push(FakeReply::hanging());
  std::optional<Result<Partner>> out;
  client->async_provision("fake", spec(), [&](Result<Partner> r) { out = std::move(r); });
  io.run_for(20ms);
  client.reset();
  io.restart();
  io.run();
  ASSERT_TRUE(out);
  ASSERT_FALSE(*out);
  EXPECT_EQ(out->error().code, errc::cancelled);
}

TEST_F(Fixture, RateLimitSpacesRequestsOfAllOperations) {
  auto o = options();
  o.vendors["fake"].rate_limit = RateLimit{20, 1};  // one every 50 ms
  Client client(io.get_executor(), registry, transport, o);
  transport->set_responder([](const HttpRequest&) { return FakeReply::status(201); });
  int ok = 0;
  for (int i = 0; i < 5; ++i)
    client.async_provision("fake", spec("p" + std::to_string(i) + "@example.com"),
                           [&](Result<Partner> r) { ok += r.has_value(); });
  io.run();
  EXPECT_EQ(ok, 5);
  auto times = transport->send_times();
  ASSERT_EQ(times.size(), 5u);
  std::sort(times.begin(), times.end());
  EXPECT_GE(times.back() - times.front(), 190ms);  // 4 gaps of 50 ms, minus timer slack
}

TEST_F(Fixture, HooksSeeNoSecrets) {
  auto o = options();
  std::vector<HttpRequest> seen;
  o.hooks.before_send = [&](const HttpRequest& r) { seen.push_back(r); };
  Client client(io.get_executor(), registry, transport, o);
  transport->push(FakeReply::status(201));
  auto s = spec();
  s.password = "Sup3rSecret!";
  ASSERT_TRUE(run(client, "fake", s));
  ASSERT_EQ(seen.size(), 1u);
  EXPECT_EQ(seen[0].header("Authorization"), "REDACTED");
  EXPECT_EQ(seen[0].body.find("Sup3rSecret"), std::string::npos);
  EXPECT_EQ(seen[0].body.find("sk_secret_key"), std::string::npos);
  // The real request still carries them.
  EXPECT_EQ(transport->requests()[0].header("Authorization"), "Bearer sk_secret_key");
}

TEST_F(Fixture, AfterThrottledSeesOnlyThe429sRedacted) {
  auto o = options();
  std::vector<int> statuses;
  std::vector<HttpRequest> requests;
  o.hooks.after_throttled = [&](const HttpRequest& r, const HttpResponse& resp, std::chrono::microseconds) {
    requests.push_back(r);
    statuses.push_back(resp.status);
  };
  Client client(io.get_executor(), registry, transport, o);
  transport->push(FakeReply::status(429, "", {{"X-Test-Retry-After-Ms", "10"}}));
  transport->push(FakeReply::status(201));
  auto s = spec();
  s.password = "Sup3rSecret!";
  ASSERT_TRUE(run(client, "fake", s));
  EXPECT_EQ(transport->request_count(), 2u);
  EXPECT_EQ(statuses, std::vector<int>{429});
  ASSERT_EQ(requests.size(), 1u);
  EXPECT_EQ(requests[0].header("Authorization"), "REDACTED");
  EXPECT_EQ(requests[0].body.find("Sup3rSecret"), std::string::npos);
}

TEST(ClientConcurrency, EightOperationsFromTwoThreads) {
  asio::thread_pool pool(2);
  auto transport = std::make_shared<FakeTransport>(pool.get_executor());
  transport->set_responder([](const HttpRequest& r) {
    auto reply = FakeReply::status(r.body.find("p3@") != std::string::npos ? 503 : 201);
    reply.delay = 1ms;
    return reply;
  });
  auto registry = std::make_shared<AdapterRegistry>();
  registry->add(std::make_shared<test::TestAdapter>());
  ClientOptions o;
  VendorOptions vo;
  vo.config.base_url = "https://vendor.test";
  vo.config.api_key = "k";
  vo.rate_limit = RateLimit{1000, 4};
  o.vendors.emplace("fake", vo);
  o.backoff = BackoffPolicy{1ms, 2ms, 2.0};
  o.retry.max_attempts = 3;
  Client client(pool.get_executor(), registry, transport, o);
  std::atomic<int> ok{0}, failed{0};
  std::vector<std::thread> threads;
  std::vector<std::future<Result<Partner>>> futures(8);
  for (int t = 0; t < 2; ++t)
    threads.emplace_back([&, t] {
      for (int i = t; i < 8; i += 2)
        futures[i] =
            client.async_provision("fake", spec("p" + std::to_string(i) + "@example.com"), asio::use_future);
    });
  for (auto& th : threads) th.join();
  for (auto& f : futures) (f.get() ? ok : failed)++;
  EXPECT_EQ(ok, 7);
  EXPECT_EQ(failed, 1);
  EXPECT_EQ(transport->request_count(), 7u + 3u);
  pool.join();
}

// Operations begun from two threads on a two-thread io_context, some answered and some ending at
// their call deadline on the one timer: each completes once (the op's mutex orders its handlers as a
// strand did; ThreadSanitizer runs this).
TEST(ClientConcurrency, DeadlinesFromTwoThreads) {
  asio::thread_pool pool(2);
  auto transport = std::make_shared<FakeTransport>(pool.get_executor());
  transport->set_responder([](const HttpRequest& r) {
    if (r.body.find("slow") != std::string::npos) return FakeReply::hanging();
    auto reply = FakeReply::status(201);
    reply.delay = 1ms;
    return reply;
  });
  auto registry = std::make_shared<AdapterRegistry>();
  registry->add(std::make_shared<test::TestAdapter>());
  ClientOptions o;
  VendorOptions vo;
  vo.config.base_url = "https://vendor.test";
  vo.config.api_key = "k";
  vo.rate_limit = RateLimit{1000, 16};
  o.vendors.emplace("fake", vo);
  o.call_timeout = 60ms;
  Client client(pool.get_executor(), registry, transport, o);
  std::vector<std::future<Result<Partner>>> futures(16);
  std::vector<std::thread> threads;
  for (int t = 0; t < 2; ++t)
    threads.emplace_back([&, t] {
      for (int i = t; i < 16; i += 2) {
        const std::string email = (i % 4 == 0 ? "slow" : "fast") + std::to_string(i) + "@example.com";
        futures[i] = client.async_provision("fake", spec(email), asio::use_future);
      }
    });
  for (auto& th : threads) th.join();
  int ok = 0, timeouts = 0;
  for (auto& f : futures) {
    auto r = f.get();
    if (r)
      ++ok;
    else if (r.error().code == errc::timeout)
      ++timeouts;
  }
  EXPECT_EQ(ok, 12);
  EXPECT_EQ(timeouts, 4);
  pool.join();
}

TEST(ClientOptionsFromEnv, EveryRegisteredVendor) {
  AdapterRegistry registry;
  registry.add(std::make_shared<test::TestAdapter>(CreateSemantics::create, "my-vendor"));
  ::setenv("MY_VENDOR_API_KEY", "k123", 1);
  ::setenv("PARTNERKIT_MY_VENDOR_BASE_URL", "https://127.0.0.1:9", 1);
  auto o = ClientOptions::from_env(registry);
  ASSERT_EQ(o.vendors.count("my-vendor"), 1u);
  EXPECT_EQ(o.vendors["my-vendor"].config.api_key, "k123");
  EXPECT_EQ(o.vendors["my-vendor"].config.base_url, "https://127.0.0.1:9");
  ::unsetenv("MY_VENDOR_API_KEY");
  ::unsetenv("PARTNERKIT_MY_VENDOR_BASE_URL");
}
