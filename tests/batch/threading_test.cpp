// The batch and the Client under ClientOptions::single_threaded (the batch on the executor itself, its
// creates answering it by a direct call, ops without locks) against the default (a strand, locks):
// the same results, summary and journal; and the default on an io_context run by two threads, where
// the strand must keep the batch's handlers apart (ThreadSanitizer runs this: label batch).
#include "batch_harness.hpp"
#include "test_adapter.hpp"
#include "test_names.hpp"

#include <partnerkit/batch.hpp>

#include <boost/asio/bind_cancellation_slot.hpp>
#include <boost/asio/cancellation_signal.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_future.hpp>

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <fstream>
#include <set>
#include <sstream>
#include <thread>

namespace {

using test::email_of;

std::optional<InputItem> item(std::size_t i) {
  InputItem it;
  it.index = i;
  it.line = i + 1;
  if (i % 17 == 5) {
    it.spec = Error::make(errc::invalid_input, "line " + std::to_string(it.line) + ": not JSON");
  } else {
    PartnerSpec s;
    s.email = email_of(i);
    s.name = "Partner " + std::to_string(i);
    it.spec = s;
  }
  return it;
}

struct MixedRun {
  std::vector<std::string> results;  // one line per result, sorted
  std::vector<std::string> journal;  // the journal's lines, sorted
  BatchSummary summary;
  std::size_t requests = 0;
};

std::string line_of(const BatchResult& r) {
  std::ostringstream out;
  out << r.index << " " << r.line << " " << r.vendor << " " << r.email << " " << r.from_journal << " ";
  if (r.result)
    out << to_string(r.result->outcome) << " " << r.result->attempts << " " << r.result->id.value_or("-")
        << " " << r.result->warnings.size();
  else
    out << to_string(r.result.error().code) << " " << r.result.error().attempts << " "
        << r.result.error().message;
  return out.str();
}

struct Threading : test::BatchHarness {
  Threading() {
    registry->add(std::make_shared<test::TestAdapter>(CreateSemantics::create, "alpha"));
    registry->add(std::make_shared<test::TestAdapter>(CreateSemantics::create, "beta"));
  }

  // 120 items on two vendors, journaled: a 201 for most, a 400 for some, a 503 then a 201 for others
  // (a retry), an unreadable record every 17 items; the transport answers in its own order.
  MixedRun run_mixed(bool single_threaded) {
    std::filesystem::remove(journal);
    ClientOptions co = batch_options({"alpha", "beta"});
    co.single_threaded = single_threaded;
    make_client(co);
    std::set<std::string> failed_once;
    const std::size_t before = transport->request_count();
    transport->set_responder([&](const HttpRequest& r) {
      for (std::size_t i = 0; i < 120; ++i) {
        if (r.body.find("\"" + email_of(i) + "\"") == std::string::npos) continue;
        if (i % 11 == 3) return FakeReply::status(400);
        if (i % 7 == 2 && failed_once.insert(r.url + email_of(i)).second) return FakeReply::status(503);
        auto reply = FakeReply::status(201);
        reply.delay = std::chrono::milliseconds(i % 3);
        return reply;
      }
      return FakeReply::status(500);
    });
    MixedRun out;
    std::size_t next = 0;
    BatchOptions o = journaled({"alpha", "beta"});
    o.concurrency = 5;
    o.on_result = [&](const BatchResult& r) { out.results.push_back(line_of(r)); };
    out.summary =
        run([&]() -> std::optional<InputItem> { return next < 120 ? item(next++) : std::nullopt; }, o);
    out.requests = transport->request_count() - before;
    std::ifstream in(journal);
    for (std::string line; std::getline(in, line);) out.journal.push_back(line);
    std::sort(out.results.begin(), out.results.end());
    std::sort(out.journal.begin(), out.journal.end());
    return out;
  }
};

}  // namespace

TEST_F(Threading, ASingleThreadedClientGivesTheSameResultsSummaryAndJournal) {
  const MixedRun strand = run_mixed(false);
  const MixedRun direct = run_mixed(true);
  ASSERT_EQ(strand.results.size(), 240u);
  EXPECT_EQ(direct.results, strand.results);
  EXPECT_EQ(direct.journal, strand.journal);
  EXPECT_FALSE(direct.journal.empty());
  EXPECT_EQ(direct.requests, strand.requests);
  EXPECT_EQ(direct.summary.succeeded, strand.summary.succeeded);
  EXPECT_EQ(direct.summary.failed, strand.summary.failed);
  EXPECT_EQ(direct.summary.requests, strand.summary.requests);
  EXPECT_EQ(direct.summary.retries, strand.summary.retries);
  EXPECT_GT(direct.summary.retries, 0u);
  EXPECT_EQ(direct.summary.by_outcome, strand.summary.by_outcome);
  EXPECT_EQ(direct.summary.by_error, strand.summary.by_error);
}

