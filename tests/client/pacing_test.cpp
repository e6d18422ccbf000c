// The Client and the batch under the pacer: bounded waits, slots given back, several vendors on
// their own pacing, stated limits learnt, and "come back tomorrow" ending a batch quickly and
// resumably (issue 13 item 4). A scripted transport, no socket; no timed upper bounds except where a
// whole second of slack separates right from wrong.
#include "test_adapter.hpp"
#include "test_names.hpp"

#include <partnerkit/batch.hpp>
#include <partnerkit/client.hpp>
#include <partnerkit/journal.hpp>
#include <partnerkit/testing/fake_transport.hpp>

#include <boost/asio/bind_cancellation_slot.hpp>
#include <boost/asio/cancellation_signal.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>

#include <gtest/gtest.h>

#include <unistd.h>

#include <filesystem>

namespace {

PartnerSpec spec(std::string email) {
  PartnerSpec s;
  s.email = std::move(email);
  s.name = "Pat";
  return s;
}

// "Come back tomorrow": a 429 saying the key is exhausted for a day (delta seconds).
FakeReply tomorrow() {
  return FakeReply::status(
      429, "", {{"Retry-After", "86400"}, {"X-RateLimit-Remaining", "0"}, {"X-RateLimit-Reset", "86400"}});
}

struct PacingFixture : ::testing::Test {
  asio::io_context io;
  std::shared_ptr<FakeTransport> transport = std::make_shared<FakeTransport>(io.get_executor());
  std::shared_ptr<AdapterRegistry> registry = std::make_shared<AdapterRegistry>();

  PacingFixture() {
    registry->add(std::make_shared<test::TestAdapter>(CreateSemantics::create, "alpha"));
    registry->add(std::make_shared<test::TestAdapter>(CreateSemantics::create, "beta"));
  }

  ClientOptions options(std::optional<RateLimit> limit = std::nullopt) {
    ClientOptions o;
    for (const char* v : {"alpha", "beta"}) {
      VendorOptions vo;
      vo.config.base_url = std::string("https://") + v + ".test";
      vo.config.api_key = std::string("key_") + v;
      vo.rate_limit = limit;
      o.vendors.emplace(v, vo);
    }
    o.backoff = BackoffPolicy{1ms, 2ms, 2.0};
    o.retry = RetryPolicy{3, 10s};
    o.jitter_seed = 5;
    return o;
  }
};

}  // namespace

TEST_F(PacingFixture, AWaitPastTheDeadlineFailsAtOnceWithRetryAfter) {
  Client client(io.get_executor(), registry, transport, options(RateLimit::per_minute(1)));
  transport->set_responder([](const HttpRequest&) { return FakeReply::status(201); });
  std::vector<Result<Partner>> out;
  for (int i = 0; i < 3; ++i)
    client.async_provision("alpha", spec("p" + std::to_string(i) + "@example.com"),
                           [&](Result<Partner> r) { out.push_back(std::move(r)); });
  io.run();  // returns at once: nobody waits the minute
  ASSERT_EQ(out.size(), 3u);
  EXPECT_EQ(transport->request_count(), 1u);
  int refused = 0;
  for (const auto& r : out) {
    if (r) continue;
    ++refused;
    EXPECT_EQ(r.error().code, errc::rate_limited);
    EXPECT_EQ(r.error().stopped, stop_reason::deadline);
    EXPECT_EQ(r.error().attempts, 0);  // nothing was sent
    ASSERT_TRUE(r.error().retry_after);
    EXPECT_GE(*r.error().retry_after, 50s);  // the next slot, about a minute away
  }
  EXPECT_EQ(refused, 2);
  EXPECT_EQ(client.pacing().at(0).status.refused, 2u);
}

TEST_F(PacingFixture, ComeBackTomorrowEndsTheOthersQuicklyNotAfterADay) {
  Client client(io.get_executor(), registry, transport, options());
  transport->push(tomorrow());
  transport->set_responder([](const HttpRequest&) { return FakeReply::status(201); });
  std::optional<Result<Partner>> first;
  client.async_provision("alpha", spec("a@example.com"), [&](Result<Partner> r) { first = std::move(r); });
  io.run();
  io.restart();
  ASSERT_TRUE(first && !*first);
  EXPECT_EQ(first->error().code, errc::rate_limited);
  EXPECT_GE(first->error().retry_after.value_or(0ms), 86'000s);

  std::vector<Result<Partner>> rest;
  for (int i = 0; i < 2; ++i)
    client.async_provision("alpha", spec("r" + std::to_string(i) + "@example.com"),
                           [&](Result<Partner> r) { rest.push_back(std::move(r)); });
  io.run();
  ASSERT_EQ(rest.size(), 2u);
  for (const auto& r : rest) {
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().code, errc::rate_limited);  // not timeout: nothing was sent
    EXPECT_GE(r.error().retry_after.value_or(0ms), 10s);
    EXPECT_LE(r.error().retry_after.value_or(0ms), 3601s);  // the key's pause is bounded (an hour)
  }
  EXPECT_EQ(transport->request_count(), 1u);
  // The other vendor is paced on its own.
  client.async_provision("beta", spec("b@example.com"), [&](Result<Partner> r) { EXPECT_TRUE(r); });
  io.restart();
  io.run();
  EXPECT_EQ(transport->request_count(), 2u);
  auto pacing = client.pacing();
  ASSERT_EQ(pacing.size(), 2u);
  EXPECT_EQ(pacing[0].vendor, "alpha");
  EXPECT_EQ(pacing[0].status.pauses, 1u);
  EXPECT_EQ(pacing[1].vendor, "beta");
  EXPECT_EQ(pacing[1].status.pauses, 0u);
}

