// Client operations beyond create (find, get, update, deactivate) and reconciliation by lookup,
// over a scripted transport and the scripted OpsAdapter.
#include "client_harness.hpp"
#include "ops_adapter.hpp"
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
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/use_future.hpp>
#include <boost/beast/core/error.hpp>

#include <gtest/gtest.h>

#include <thread>

namespace {

PartnerSpec spec(std::string email = "ada@example.com", std::optional<std::string> external_id = "crm-1") {
  return test::sample_spec(std::move(email), std::move(external_id));
}

std::string partner_json(std::string id, std::string email, std::string external_id = "crm-1") {
  return boost::json::serialize(boost::json::object{
      {"id", id}, {"email", email}, {"external_id", external_id}, {"link", "https://ref.test/" + id}});
}

FakeReply found(std::initializer_list<std::string> partners) {
  std::string body = "[";
  for (const auto& p : partners) body += (body.size() > 1 ? "," : "") + p;
  return FakeReply::status(200, body + "]");
}

FakeReply ambiguous_failure() { return FakeReply::failure(boost::beast::error::timeout, true); }

struct Ops : test::ClientHarness {
  Ops() {
    registry->add(std::make_shared<test::OpsAdapter>("ops"));
    OperationSupport email_only;
    email_only.find_by_email = true;
    registry->add(std::make_shared<test::OpsAdapter>("email-only", email_only));
    registry->add(std::make_shared<test::OpsAdapter>("none", OperationSupport{}));
    registry->add(
        std::make_shared<test::OpsAdapter>("upsert", test::all_operations(), CreateSemantics::upsert));
  }

  ClientOptions options() { return options_for({"ops", "email-only", "none", "upsert"}); }
  std::vector<std::string> sent() const {
    std::vector<std::string> out;
    for (const auto& r : transport->requests()) {
      auto path = r.url.substr(std::string("https://vendor.test").size());
      out.push_back(r.method + " " + path);
    }
    return out;
  }
};

using Sent = std::vector<std::string>;

}  // namespace

// ---- find ----

TEST_F(Ops, FindByEmailMatchesExactlyOnOurSide) {
  Client client(io.get_executor(), registry, transport, options());
  // The vendor's search also returns a near match; only the exact (case-insensitive) one counts.
  transport->push(
      found({partner_json("pn_2", "ada@example.com.au"), partner_json("pn_1", "ADA@example.com")}));
  auto r = find(client, "ops", FindQuery{FindQuery::Key::email, "ada@example.com"});
  ASSERT_THAT(r, IsOk());
  ASSERT_TRUE(r->has_value());
  EXPECT_EQ((*r)->id, "pn_1");
  EXPECT_EQ((*r)->outcome, Outcome::existing);
  EXPECT_EQ((*r)->vendor, "ops");
  ASSERT_EQ((*r)->links.size(), 1u);
  EXPECT_EQ((*r)->attempts, 1);
  EXPECT_EQ(sent(), (Sent{"GET /partners?email=ada@example.com"}));
}

TEST_F(Ops, FindNothingIsNullopt) {
  Client client(io.get_executor(), registry, transport, options());
  transport->push(found({partner_json("pn_2", "ada@example.org")}));
  auto r = find(client, "ops", FindQuery{FindQuery::Key::email, "ada@example.com"});
  ASSERT_THAT(r, IsOk());
  EXPECT_FALSE(r->has_value());
}

TEST_F(Ops, FindSeveralMatchesIsAClearError) {
  Client client(io.get_executor(), registry, transport, options());
  transport->push(found({partner_json("pn_1", "ada@example.com"), partner_json("pn_2", "ada@example.com")}));
  auto r = find(client, "ops", FindQuery{FindQuery::Key::email, "ada@example.com"});
  ASSERT_THAT(r, ErrorIs(errc::protocol));
  EXPECT_EQ(r.error().field, "email");
  EXPECT_NE(r.error().message.find("pn_1, pn_2"), std::string::npos) << r.error().message;
}

