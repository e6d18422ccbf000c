#include "batch_harness.hpp"
#include "test_adapter.hpp"
#include "test_names.hpp"

#include <partnerkit/batch.hpp>
#include <partnerkit/journal.hpp>
#include <partnerkit/testing/fake_transport.hpp>

#include <boost/asio/bind_cancellation_slot.hpp>
#include <boost/asio/cancellation_signal.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/strand.hpp>
#include <boost/beast/core/error.hpp>

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <set>

namespace {

using test::email_of;

// n items; the reader counts how far it has been pulled.
struct Source {
  explicit Source(std::size_t count) : n(count) {}
  std::size_t n;
  std::size_t pulled = 0;
  std::set<std::size_t> bad;  // indexes that are unreadable records
  std::optional<InputItem> operator()() {
    if (pulled == n) return std::nullopt;
    InputItem it;
    it.index = pulled;
    it.line = pulled + 1;
    if (bad.count(pulled)) {
      it.spec = Error::make(errc::invalid_input, "line " + std::to_string(it.line) + ": not JSON");
    } else {
      PartnerSpec s;
      s.email = email_of(pulled);
      s.name = "Partner " + std::to_string(pulled);
      it.spec = s;
    }
    ++pulled;
    return it;
  }
};

struct BatchFixture : test::BatchHarness {
  BatchFixture() {
    registry->add(std::make_shared<test::TestAdapter>(CreateSemantics::create, "alpha"));
    registry->add(std::make_shared<test::TestAdapter>(CreateSemantics::create, "beta"));
    make_client(batch_options({"alpha", "beta"}));
  }
};

}  // namespace

TEST_F(BatchFixture, EveryItemOncePerVendorWithBoundedConcurrencyAndStreaming) {
  transport->set_responder([](const HttpRequest&) {
    auto r = FakeReply::status(201);
    r.delay = 1ms;
    return r;
  });
  Source src{200};
  std::size_t max_in_flight = 0, max_ahead = 0;
  std::set<std::pair<std::size_t, std::string>> seen;
  BatchOptions o;
  o.vendors = {"alpha", "beta"};
  o.concurrency = 4;
  o.on_result = [&](const BatchResult& r) {
    EXPECT_TRUE(r.result) << r.result.error().message;
    EXPECT_TRUE(seen.emplace(r.index, r.vendor).second) << "twice: " << r.index << " " << r.vendor;
    EXPECT_EQ(r.email, email_of(r.index));
  };
  o.on_progress = [&](const BatchProgress& p) {
    max_in_flight = std::max(max_in_flight, p.in_flight);
    max_ahead = std::max(max_ahead, p.read - p.finished / 2);
  };
  auto s = run(std::ref(src), o);
  EXPECT_EQ(s.items, 200u);
  EXPECT_EQ(s.results, 400u);
  EXPECT_EQ(s.succeeded, 400u);
  EXPECT_EQ(seen.size(), 400u);
  EXPECT_EQ(s.by_outcome["created"], 400u);
  EXPECT_LE(max_in_flight, 8u);  // 4 per vendor
  EXPECT_GT(max_in_flight, 1u);
  EXPECT_LE(max_ahead, 2u * 4u + 1u);  // the reader is never far ahead: memory bounded by concurrency
  EXPECT_GT(s.p99_latency.count(), 0);
  EXPECT_FALSE(s.cancelled);
}

// The last vendor of an item is handed its spec, the others a copy: every vendor's request carries
// the whole item, and the results name it by the email read.
TEST_F(BatchFixture, EveryVendorIsSentTheWholeItem) {
  transport->set_responder([](const HttpRequest&) { return FakeReply::status(201); });
  Source src{6};
  BatchOptions o;
  o.vendors = {"alpha", "beta"};
  o.concurrency = 2;
  std::map<std::string, int> emails_in_results;
  o.on_result = [&](const BatchResult& r) {
    EXPECT_TRUE(r.result);
    EXPECT_EQ(r.email, email_of(r.index));
    ++emails_in_results[r.email];
  };
  auto s = run(std::ref(src), o);
  EXPECT_EQ(s.succeeded, 12u);
  std::map<std::string, int> sent;
  for (const auto& r : transport->requests()) {
    for (std::size_t i = 0; i < 6; ++i)
      if (r.body.find("\"" + email_of(i) + "\"") != std::string::npos) ++sent[email_of(i)];
  }
  ASSERT_EQ(sent.size(), 6u);
  for (const auto& [email, n] : sent) {
    EXPECT_EQ(n, 2) << email;
    EXPECT_EQ(emails_in_results[email], 2) << email;
  }
}