TEST_F(PacingFixture, ACancelledWaitGivesItsSlotBack) {
  Client client(io.get_executor(), registry, transport, options(RateLimit::per_second(1)));
  transport->set_responder([](const HttpRequest&) { return FakeReply::status(201); });
  const auto t0 = std::chrono::steady_clock::now();
  int ok = 0;
  client.async_provision("alpha", spec("a@example.com"), [&](Result<Partner> r) { ok += r.has_value(); });
  asio::cancellation_signal cancel;
  std::optional<Result<Partner>> cancelled;
  client.async_provision(
      "alpha", spec("b@example.com"),
      asio::bind_cancellation_slot(cancel.slot(), [&](Result<Partner> r) { cancelled = r; }));
  asio::steady_timer later(io, 50ms);
  later.async_wait([&](auto) {
    cancel.emit(asio::cancellation_type::terminal);  // b gives up its slot (t0 + 1 s)
    client.async_provision("alpha", spec("c@example.com"), [&](Result<Partner> r) { ok += r.has_value(); });
  });
  io.run();
  EXPECT_EQ(ok, 2);
  ASSERT_TRUE(cancelled && !*cancelled);
  EXPECT_EQ(cancelled->error().code, errc::cancelled);
  auto times = transport->send_times();
  ASSERT_EQ(times.size(), 2u);  // a and c; b sent nothing
  // c took b's slot at about t0 + 1 s, not the one after it at t0 + 2 s.
  EXPECT_GE(times[1] - t0, 900ms);
  EXPECT_LT(times[1] - t0, 1900ms);
}

TEST_F(PacingFixture, AStatedLimitIsLearntAndReported) {
  Client client(io.get_executor(), registry, transport, options());
  transport->set_responder([](const HttpRequest&) {
    return FakeReply::status(201, "", {{"X-RateLimit-Limit", "50"}, {"X-RateLimit-Remaining", "49"}});
  });
  client.async_provision("alpha", spec("a@example.com"), [](Result<Partner> r) { EXPECT_TRUE(r); });
  io.run();
  auto pacing = client.pacing();
  ASSERT_EQ(pacing.size(), 1u);
  EXPECT_EQ(pacing[0].status.source, policy::RateSource::learnt);
  EXPECT_DOUBLE_EQ(pacing[0].status.rate, 50.0);  // the test adapter declares no window: per second
  EXPECT_NE(pacing[0].status.why.find("vendor states"), std::string::npos);
}

TEST_F(PacingFixture, AnExplicitRateIsNotExceededByAStatedOne) {
  Client client(io.get_executor(), registry, transport, options(RateLimit::per_second(5)));
  transport->set_responder([](const HttpRequest&) {
    return FakeReply::status(201, "", {{"X-RateLimit-Limit", "500"}});
  });
  client.async_provision("alpha", spec("a@example.com"), [](Result<Partner> r) { EXPECT_TRUE(r); });
  io.run();
  EXPECT_EQ(client.pacing().at(0).status.source, policy::RateSource::configured);
  EXPECT_DOUBLE_EQ(client.pacing().at(0).status.rate, 5.0);
}

TEST_F(PacingFixture, ABatchToldComeBackTomorrowEndsQuicklyAndAResumeFinishesIt) {
  const fs::path journal =
      fs::temp_directory_path() / ("partnerkit-pacing-" + std::to_string(::getpid()) + ".jsonl");
  fs::remove(journal);
  auto source = [] {
    return [i = std::size_t{0}]() mutable -> std::optional<InputItem> {
      if (i == 6) return std::nullopt;
      InputItem it;
      it.index = i;
      it.line = i + 1;
      it.spec = spec("item" + std::to_string(i) + "@example.com");
      ++i;
      return it;
    };
  };
  BatchOptions bo;
  bo.vendors = {"alpha"};
  bo.concurrency = 2;
  bo.journal_path = journal.string();
  {
    Client client(io.get_executor(), registry, transport, options());
    transport->push(tomorrow());
    transport->set_responder([](const HttpRequest&) { return FakeReply::status(201); });
    std::optional<BatchSummary> s;
    async_provision_batch(client, source(), bo, [&](BatchSummary r) { s = std::move(r); });
    io.run();  // quickly: no one waits for tomorrow
    io.restart();
    ASSERT_TRUE(s);
    EXPECT_EQ(s->results, 6u);
    EXPECT_EQ(s->by_error["rate_limited"], 6u - s->succeeded);
    EXPECT_GE(s->by_error["rate_limited"], 5u);  // at most one other request was in flight
    EXPECT_LE(transport->request_count(), 2u);
  }
  const auto sent_before = transport->request_count();
  {
    // The next run (a new process: a new client) resumes with the same journal.
    Client client(io.get_executor(), registry, transport, options());
    std::optional<BatchSummary> s;
    async_provision_batch(client, source(), bo, [&](BatchSummary r) { s = std::move(r); });
    io.run();
    ASSERT_TRUE(s);
    EXPECT_EQ(s->results, 6u);
    EXPECT_EQ(s->failed, 0u);
    EXPECT_EQ(s->succeeded, 6u);
    EXPECT_EQ(transport->request_count() - sent_before, 6u - s->from_journal);  // the rest, once each
  }
  fs::remove(journal);
}
