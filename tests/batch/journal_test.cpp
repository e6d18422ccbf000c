#include <partnerkit/journal.hpp>

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

using namespace partnerkit;
namespace fs = std::filesystem;

namespace {
fs::path temp_journal(const char* name) {
  auto p = fs::temp_directory_path() /
           (std::string("partnerkit-") + name + "-" + std::to_string(::getpid()) + ".jsonl");
  fs::remove(p);
  return p;
}
std::string slurp(const fs::path& p) {
  std::ifstream in(p);
  return std::string(std::istreambuf_iterator<char>(in), {});
}
}  // namespace

TEST(Journal, RecordsAndReadsBack) {
  auto path = temp_journal("rw");
  {
    auto j = Journal::open(path.string());
    ASSERT_TRUE(j);
    ASSERT_TRUE((*j)->record_started(0, "dub", "a@example.com"));
    Partner p;
    p.outcome = Outcome::existing;
    p.id = "pn_1";
    ASSERT_TRUE((*j)->record_finished(0, "dub", "a@example.com", p));
    ASSERT_TRUE((*j)->record_started(1, "dub", "b@example.com"));
    Error e = Error::make(errc::rejected, "bad");
    ASSERT_TRUE((*j)->record_finished(2, "dub", "c@example.com", Result<Partner>(e)));
    ASSERT_TRUE((*j)->record_finished(3, "dub", "d@example.com",
                                      Result<Partner>(Error::make(errc::vendor_unavailable, ""))));
  }
  auto j = Journal::open(path.string());
  ASSERT_TRUE(j);
  EXPECT_EQ((*j)->records_read(), 5u);
  EXPECT_EQ((*j)->find(0, "dub").state, Journal::State::done);
  EXPECT_EQ((*j)->find(0, "dub").outcome, Outcome::existing);
  EXPECT_EQ((*j)->find(1, "dub").state, Journal::State::started);
  EXPECT_EQ((*j)->find(2, "dub").state, Journal::State::failed);
  EXPECT_EQ((*j)->find(2, "dub").code, errc::rejected);
  EXPECT_EQ((*j)->find(3, "dub").state, Journal::State::retryable);
  EXPECT_EQ((*j)->find(0, "partnero").state, Journal::State::none);
  EXPECT_EQ((*j)->email_hash(1), Journal::hash_email("B@example.com"));
  fs::remove(path);
}

TEST(Journal, NeverHoldsASecretOrBody) {
  auto path = temp_journal("secret");
  {
    auto j = Journal::open(path.string());
    ASSERT_TRUE(j);
    Error e = Error::make(errc::rejected, "password Sup3rSecret! rejected");
    e.raw_body = R"({"password":"Sup3rSecret!"})";
    ASSERT_TRUE((*j)->record_finished(0, "partnero", "a@example.com", Result<Partner>(e)));
  }
  EXPECT_EQ(slurp(path).find("Sup3rSecret"), std::string::npos);
  fs::remove(path);
}

TEST(Journal, TornLastLineIsIgnoredAndOverwritten) {
  auto path = temp_journal("torn");
  {
    std::ofstream out(path);
    out << R"({"index":0,"vendor":"dub","email":"a@example.com","state":"done","outcome":"created"})"
        << "\n";
    out << R"({"index":1,"vendor":"dub","email":"b@exa)";  // killed mid-write
  }
  {
    auto j = Journal::open(path.string());
    ASSERT_TRUE(j) << j.error().message;
    EXPECT_EQ((*j)->records_read(), 1u);
    EXPECT_EQ((*j)->find(1, "dub").state, Journal::State::none);
    ASSERT_TRUE((*j)->record_started(1, "dub", "b@example.com"));
  }
  auto j = Journal::open(path.string());
  ASSERT_TRUE(j);
  EXPECT_EQ((*j)->records_read(), 2u);
  EXPECT_EQ((*j)->find(1, "dub").state, Journal::State::started);
  fs::remove(path);
}

TEST(Journal, GarbageInTheMiddleIsAnError) {
  auto path = temp_journal("garbage");
  {
    std::ofstream out(path);
    out << "not json\n";
    out << R"({"index":0,"vendor":"dub","state":"done"})"
        << "\n";
  }
  auto j = Journal::open(path.string());
  ASSERT_FALSE(j);
  EXPECT_EQ(j.error().code, errc::invalid_input);
  EXPECT_NE(j.error().message.find("line 1"), std::string::npos);
  fs::remove(path);
}

TEST(Journal, LaterStartedDoesNotUndoAFinish) {
  auto path = temp_journal("order");
  {
    auto j = Journal::open(path.string());
    ASSERT_TRUE(j);
    Partner p;
    ASSERT_TRUE((*j)->record_finished(0, "dub", "a@example.com", p));
    ASSERT_TRUE((*j)->record_started(0, "dub", "a@example.com"));
  }
  auto j = Journal::open(path.string());
  ASSERT_TRUE(j);
  EXPECT_EQ((*j)->find(0, "dub").state, Journal::State::done);
  fs::remove(path);
}