TEST_F(BatchFixture, UnreadableRecordsGiveOneResultPerVendor) {
  transport->set_responder([](const HttpRequest&) { return FakeReply::status(201); });
  Source src{5};
  src.bad = {2};
  BatchOptions o;
  o.vendors = {"alpha", "beta"};
  std::vector<BatchResult> bad;
  o.on_result = [&](const BatchResult& r) {
    if (!r.result) bad.push_back(r);
  };
  auto s = run(std::ref(src), o);
  EXPECT_EQ(s.results, 10u);
  EXPECT_EQ(s.failed, 2u);
  ASSERT_EQ(bad.size(), 2u);
  EXPECT_EQ(bad[0].index, 2u);
  EXPECT_EQ(bad[0].line, 3u);
  EXPECT_EQ(bad[0].result.error().code, errc::invalid_input);
  EXPECT_EQ(transport->request_count(), 8u);
}

TEST_F(BatchFixture, ResumeSkipsFinishedAndReconcilesStarted) {
  {
    std::ofstream out(journal);
    out << R"({"index":0,"vendor":"alpha","email":"p0@example.com","state":"started"})"
        << "\n";
    out << R"({"index":0,"vendor":"alpha","email":"p0@example.com","state":"done","outcome":"created"})"
        << "\n";
    out << R"({"index":1,"vendor":"alpha","email":"p1@example.com","state":"started"})"
        << "\n";
    out << R"({"index":2,"vendor":"alpha","email":"p2@example.com","state":"retryable","code":"timeout"})"
        << "\n";
    out << R"({"index":3,"vendor":"alpha","email":"p3@example.com","state":"failed","code":"rejected"})"
        << "\n";
    out << R"({"index":4,"vendor":"alp)";  // torn
  }
  // p1 was applied by the killed run: the vendor now says it exists.
  transport->set_responder([](const HttpRequest& r) {
    return FakeReply::status(r.body.find("p1@") != std::string::npos ? 409 : 201);
  });
  Source src{6};
  std::map<std::size_t, BatchResult> results;
  BatchOptions o = collecting(results);
  auto s = run(std::ref(src), o);
  ASSERT_EQ(results.size(), 6u);
  EXPECT_TRUE(results[0].from_journal);
  EXPECT_EQ(results[0].result->outcome, Outcome::created);
  ASSERT_TRUE(results[1].result) << results[1].result.error().message;
  EXPECT_EQ(results[1].result->outcome, Outcome::existing);
  EXPECT_TRUE(results[2].result);
  EXPECT_TRUE(results[3].from_journal);
  EXPECT_EQ(results[3].result.error().code, errc::rejected);
  EXPECT_TRUE(results[4].result);
  EXPECT_EQ(s.from_journal, 2u);
  for (const auto& r : transport->requests()) {  // nothing finished is sent again
    EXPECT_EQ(r.body.find("p0@"), std::string::npos);
    EXPECT_EQ(r.body.find("p3@"), std::string::npos);
  }
  EXPECT_EQ(transport->request_count(), 4u);

  // A third run finds everything finished and sends nothing.
  Source again{6};
  results.clear();
  auto s2 = run(std::ref(again), o);
  EXPECT_EQ(s2.from_journal, 6u);
  EXPECT_EQ(transport->request_count(), 4u);
}

TEST_F(BatchFixture, JournalOfAnotherInputIsRefused) {
  {
    std::ofstream out(journal);
    out << R"({"index":0,"vendor":"alpha","email":"someone.else@example.com","state":"done","outcome":"created"})"
        << "\n";
  }
  Source src{3};
  BatchOptions o = journaled();
  auto s = run(std::ref(src), o);
  ASSERT_TRUE(s.fatal);
  EXPECT_EQ(s.fatal->field, "journal");
  EXPECT_EQ(transport->request_count(), 0u);
}

TEST_F(BatchFixture, CancellationLetsInFlightItemsFinishAndJournalsThem) {
  transport->set_responder([](const HttpRequest&) {
    auto r = FakeReply::status(201);
    r.delay = 5ms;
    return r;
  });
  Source src{1000};
  BatchOptions o;
  o.vendors = {"alpha"};
  o.concurrency = 3;
  o.journal_path = journal.string();
  asio::cancellation_signal signal;
  std::size_t results = 0;
  o.on_result = [&](const BatchResult&) {
    if (++results == 10) signal.emit(asio::cancellation_type::terminal);
  };
  std::optional<BatchSummary> out;
  async_provision_batch(
      *client, std::ref(src), o,
      asio::bind_cancellation_slot(signal.slot(), [&](BatchSummary s) { out = std::move(s); }));
  io.run();
  ASSERT_TRUE(out);
  EXPECT_TRUE(out->cancelled);
  EXPECT_LT(out->results, 1000u);
  EXPECT_EQ(out->results, transport->request_count());  // every request sent has its result
  // Every started item has its finish in the journal.
  auto j = Journal::open(journal.string());
  ASSERT_TRUE(j);
  for (std::size_t i = 0; i < 1000; ++i) {
    auto st = (*j)->find(i, "alpha").state;
    EXPECT_TRUE(st == Journal::State::none || st == Journal::State::done) << i;
  }
}