TEST_F(Ops, FindByVendorIdComparesIds) {
  Client client(io.get_executor(), registry, transport, options());
  transport->push(found({partner_json("pn_10", "x@example.com"), partner_json("pn_1", "y@example.com")}));
  auto r = find(client, "ops", FindQuery{FindQuery::Key::vendor_id, "pn_1"});
  ASSERT_TRUE(r && r->has_value());
  EXPECT_EQ((*r)->email, "y@example.com");
}

TEST_F(Ops, FindByAKeyTheVendorLacksSendsNothing) {
  Client client(io.get_executor(), registry, transport, options());
  auto r = find(client, "email-only", FindQuery{FindQuery::Key::external_id, "crm-1"});
  ASSERT_THAT(r, ErrorIs(errc::unsupported_operation));
  EXPECT_EQ(r.error().attempts, 0);
  EXPECT_EQ(transport->request_count(), 0u);
}

TEST_F(Ops, FindRetriesLikeCreate) {
  Client client(io.get_executor(), registry, transport, options());
  transport->push(FakeReply::status(503));
  transport->push(FakeReply::status(429, "", {{"Retry-After", "0"}}));
  transport->push(found({partner_json("pn_1", "ada@example.com")}));
  auto r = find(client, "ops", FindQuery{FindQuery::Key::email, "ada@example.com"});
  ASSERT_TRUE(r && r->has_value());
  EXPECT_EQ((*r)->attempts, 3);
}

TEST_F(Ops, FindWithFutureAwaitableAndDeferred) {
  Client client(io.get_executor(), registry, transport, options());
  transport->set_responder(
      [](const HttpRequest&) { return found({partner_json("pn_1", "ada@example.com")}); });
  const FindQuery q{FindQuery::Key::email, "ada@example.com"};
  std::optional<Result<std::optional<Partner>>> a, b;
  client.async_find("ops", q, asio::deferred)([&](Result<std::optional<Partner>> r) { a = std::move(r); });
  asio::co_spawn(
      io, [&]() -> asio::awaitable<void> { b = co_await client.async_find("ops", q, asio::use_awaitable); },
      asio::detached);
  io.run();
  io.restart();
  ASSERT_TRUE(a && b);
  EXPECT_TRUE(*a && (*a)->has_value());
  EXPECT_TRUE(*b && (*b)->has_value());

  auto guard = asio::make_work_guard(io);
  std::thread t([&] { io.run(); });
  auto c = client.find("ops", q);  // blocking form
  guard.reset();
  t.join();
  EXPECT_TRUE(c && c->has_value());
}

// ---- get ----

TEST_F(Ops, GetAndNotFound) {
  Client client(io.get_executor(), registry, transport, options());
  transport->push(FakeReply::status(200, partner_json("pn_1", "ada@example.com")));
  transport->push(FakeReply::status(404, R"({"error":"no such partner"})"));
  auto r = run_op<Result<Partner>>([&](auto h) { client.async_get("ops", "pn_1", h); });
  ASSERT_THAT(r, IsOk());
  EXPECT_EQ(r->id, "pn_1");
  EXPECT_EQ(r->outcome, Outcome::existing);
  auto missing = run_op<Result<Partner>>([&](auto h) { client.async_get("ops", "pn_9", h); });
  ASSERT_THAT(missing, ErrorIs(errc::not_found));
  EXPECT_EQ(missing.error().attempts, 1);
  EXPECT_EQ(sent(), (Sent{"GET /partners/pn_1", "GET /partners/pn_9"}));
}

TEST_F(Ops, EmptyIdIsInvalidInput) {
  Client client(io.get_executor(), registry, transport, options());
  auto r = run_op<Result<Partner>>([&](auto h) { client.async_get("ops", "", h); });
  ASSERT_THAT(r, ErrorIs(errc::invalid_input));
  EXPECT_EQ(r.error().field, "partner_id");
  EXPECT_EQ(transport->request_count(), 0u);
}

