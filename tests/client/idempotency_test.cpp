// stop_reason::not_idempotent: a create on a vendor whose repeat may create a second partner
// (CreateSemantics::not_idempotent) is never sent again blind once it may have been applied. With a
// lookup it is looked up first; without one the call stops and says why. A failure that proves
// nothing was applied (not written, a 4xx) is retried as usual.
#include "client_harness.hpp"

#include <partnerkit/testing/matchers.hpp>
#include <partnerkit/testing/scripted_adapter.hpp>

#include <boost/asio/error.hpp>
#include <boost/beast/core/error.hpp>

#include <gtest/gtest.h>

using namespace partnerkit;
using partnerkit::testing::ErrorIs;
using partnerkit::testing::FakeReply;
using partnerkit::testing::IsOk;
using partnerkit::testing::ScriptedAdapter;

namespace {

Capabilities not_idempotent(bool lookup) {
  Capabilities c;
  c.create = CreateSemantics::not_idempotent;
  c.operations.find_by_email = lookup;
  return c;
}

FakeReply lost_answer() { return FakeReply::failure(boost::beast::error::timeout, /*written=*/true); }

struct NotIdempotent : test::ClientHarness {
  std::shared_ptr<ScriptedAdapter> solo = std::make_shared<ScriptedAdapter>("solo", not_idempotent(false));
  std::shared_ptr<ScriptedAdapter> findable =
      std::make_shared<ScriptedAdapter>("findable", not_idempotent(true));
  std::unique_ptr<Client> client;

  NotIdempotent() {
    registry->add(solo);
    registry->add(findable);
    registry->add(std::make_shared<ScriptedAdapter>("classic"));  // CreateSemantics::create
    client = std::make_unique<Client>(io.get_executor(), registry, transport,
                                      options_for({"solo", "findable", "classic"}));
    transport->set_responder([](const HttpRequest&) { return FakeReply::status(201); });
  }

  std::vector<std::string> methods() const {
    std::vector<std::string> out;
    for (const auto& r : transport->requests()) out.push_back(r.method);
    return out;
  }
};

}  // namespace

TEST_F(NotIdempotent, AnAnswerLostAfterSendingIsNotSentAgainWithoutALookup) {
  transport->push(lost_answer());
  auto r = provision(*client, "solo", test::sample_spec());
  ASSERT_THAT(r, ErrorIs(errc::timeout));
  EXPECT_EQ(r.error().stopped, stop_reason::not_idempotent);
  EXPECT_FALSE(r.error().retryable);
  EXPECT_EQ(r.error().attempts, 1);
  EXPECT_NE(r.error().message.find("not sent again"), std::string::npos) << r.error().message;
  EXPECT_EQ(transport->request_count(), 1u);
}

TEST_F(NotIdempotent, AFiveHundredMayHaveBeenAppliedToo) {
  transport->push(FakeReply::status(502));
  auto r = provision(*client, "solo", test::sample_spec());
  ASSERT_THAT(r, ErrorIs(errc::vendor_unavailable));
  EXPECT_EQ(r.error().stopped, stop_reason::not_idempotent);
  EXPECT_EQ(transport->request_count(), 1u);
}

TEST_F(NotIdempotent, FailuresThatProveNothingWasAppliedAreRetried) {
  transport->push(FakeReply::failure(boost::asio::error::connection_refused, /*written=*/false));
  transport->push(FakeReply::status(429, "", {{"Retry-After", "0"}}));
  auto r = provision(*client, "solo", test::sample_spec());
  ASSERT_THAT(r, IsOk());
  EXPECT_EQ(r->attempts, 3);
  EXPECT_EQ(transport->request_count(), 3u);
}

TEST_F(NotIdempotent, WithALookupItIsLookedUpThenCreated) {
  transport->push(lost_answer());
  auto r = provision(*client, "findable", test::sample_spec());  // the lookup finds nobody
  ASSERT_THAT(r, IsOk());
  EXPECT_EQ(methods(), (std::vector<std::string>{"POST", "GET", "POST"}));
  // The lost answer was never decoded: the adapter saw the lookup, then the second create.
  EXPECT_EQ(findable->decoded(), (std::vector<Operation>{Operation::find, Operation::create}));
}

TEST_F(NotIdempotent, AFailedLookupDoesNotLetItBeSentAgain) {
  transport->push(lost_answer());
  findable->answer_find(Error::make(errc::permission_denied, "no search scope"));
  auto r = provision(*client, "findable", test::sample_spec());
  ASSERT_THAT(r, ErrorIs(errc::unsupported_operation));
  EXPECT_EQ(r.error().stopped, stop_reason::not_idempotent);
  EXPECT_NE(r.error().message.find("lookup failed (permission_denied)"), std::string::npos)
      << r.error().message;
  EXPECT_EQ(methods(), (std::vector<std::string>{"POST", "GET"}));
}

TEST_F(NotIdempotent, AResumedItemIsNotSentBlind) {
  ProvisionOptions po;
  po.may_have_been_applied = true;  // e.g. a killed batch journaled it as started
  auto r = provision(*client, "solo", test::sample_spec(), po);
  ASSERT_THAT(r, ErrorIs(errc::unsupported_operation));
  EXPECT_EQ(r.error().stopped, stop_reason::not_idempotent);
  EXPECT_EQ(r.error().attempts, 0);
  EXPECT_EQ(transport->request_count(), 0u);
}

// The contrast: a create-type vendor answers a repeat with already_exists, so it is sent again.
TEST_F(NotIdempotent, ACreateTypeVendorIsStillRetried) {
  transport->push(lost_answer());
  auto r = provision(*client, "classic", test::sample_spec());
  ASSERT_THAT(r, IsOk());
  EXPECT_EQ(transport->request_count(), 2u);
}
