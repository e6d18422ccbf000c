// Issue 13, the journal and the batch: one run at a time (flock), started records durable before
// their request (group commit), a reader that never aborts and never destroys a file, a 5xx after
// apply journaled so a resume reconciles it, fixed input lines resumable, nothing escapes.
#include "batch_harness.hpp"
#include "test_adapter.hpp"
#include "test_names.hpp"

#include <partnerkit/batch.hpp>
#include <partnerkit/journal.hpp>
#include <partnerkit/testing/fake_transport.hpp>

#include <boost/asio/io_context.hpp>

#include <gtest/gtest.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <future>
#include <set>

namespace {

using test::slurp;
using test::temp_path;
using test::write_file;

}  // namespace

TEST(JournalIntegrity, SecondRunOnTheSameJournalIsRefused) {
  auto path = temp_path("lock");
  auto first = Journal::open(path.string());
  ASSERT_TRUE(first) << first.error().message;
  auto second = Journal::open(path.string());
  ASSERT_FALSE(second);
  EXPECT_EQ(second.error().field, "journal");
  EXPECT_NE(second.error().message.find("in use by another run"), std::string::npos)
      << second.error().message;
  first->reset();  // the lock goes with the first run
  auto third = Journal::open(path.string());
  ASSERT_TRUE(third) << third.error().message;
  fs::remove(path);
}

TEST(JournalIntegrity, AFileThatIsNotAJournalIsRefusedAndLeftAlone) {
  const std::string texts[] = {
      "name,email\nAda,ada@example.com\n",  // someone's CSV
      "just one line without a newline",    // used to be truncated to nothing as a "torn" line
      std::string("\x7f"
                  "ELF\x02\x01\x01\0\0\0",
                  10) +
          std::string(5000, '\0'),
      "{\"index\":\"zero\",\"vendor\":\"dub\",\"state\":\"done\"}\n",
  };
  for (const auto& text : texts) {
    auto path = temp_path("notjournal");
    write_file(path, text);
    auto j = Journal::open(path.string());
    ASSERT_FALSE(j) << text.substr(0, 20);
    EXPECT_EQ(j.error().field, "journal");
    EXPECT_NE(j.error().message.find("not a partnerkit journal"), std::string::npos) << j.error().message;
    EXPECT_EQ(slurp(path), text) << "the file was changed";
    fs::remove(path);
  }
}

TEST(JournalIntegrity, HugeIndexIsNoAbort) {
  auto path = temp_path("hugeindex");
  write_file(path,
             "{\"partnerkit_journal\":1}\n"
             R"({"index":1000000000000000000,"vendor":"dub","state":"done","outcome":"created","attempts":1})"
             "\n"
             R"({"index":18446744073709551615,"vendor":"dub","state":"started"})"
             "\n"
             R"({"index":3,"vendor":"dub","state":"done","outcome":"existing","attempts":1})"
             "\n");
  auto j = Journal::open(path.string());
  ASSERT_TRUE(j) << j.error().message;
  EXPECT_EQ((*j)->records_read(), 3u);
  EXPECT_EQ((*j)->find(1000000000000000000ull, "dub").state, Journal::State::done);
  EXPECT_EQ((*j)->find(3, "dub").outcome, Outcome::existing);
  EXPECT_EQ((*j)->find(4, "dub").state, Journal::State::none);
  ASSERT_TRUE((*j)->record_started(4, "dub", "x@example.com"));
  fs::remove(path);
}