TEST_F(Ops, MissingOperationsSendNothing) {
  Client client(io.get_executor(), registry, transport, options());
  PartnerSpec changes;
  changes.name = "Ada";
  for (auto r : {run_op<Result<Partner>>([&](auto h) { client.async_get("none", "pn_1", h); }),
                 run_op<Result<Partner>>([&](auto h) { client.async_update("none", "pn_1", changes, h); }),
                 run_op<Result<Partner>>([&](auto h) { client.async_deactivate("none", "pn_1", {}, h); })}) {
    ASSERT_THAT(r, ErrorIs(errc::unsupported_operation));
    EXPECT_EQ(r.error().attempts, 0);
  }
  // An adapter that forgets to declare an operation it has is taken at its word: not declared, not used.
  auto f = find(client, "none", FindQuery{FindQuery::Key::email, "ada@example.com"});
  ASSERT_THAT(f, ErrorIs(errc::unsupported_operation));
  EXPECT_EQ(transport->request_count(), 0u);
}

// ---- update ----

TEST_F(Ops, UpdateSendsOnlyUpdatableFields) {
  Client client(io.get_executor(), registry, transport, options());
  transport->push(FakeReply::status(200, partner_json("pn_1", "ada@example.com")));
  PartnerSpec changes;
  changes.name = "Ada King";
  changes.country = "gb";    // normalized like a create's
  changes.company = "Acme";  // not updatable on "ops": dropped with a warning (lenient)
  auto r = run_op<Result<Partner>>([&](auto h) { client.async_update("ops", "pn_1", changes, h); });
  ASSERT_THAT(r, IsOk());
  EXPECT_EQ(r->outcome, Outcome::updated);
  ASSERT_EQ(r->warnings.size(), 1u);
  EXPECT_NE(r->warnings[0].find("company"), std::string::npos);
  ASSERT_EQ(transport->request_count(), 1u);
  EXPECT_EQ(transport->requests()[0].method, "PATCH");
  EXPECT_EQ(transport->requests()[0].body, R"({"name":"Ada King","country":"GB"})");
}

TEST_F(Ops, UpdateStrictRefusesOtherFields) {
  auto o = options();
  o.vendors["ops"].config.strict = true;
  Client client(io.get_executor(), registry, transport, o);
  PartnerSpec changes;
  changes.name = "Ada King";
  changes.tags = {"vip"};
  auto r = run_op<Result<Partner>>([&](auto h) { client.async_update("ops", "pn_1", changes, h); });
  ASSERT_THAT(r, ErrorIs(errc::unsupported_field));
  EXPECT_EQ(r.error().field, "tags");
  EXPECT_EQ(transport->request_count(), 0u);
}

TEST_F(Ops, UpdateWithNothingLeftOrInvalidSendsNothing) {
  Client client(io.get_executor(), registry, transport, options());
  PartnerSpec only_company;
  only_company.company = "Acme";
  auto r = run_op<Result<Partner>>([&](auto h) { client.async_update("ops", "pn_1", only_company, h); });
  ASSERT_THAT(r, ErrorIs(errc::invalid_input));
  PartnerSpec bad_country;
  bad_country.country = "XX";
  r = run_op<Result<Partner>>([&](auto h) { client.async_update("ops", "pn_1", bad_country, h); });
  ASSERT_THAT(r, ErrorIs(errc::invalid_input));
  EXPECT_EQ(r.error().field, "country");
  EXPECT_EQ(transport->request_count(), 0u);
}

// ---- deactivate ----