// Resumed under the promise: what finished comes from the journal, nothing is sent again.
TEST_F(Threading, ASingleThreadedBatchResumesFromItsJournal) {
  const MixedRun first = run_mixed(true);
  MixedRun again;
  std::size_t next = 0;
  BatchOptions o = journaled({"alpha", "beta"});
  o.on_result = [&](const BatchResult& r) {
    EXPECT_TRUE(r.from_journal || !r.result) << line_of(r);  // local failures run again
  };
  const std::size_t before = transport->request_count();
  again.summary =
      run([&]() -> std::optional<InputItem> { return next < 120 ? item(next++) : std::nullopt; }, o);
  EXPECT_EQ(transport->request_count(), before);
  EXPECT_EQ(again.summary.results, 240u);
  EXPECT_EQ(again.summary.succeeded, first.summary.succeeded);
}

// Under the promise a cancellation still stops the input and lets the creates in flight finish, and
// a call deadline still ends an op.
TEST_F(Threading, ASingleThreadedBatchIsCancelledAndItsCreatesTimeOut) {
  ClientOptions co = batch_options({"alpha"});
  co.single_threaded = true;
  co.call_timeout = 30ms;
  make_client(co);
  transport->set_responder([](const HttpRequest& r) {
    if (r.body.find("\"p4@") != std::string::npos) return FakeReply::hanging();
    auto reply = FakeReply::status(201);
    reply.delay = 1ms;
    return reply;
  });
  std::size_t next = 0, results = 0, timeouts = 0;
  BatchOptions o;
  o.vendors = {"alpha"};
  o.concurrency = 3;
  asio::cancellation_signal stop;
  o.on_result = [&](const BatchResult& r) {
    if (!r.result && r.result.error().code == errc::timeout) ++timeouts;
    if (++results == 20) stop.emit(asio::cancellation_type::terminal);
  };
  std::optional<BatchSummary> out;
  async_provision_batch(
      *client, [&]() -> std::optional<InputItem> { return next < 1000 ? item(next++) : std::nullopt; }, o,
      asio::bind_cancellation_slot(stop.slot(), [&](BatchSummary s) { out = std::move(s); }));
  io.run();
  ASSERT_TRUE(out);
  EXPECT_TRUE(out->cancelled);
  EXPECT_LT(out->results, 1000u);
  EXPECT_EQ(timeouts, 1u);
  std::size_t unreadable = 0;  // answered as they are read, without a request
  for (std::size_t i = 0; i < out->items; ++i) unreadable += i % 17 == 5;
  EXPECT_EQ(out->results, transport->request_count() + unreadable);  // every request sent has its result
}

// The default on an io_context run by two threads: the batch's handlers (results, progress, the
// source) never overlap, and every item is answered once.
TEST_F(Threading, TheDefaultBatchOnTwoThreadsKeepsItsHandlersApart) {
  ClientOptions co = batch_options({"alpha", "beta"});
  make_client(co);
  transport->set_responder([](const HttpRequest&) { return FakeReply::status(201); });
  std::atomic<int> inside{0};
  int overlaps = 0;
  std::size_t next = 0;
  std::set<std::pair<std::size_t, std::string>> seen;  // touched by the batch's handlers only
  auto enter = [&] {
    if (inside.fetch_add(1) != 0) ++overlaps;
  };
  BatchOptions o;
  o.vendors = {"alpha", "beta"};
  o.concurrency = 6;
  o.on_result = [&](const BatchResult& r) {
    enter();
    EXPECT_TRUE(r.result);
    seen.emplace(r.index, r.vendor);
    inside.fetch_sub(1);
  };
  o.on_progress = [&](const BatchProgress&) {
    enter();
    inside.fetch_sub(1);
  };
  auto work = asio::make_work_guard(io);
  std::vector<std::thread> threads;
  for (int t = 0; t < 2; ++t) threads.emplace_back([&] { io.run(); });
  auto summary = async_provision_batch(
      *client,
      [&]() -> std::optional<InputItem> {
        enter();
        std::optional<InputItem> it;
        if (next < 300) {
          it.emplace();
          it->index = next;
          it->line = next + 1;
          PartnerSpec s;
          s.email = email_of(next);
          it->spec = s;
          ++next;
        }
        inside.fetch_sub(1);
        return it;
      },
      o, asio::use_future);
  const BatchSummary s = summary.get();
  work.reset();
  for (auto& t : threads) t.join();
  EXPECT_EQ(overlaps, 0);
  EXPECT_EQ(s.results, 600u);
  EXPECT_EQ(s.succeeded, 600u);
  EXPECT_EQ(seen.size(), 600u);
}