TEST(JournalIntegrity, CorruptLineInTheMiddleIsSkippedWithAWarning) {
  auto path = temp_path("corrupt");
  write_file(
      path,
      R"({"index":0,"vendor":"dub","email":"a@example.com","state":"done","outcome":"created","attempts":1})"
      "\n"
      "{\"index\":1,\"vendor\":\"dub\",\"sta\x01\x02garbage\n" +
          std::string(100000, 'x') +
          "\n"
          R"({"index":2,"vendor":"dub","email":"c@example.com","state":"started"})"
          "\n");
  auto j = Journal::open(path.string());
  ASSERT_TRUE(j) << j.error().message;
  EXPECT_TRUE((*j)->damaged());
  ASSERT_EQ((*j)->warnings().size(), 2u);
  EXPECT_NE((*j)->warnings()[0].find("line 2"), std::string::npos) << (*j)->warnings()[0];
  EXPECT_EQ((*j)->find(0, "dub").state, Journal::State::done);
  EXPECT_EQ((*j)->find(2, "dub").state, Journal::State::started);
  EXPECT_EQ((*j)->records_read(), 2u);
  fs::remove(path);
}

TEST(JournalIntegrity, StartedRecordsAreSyncedInGroupsBeforeTheyAreReported) {
  auto path = temp_path("sync");
  auto j = Journal::open(path.string());
  ASSERT_TRUE(j);
  constexpr int n = 200;
  std::atomic<int> ok{0};
  std::promise<void> all;
  for (int i = 0; i < n; ++i) {
    ASSERT_TRUE((*j)->record_started(static_cast<std::size_t>(i), "dub", "a@example.com"));
    (*j)->when_durable([&](Result<void> r) {
      EXPECT_TRUE(r);
      if (++ok == n) all.set_value();
    });
  }
  all.get_future().wait();
  EXPECT_EQ(ok.load(), n);
  EXPECT_GE((*j)->syncs(), 1u);
  EXPECT_LE((*j)->syncs(), static_cast<std::size_t>(n));
  EXPECT_EQ((*j)->synced_waiters(), static_cast<std::size_t>(n));
  fs::remove(path);
}

TEST(JournalIntegrity, HoldsAnEmailHashNotTheEmail) {
  auto path = temp_path("hash");
  {
    auto j = Journal::open(path.string());
    ASSERT_TRUE(j);
    ASSERT_TRUE((*j)->record_started(0, "dub", "Private.Person@example.com"));
  }
  EXPECT_EQ(slurp(path).find("Private.Person"), std::string::npos);
  auto j = Journal::open(path.string());
  ASSERT_TRUE(j);
  EXPECT_EQ((*j)->email_hash(0), Journal::hash_email("private.person@example.com"));
  fs::remove(path);
}

TEST(JournalIntegrity, MayHaveBeenAppliedFailuresAreNotFinal) {
  auto path = temp_path("final");
  auto j = Journal::open(path.string());
  ASSERT_TRUE(j);
  const auto failure = [](errc code, std::optional<int> status, int attempts) {
    Error e = Error::make(code, "x");
    e.retryable = false;  // as the retry loop leaves the final error
    e.http_status = status;
    e.attempts = attempts;
    return Result<Partner>(e);
  };
  ASSERT_TRUE((*j)->record_finished(0, "v", "a@x.com", failure(errc::protocol, std::nullopt, 1)));  // cut off
  ASSERT_TRUE((*j)->record_finished(1, "v", "a@x.com", failure(errc::protocol, 201, 1)));           // bad 2xx
  ASSERT_TRUE((*j)->record_finished(2, "v", "a@x.com", failure(errc::vendor_unavailable, 502, 3)));
  ASSERT_TRUE((*j)->record_finished(3, "v", "a@x.com", failure(errc::already_exists, 409, 1)));
  ASSERT_TRUE((*j)->record_finished(4, "v", "a@x.com", failure(errc::invalid_input, std::nullopt, 0)));
  EXPECT_EQ((*j)->find(0, "v").state, Journal::State::retryable);
  EXPECT_EQ((*j)->find(1, "v").state, Journal::State::retryable);
  EXPECT_EQ((*j)->find(2, "v").state, Journal::State::retryable);
  EXPECT_EQ((*j)->find(3, "v").state, Journal::State::failed);
  EXPECT_FALSE((*j)->find(3, "v").local);
  EXPECT_EQ((*j)->find(4, "v").state, Journal::State::failed);
  EXPECT_TRUE((*j)->find(4, "v").local);
  fs::remove(path);
}