TEST_F(Ops, DeactivateRetriesAndReportsUpdated) {
  Client client(io.get_executor(), registry, transport, options());
  transport->push(FakeReply::failure(boost::beast::error::timeout, false));  // nothing was written
  transport->push(
      FakeReply::status(200, R"({"id":"pn_1","email":"ada@example.com","status":"deactivated"})"));
  DeactivateOptions d;
  d.permanent = true;
  d.reason = "fraud";
  auto r = run_op<Result<Partner>>([&](auto h) { client.async_deactivate("ops", "pn_1", d, h); });
  ASSERT_THAT(r, IsOk());
  EXPECT_EQ(r->outcome, Outcome::updated);
  EXPECT_EQ(r->status, PartnerStatus::deactivated);
  EXPECT_EQ(r->attempts, 2);
  EXPECT_EQ(sent(), (Sent{"POST /partners/pn_1/deactivate", "POST /partners/pn_1/deactivate"}));
  EXPECT_EQ(transport->requests()[0].body, R"({"permanent":true,"reason":"fraud"})");
}

// A 5xx after the write may mean it was applied, and a vendor may refuse a second deactivate: the
// partner is read first, and found off, nothing is sent again.
TEST_F(Ops, DeactivateThatMayHaveBeenAppliedReadsFirstAndStopsWhenOff) {
  Client client(io.get_executor(), registry, transport, options());
  transport->push(FakeReply::status(502));
  transport->push(
      FakeReply::status(200, R"({"id":"pn_1","email":"ada@example.com","status":"deactivated"})"));
  auto r = run_op<Result<Partner>>([&](auto h) { client.async_deactivate("ops", "pn_1", {}, h); });
  ASSERT_THAT(r, IsOk());
  EXPECT_EQ(r->outcome, Outcome::updated);
  EXPECT_EQ(r->status, PartnerStatus::deactivated);
  EXPECT_EQ(sent(), (Sent{"POST /partners/pn_1/deactivate", "GET /partners/pn_1"}));
  ASSERT_FALSE(r->warnings.empty());
  EXPECT_NE(r->warnings.back().find("nothing was sent again"), std::string::npos) << r->warnings.back();
}

TEST_F(Ops, DeactivateThatMayHaveBeenAppliedIsSentAgainWhenTheReadFindsItOn) {
  Client client(io.get_executor(), registry, transport, options());
  transport->push(FakeReply::status(503));
  transport->push(FakeReply::status(200, R"({"id":"pn_1","email":"ada@example.com","status":"active"})"));
  transport->push(
      FakeReply::status(200, R"({"id":"pn_1","email":"ada@example.com","status":"deactivated"})"));
  auto r = run_op<Result<Partner>>([&](auto h) { client.async_deactivate("ops", "pn_1", {}, h); });
  ASSERT_THAT(r, IsOk());
  EXPECT_EQ(r->status, PartnerStatus::deactivated);
  EXPECT_EQ(sent(),
            (Sent{"POST /partners/pn_1/deactivate", "GET /partners/pn_1", "POST /partners/pn_1/deactivate"}));
}

TEST_F(Ops, DeactivateWhoseCheckingReadFailsSaysItMayHaveBeenApplied) {
  auto o = options();
  o.retry.max_attempts = 2;
  Client client(io.get_executor(), registry, transport, o);
  transport->push(FakeReply::status(502));
  transport->push(FakeReply::status(503));
  transport->push(FakeReply::status(503));
  auto r = run_op<Result<Partner>>([&](auto h) { client.async_deactivate("ops", "pn_1", {}, h); });
  ASSERT_THAT(r, ErrorIs(errc::vendor_unavailable));
  EXPECT_NE(r.error().message.find("may have been applied"), std::string::npos) << r.error().message;
  EXPECT_EQ(sent(), (Sent{"POST /partners/pn_1/deactivate", "GET /partners/pn_1", "GET /partners/pn_1"}));
}