TEST_F(BatchFixture, ApplyThenDropIsReconciledWithinTheRun) {
  // The first attempt of every third item is applied but the answer is lost.
  std::set<std::string> applied;
  transport->set_responder([&](const HttpRequest& r) {
    auto email = r.body;
    if (applied.count(email)) return FakeReply::status(409);
    applied.insert(email);
    if (std::hash<std::string>{}(email) % 3 == 0)
      return FakeReply::failure(boost::beast::error::timeout, true);
    return FakeReply::status(201);
  });
  Source src{60};
  BatchOptions o;
  o.vendors = {"alpha"};
  std::size_t existing = 0;
  o.on_result = [&](const BatchResult& r) {
    ASSERT_TRUE(r.result) << r.result.error().message;
    existing += r.result->outcome == Outcome::existing;
  };
  auto s = run(std::ref(src), o);
  EXPECT_EQ(s.succeeded, 60u);
  EXPECT_EQ(applied.size(), 60u);  // exactly one partner per item
  EXPECT_GT(existing, 0u);
  EXPECT_EQ(s.retries, existing);
}

// keep_raw = false (what the CLI asks: its lines never show the vendor's JSON): the results carry
// no raw JSON; by default they do, scrubbed of the key.
struct BatchRaw : test::BatchHarness {};

TEST_F(BatchRaw, KeepRawFalseLeavesRawNullAndTheDefaultKeepsItScrubbed) {
  auto adapter = std::make_shared<test::TestAdapter>(CreateSemantics::create, "alpha");
  registry->add(adapter);
  make_client(batch_options({"alpha"}));
  transport->set_responder([](const HttpRequest&) { return FakeReply::status(201); });
  for (bool keep : {true, false}) {
    for (int i = 0; i < 3; ++i) {
      Partner p;
      p.id = "pn_" + std::to_string(i);
      p.email = email_of(static_cast<std::size_t>(i));
      p.raw = boost::json::object{{"id", *p.id}, {"echo", "key k"}};
      adapter->answer(Operation::create, p);
    }
    std::vector<BatchResult> results;
    BatchOptions o;
    o.vendors = {"alpha"};
    o.keep_raw = keep;
    o.on_result = [&](const BatchResult& r) { results.push_back(r); };
    Source src{3};
    auto s = run(std::ref(src), o);
    EXPECT_EQ(s.succeeded, 3u);
    ASSERT_EQ(results.size(), 3u);
    for (const auto& r : results) {
      ASSERT_TRUE(r.result) << r.result.error().message;
      EXPECT_TRUE(r.result->id);  // the partner itself is there either way
      if (keep) {
        ASSERT_TRUE(r.result->raw.is_object()) << boost::json::serialize(r.result->raw);
        EXPECT_EQ(r.result->raw.at("echo"), "key REDACTED");
      } else {
        EXPECT_TRUE(r.result->raw.is_null()) << boost::json::serialize(r.result->raw);
      }
    }
  }
}

// A client whose executor is not the io_context's own (here a strand over it): the batch runs on a
// strand over the type-erased any_io_executor (start_batch instantiates BatchOp for it), with the same
// results as on the io_context's executor.
TEST_F(BatchFixture, AClientOnAnotherExecutorRunsTheSameBatch) {
  client = std::make_unique<Client>(boost::asio::make_strand(io), registry, transport,
                                    batch_options({"alpha", "beta"}));
  ASSERT_EQ(client->get_executor().target<boost::asio::io_context::executor_type>(), nullptr);
  transport->set_responder([](const HttpRequest&) { return FakeReply::status(201); });
  Source src{50};
  src.bad = {7};
  std::set<std::pair<std::size_t, std::string>> seen;
  BatchOptions o;
  o.vendors = {"alpha", "beta"};
  o.concurrency = 3;
  o.on_result = [&](const BatchResult& r) {
    EXPECT_TRUE(seen.emplace(r.index, r.vendor).second) << "twice: " << r.index << " " << r.vendor;
    if (r.index != 7) {
      EXPECT_EQ(r.email, email_of(r.index));
    }
  };
  auto s = run(std::ref(src), o);
  EXPECT_EQ(s.items, 50u);
  EXPECT_EQ(s.results, 100u);
  EXPECT_EQ(s.succeeded, 98u);
  EXPECT_EQ(s.failed, 2u);
  EXPECT_EQ(seen.size(), 100u);
}