namespace {

struct Items {
  explicit Items(std::vector<std::optional<std::string>> e) : emails(std::move(e)) {}
  std::vector<std::optional<std::string>> emails;  // nullopt: an unreadable record
  std::size_t pulled = 0;
  std::function<void()> before_each;
  std::optional<InputItem> operator()() {
    if (before_each) before_each();
    if (pulled == emails.size()) return std::nullopt;
    InputItem it;
    it.index = pulled;
    it.line = pulled + 1;
    if (!emails[pulled]) {
      it.spec = Error::make(errc::invalid_input, "line " + std::to_string(it.line) + ": not JSON");
    } else {
      PartnerSpec s;
      s.email = *emails[pulled];
      it.spec = s;
    }
    ++pulled;
    return it;
  }
};

struct BatchIntegrity : test::BatchHarness {
  BatchIntegrity() {
    registry->add(std::make_shared<test::TestAdapter>(CreateSemantics::create, "alpha"));
    ClientOptions o = batch_options({"alpha"});
    o.retry = RetryPolicy{2, 10s};
    make_client(o);
  }
};

}  // namespace

// A create-type vendor whose gateway answers 502 after applying, every time: the run ends with the
// item retryable in the journal (not failed), and the resume reconciles "already taken" as existing.
TEST_F(BatchIntegrity, FiveHundredAfterApplyIsExistingWithinTheRun) {
  std::set<std::string> applied;
  bool gateway_broken = true;
  transport->set_responder([&](const HttpRequest& r) {
    if (applied.count(r.body)) return FakeReply::status(422, "", {{"X-Test-Field", "email"}});
    applied.insert(r.body);
    return FakeReply::status(gateway_broken ? 502 : 201);
  });
  Items items{{"a@example.com", "b@example.com"}};
  std::map<std::size_t, BatchResult> results;
  BatchOptions o = collecting(results);
  // Two attempts: 502 (applied), then "already taken": existing within the run.
  auto s = run(std::ref(items), o);
  ASSERT_EQ(results.size(), 2u);
  for (auto& [i, r] : results) {
    ASSERT_TRUE(r.result) << i << ": " << r.result.error().message;
    EXPECT_EQ(r.result->outcome, Outcome::existing);
  }
  EXPECT_EQ(applied.size(), 2u);
  auto j = Journal::open(journal.string());
  ASSERT_TRUE(j);
  EXPECT_EQ((*j)->find(0, "alpha").state, Journal::State::done);
  EXPECT_EQ((*j)->find(0, "alpha").outcome, Outcome::existing);
}

TEST_F(BatchIntegrity, FiveHundredsUntilTheEndAreResumedAsExisting) {
  std::set<std::string> applied;
  int phase = 1;
  transport->set_responder([&](const HttpRequest& r) {
    if (phase == 1) {  // every answer a 502, the first one after applying
      applied.insert(r.body);
      return FakeReply::status(502);
    }
    if (applied.count(r.body)) return FakeReply::status(422, "", {{"X-Test-Field", "email"}});
    applied.insert(r.body);
    return FakeReply::status(201);
  });
  Items items{{"a@example.com"}};
  BatchOptions o = journaled();
  std::vector<BatchResult> results;
  o.on_result = [&](const BatchResult& r) { results.push_back(r); };
  run(std::ref(items), o);
  ASSERT_EQ(results.size(), 1u);
  ASSERT_FALSE(results[0].result);
  EXPECT_EQ(results[0].result.error().code, errc::vendor_unavailable);

  phase = 2;
  results.clear();
  Items again{{"a@example.com"}};
  run(std::ref(again), o);
  ASSERT_EQ(results.size(), 1u);
  ASSERT_TRUE(results[0].result) << results[0].result.error().message;
  EXPECT_EQ(results[0].result->outcome, Outcome::existing);
  EXPECT_EQ(applied.size(), 1u);
}