TEST_F(Ops, CancellingALookupInFlight) {
  Client client(io.get_executor(), registry, transport, options());
  transport->push(FakeReply::hanging());
  auto r = run_cancelled<Result<std::optional<Partner>>>([&](auto h) {
    client.async_find("ops", FindQuery{FindQuery::Key::email, "ada@example.com"}, std::move(h));
  });
  ASSERT_THAT(r, ErrorIs(errc::cancelled));
  // A read: nothing to have been applied.
  EXPECT_EQ(r.error().message.find("applied"), std::string::npos);
}

TEST_F(Ops, CallDeadlineCoversAnUpdate) {
  auto o = options();
  o.call_timeout = 50ms;
  Client client(io.get_executor(), registry, transport, o);
  transport->push(FakeReply::hanging());
  PartnerSpec changes;
  changes.name = "Ada";
  auto r = run_op<Result<Partner>>([&](auto h) { client.async_update("ops", "pn_1", changes, h); });
  ASSERT_THAT(r, ErrorIs(errc::timeout));
  EXPECT_EQ(r.error().stopped, stop_reason::deadline);
  EXPECT_NE(r.error().message.find("may have been applied"), std::string::npos);
}

TEST_F(Ops, RateLimitIsSharedWithCreates) {
  auto o = options();
  o.vendors["ops"].rate_limit = RateLimit{20, 1};  // one every 50 ms
  Client client(io.get_executor(), registry, transport, o);
  transport->set_responder(
      [](const HttpRequest& r) { return r.method == "GET" ? found({}) : FakeReply::status(201); });
  int done = 0;
  client.async_provision("ops", spec(), [&](Result<Partner>) { ++done; });
  client.async_find("ops", FindQuery{FindQuery::Key::email, "x@example.com"},
                    [&](Result<std::optional<Partner>>) { ++done; });
  client.async_get("ops", "pn_1", [&](Result<Partner>) { ++done; });
  io.run();
  EXPECT_EQ(done, 3);
  auto times = transport->send_times();
  ASSERT_EQ(times.size(), 3u);
  std::sort(times.begin(), times.end());
  EXPECT_GE(times.back() - times.front(), 90ms);  // 2 gaps of 50 ms, minus timer slack
}

// ---- reconciliation by lookup ----

TEST_F(Ops, AmbiguousCreateIsLookedUpNotResent) {
  Client client(io.get_executor(), registry, transport, options());
  transport->push(ambiguous_failure());
  transport->push(found({partner_json("pn_1", "ada@example.com")}));
  auto r = provision(client, "ops", spec());
  ASSERT_THAT(r, IsOk());
  EXPECT_EQ(r->outcome, Outcome::existing);
  EXPECT_EQ(r->id, "pn_1");
  ASSERT_FALSE(r->links.empty());
  EXPECT_EQ(r->links[0].url, "https://ref.test/pn_1");
  EXPECT_EQ(r->attempts, 2);
  EXPECT_EQ(sent(), (Sent{"POST /partners", "GET /partners?external_id=crm-1"}));
}

TEST_F(Ops, AmbiguousCreateNotFoundIsSentAgain) {
  Client client(io.get_executor(), registry, transport, options());
  transport->push(ambiguous_failure());
  transport->push(found({partner_json("pn_7", "other@example.com", "crm-7")}));  // not ours: ignored
  transport->push(found({}));
  transport->push(FakeReply::status(201, partner_json("pn_1", "ada@example.com")));
  auto r = provision(client, "ops", spec());
  ASSERT_THAT(r, IsOk());
  EXPECT_EQ(r->outcome, Outcome::created);
  EXPECT_EQ(r->id, "pn_1");
  EXPECT_EQ(r->attempts, 4);
  EXPECT_EQ(sent(), (Sent{"POST /partners", "GET /partners?external_id=crm-1",
                          "GET /partners?email=ada@example.com", "POST /partners"}));
}