// An input line that failed (unreadable, or an invalid email) is run again once fixed.
TEST_F(BatchIntegrity, AnInputLineFixedAfterAFailedRunIsResumed) {
  transport->set_responder([](const HttpRequest&) { return FakeReply::status(201); });
  BatchOptions o = journaled();
  std::map<std::size_t, BatchResult> results;
  o.on_result = [&](const BatchResult& r) { results.insert_or_assign(r.index, r); };
  Items first{{"a@example.com", std::nullopt, "not-an-email", "d@example.com"}};
  auto s1 = run(std::ref(first), o);
  EXPECT_EQ(s1.failed, 2u);
  EXPECT_EQ(transport->request_count(), 2u);

  results.clear();
  Items fixed{{"a@example.com", "b@example.com", "c@example.com", "d@example.com"}};
  auto s2 = run(std::ref(fixed), o);
  EXPECT_FALSE(s2.fatal) << s2.fatal->message;
  ASSERT_EQ(results.size(), 4u);
  for (auto& [i, r] : results) EXPECT_TRUE(r.result) << i << ": " << r.result.error().message;
  EXPECT_TRUE(results[0].from_journal);
  EXPECT_FALSE(results[1].from_journal);
  EXPECT_FALSE(results[2].from_journal);
  EXPECT_EQ(transport->request_count(), 4u);
}

TEST_F(BatchIntegrity, ASecondBatchOnAJournalInUseIsRefused) {
  auto held = Journal::open(journal.string());
  ASSERT_TRUE(held);
  Items items{{"a@example.com"}};
  BatchOptions o = journaled();
  auto s = run(std::ref(items), o);
  ASSERT_TRUE(s.fatal);
  EXPECT_NE(s.fatal->message.find("in use"), std::string::npos);
  EXPECT_EQ(transport->request_count(), 0u);
}

TEST_F(BatchIntegrity, DamagedJournalReconcilesUnfinishedItems) {
  write_file(journal, R"({"index":0,"vendor":"alpha","state":"done","outcome":"created","attempts":1})"
                      "\n"
                      "#### damaged ####\n");
  // Item 1's started record may have been the damaged line: its "already taken" is ours.
  transport->set_responder([](const HttpRequest&) {
    return FakeReply::status(422, "", {{"X-Test-Field", "email"}});
  });
  Items items{{"a@example.com", "b@example.com"}};
  std::map<std::size_t, BatchResult> results;
  BatchOptions o = collecting(results);
  auto s = run(std::ref(items), o);
  EXPECT_FALSE(s.fatal);
  ASSERT_EQ(s.warnings.size(), 1u);
  ASSERT_TRUE(results[1].result) << results[1].result.error().message;
  EXPECT_EQ(results[1].result->outcome, Outcome::existing);
}

TEST_F(BatchIntegrity, AThrowingSourceOrCallbackStopsTheBatchWithInternal) {
  transport->set_responder([](const HttpRequest&) { return FakeReply::status(201); });
  {
    Items items{{"a@example.com", "b@example.com", "c@example.com"}};
    items.before_each = [&] {
      if (items.pulled == 2) throw std::runtime_error("source blew up");
    };
    BatchOptions o;
    o.vendors = {"alpha"};
    auto s = run(std::ref(items), o);
    ASSERT_TRUE(s.fatal);
    EXPECT_EQ(s.fatal->code, errc::internal);
  }
  {
    Items items{{"a@example.com", "b@example.com"}};
    BatchOptions o;
    o.vendors = {"alpha"};
    o.on_result = [](const BatchResult&) { throw std::runtime_error("callback blew up"); };
    auto s = run(std::ref(items), o);
    ASSERT_TRUE(s.fatal);
    EXPECT_EQ(s.fatal->code, errc::internal);
  }
}