TEST_F(Ops, ResumedItemIsLookedUpBeforeAnythingIsSent) {
  Client client(io.get_executor(), registry, transport, options());
  transport->push(found({}));
  transport->push(found({partner_json("pn_1", "ada@example.com")}));
  ProvisionOptions po;
  po.may_have_been_applied = true;
  auto r = provision(client, "ops", spec(), po);
  ASSERT_THAT(r, IsOk());
  EXPECT_EQ(r->outcome, Outcome::existing);
  EXPECT_EQ(r->id, "pn_1");
  EXPECT_EQ(sent(), (Sent{"GET /partners?external_id=crm-1", "GET /partners?email=ada@example.com"}));
}

TEST_F(Ops, ResumedItemWithoutExternalIdIsLookedUpByEmail) {
  Client client(io.get_executor(), registry, transport, options());
  transport->push(found({}));
  transport->push(FakeReply::status(201));
  ProvisionOptions po;
  po.may_have_been_applied = true;
  auto r = provision(client, "ops", spec("ada@example.com", std::nullopt), po);
  ASSERT_THAT(r, IsOk());
  EXPECT_EQ(r->outcome, Outcome::created);
  EXPECT_EQ(sent(), (Sent{"GET /partners?email=ada@example.com", "POST /partners"}));
}

TEST_F(Ops, AlreadyExistsGetsThePartnersIdByLookup) {
  Client client(io.get_executor(), registry, transport, options());
  transport->push(FakeReply::status(409, "", {{"X-Test-Field", "email"}}));
  transport->push(found({partner_json("pn_1", "ada@example.com")}));
  auto r = provision(client, "ops", spec());
  ASSERT_THAT(r, IsOk());
  EXPECT_EQ(r->outcome, Outcome::existing);
  EXPECT_EQ(r->id, "pn_1");
  EXPECT_EQ(r->attempts, 2);
}

TEST_F(Ops, ExternalIdOfAnotherPartnerIsAConflict) {
  Client client(io.get_executor(), registry, transport, options());
  transport->push(FakeReply::status(409, "", {{"X-Test-Field", "external_id"}}));
  transport->push(found({partner_json("pn_9", "someone@example.com", "crm-1")}));
  auto r = provision(client, "ops", spec());
  ASSERT_THAT(r, ErrorIs(errc::already_exists));
  EXPECT_EQ(r.error().field, "external_id");
  EXPECT_NE(r.error().message.find("pn_9"), std::string::npos);
  EXPECT_EQ(r.error().message.find("someone@"), std::string::npos);  // another partner's email stays out
}

TEST_F(Ops, AnotherPartnersReferralKeyIsNotLookedUp) {
  Client client(io.get_executor(), registry, transport, options());
  transport->push(FakeReply::status(409, "", {{"X-Test-Field", "referral_key"}}));
  auto r = provision(client, "ops", spec());
  ASSERT_THAT(r, ErrorIs(errc::already_exists));
  EXPECT_EQ(transport->request_count(), 1u);
}

TEST_F(Ops, SeveralMatchesWhileReconcilingIsAnError) {
  Client client(io.get_executor(), registry, transport, options());
  transport->push(ambiguous_failure());
  transport->push(found({}));
  transport->push(found({partner_json("pn_1", "ada@example.com"), partner_json("pn_2", "Ada@Example.com")}));
  auto r = provision(client, "ops", spec());
  ASSERT_THAT(r, ErrorIs(errc::protocol));
  EXPECT_EQ(transport->request_count(), 3u);  // nothing re-sent
}

TEST_F(Ops, LookupThatCannotBeUsedFallsBackToTheDuplicateRule) {
  Client client(io.get_executor(), registry, transport, options());
  transport->push(ambiguous_failure());
  transport->push(FakeReply::status(403, R"({"error":"no read scope"})"));
  transport->push(FakeReply::status(409, "", {{"X-Test-Field", "email"}}));
  auto r = provision(client, "ops", spec());
  ASSERT_THAT(r, IsOk());
  EXPECT_EQ(r->outcome, Outcome::existing);
  EXPECT_FALSE(r->id);
  bool mentioned = false;
  for (const auto& w : r->warnings) mentioned = mentioned || w.find("lookup failed") != std::string::npos;
  EXPECT_TRUE(mentioned);
  EXPECT_EQ(sent(), (Sent{"POST /partners", "GET /partners?external_id=crm-1", "POST /partners"}));
}

TEST_F(Ops, LookupOutOfRetriesEndsTheItemRetryable) {
  auto o = options();
  o.retry.max_attempts = 2;
  Client client(io.get_executor(), registry, transport, o);
  transport->push(ambiguous_failure());
  transport->push(FakeReply::status(503));
  transport->push(FakeReply::status(503));
  auto r = provision(client, "ops", spec());
  ASSERT_THAT(r, ErrorIs(errc::vendor_unavailable));
  EXPECT_TRUE(r.error().retryable);
  EXPECT_NE(r.error().message.find("may have been applied"), std::string::npos);
  EXPECT_EQ(transport->request_count(), 3u);
}

TEST_F(Ops, ReconcileDuplicateKeepsTheOldRule) {
  Client client(io.get_executor(), registry, transport, options());
  transport->push(ambiguous_failure());
  transport->push(FakeReply::status(409, "", {{"X-Test-Field", "email"}}));
  ProvisionOptions po;
  po.reconcile = Reconcile::duplicate;
  auto r = provision(client, "ops", spec(), po);
  ASSERT_THAT(r, IsOk());
  EXPECT_EQ(r->outcome, Outcome::existing);
  EXPECT_FALSE(r->id);
  EXPECT_EQ(sent(), (Sent{"POST /partners", "POST /partners"}));
}

TEST_F(Ops, VendorWithoutLookupKeepsTheOldRule) {
  Client client(io.get_executor(), registry, transport, options());
  transport->push(FakeReply::status(409, "", {{"X-Test-Field", "email"}}));
  ProvisionOptions po;
  po.may_have_been_applied = true;
  auto r = provision(client, "none", spec(), po);
  ASSERT_THAT(r, IsOk());
  EXPECT_EQ(r->outcome, Outcome::existing);
  EXPECT_EQ(sent(), (Sent{"POST /partners"}));
}

TEST_F(Ops, CreateAfterNotFoundThatAnswersExistsIsSettledByASecondLookup) {
  // A lagging vendor: the lookup misses the partner our first attempt created; the create then
  // answers already_exists and the second lookup finds it.
  Client client(io.get_executor(), registry, transport, options());
  transport->push(ambiguous_failure());
  transport->push(found({}));
  transport->push(found({}));
  transport->push(FakeReply::status(409, "", {{"X-Test-Field", "email"}}));
  transport->push(found({}));
  transport->push(found({partner_json("pn_1", "ada@example.com")}));
  auto r = provision(client, "ops", spec());
  ASSERT_THAT(r, IsOk());
  EXPECT_EQ(r->outcome, Outcome::existing);
  EXPECT_EQ(r->id, "pn_1");
  EXPECT_EQ(r->attempts, 6);
}

TEST_F(Ops, AFiveHundredAfterACreateIsLookedUpBeforeTheRetry) {
  // The vendor applied the create and then failed its answer (a 503): the retry is a lookup.
  Client client(io.get_executor(), registry, transport, options());
  transport->push(FakeReply::status(503));
  transport->push(found({partner_json("pn_1", "ada@example.com")}));
  auto r = provision(client, "ops", spec());
  ASSERT_THAT(r, IsOk());
  EXPECT_EQ(r->outcome, Outcome::existing);
  EXPECT_EQ(r->id, "pn_1");
  EXPECT_EQ(sent(), (Sent{"POST /partners", "GET /partners?external_id=crm-1"}));
}
