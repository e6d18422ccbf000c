// Issue 13, client side: a 5xx after apply is "may have been applied" (item 2), nothing escapes as an
// exception (item 9), and a cancellation emitted right after starting is not lost (item 9).
#include "client_harness.hpp"
#include "test_adapter.hpp"
#include "test_names.hpp"

#include <partnerkit/client.hpp>
#include <partnerkit/testing/fake_transport.hpp>
#include <partnerkit/testing/matchers.hpp>

#include <boost/asio/bind_cancellation_slot.hpp>
#include <boost/asio/cancellation_signal.hpp>
#include <boost/asio/io_context.hpp>

#include <gtest/gtest.h>

#include <stdexcept>

namespace {

PartnerSpec spec(std::string email = "ada@example.com") { return test::sample_spec(std::move(email)); }

// Throws from the named step; otherwise the TestAdapter.
class ThrowingAdapter : public test::TestAdapter {
 public:
  enum class Where { encode, decode, capabilities, decode_non_std };
  ThrowingAdapter(Where where, std::string name)
      : TestAdapter(CreateSemantics::create, name), where_(where) {}

  Result<EncodedRequest> encode(const PartnerSpec& s, const VendorConfig& c) const override {
    if (where_ == Where::encode) throw std::runtime_error("encode blew up");
    return TestAdapter::encode(s, c);
  }
  Result<Partner> decode(const HttpResponse& r, const DecodeContext& c) const override {
    if (where_ == Where::decode) throw std::out_of_range("decode blew up");
    if (where_ == Where::decode_non_std) throw 42;
    return TestAdapter::decode(r, c);
  }
  Capabilities capabilities() const override {
    if (where_ == Where::capabilities) throw std::logic_error("capabilities blew up");
    return TestAdapter::capabilities();
  }

 private:
  Where where_;
};

// A Transport whose async_send throws.
class ThrowingTransport : public Transport {
 public:
  explicit ThrowingTransport(executor_type ex) : ex_(std::move(ex)) {}
  void async_send(HttpRequest, send_handler) override { throw std::runtime_error("transport blew up"); }
  executor_type get_executor() const override { return ex_; }

 private:
  executor_type ex_;
};

struct Integrity : test::ClientHarness {
  const std::vector<std::pair<std::string, ThrowingAdapter::Where>> throwing = {
      {"throw-encode", ThrowingAdapter::Where::encode},
      {"throw-decode", ThrowingAdapter::Where::decode},
      {"throw-capabilities", ThrowingAdapter::Where::capabilities},
      {"throw-non-std", ThrowingAdapter::Where::decode_non_std}};

  Integrity() {
    registry->add(std::make_shared<test::TestAdapter>(CreateSemantics::create, "fake"));
    registry->add(std::make_shared<test::TestAdapter>(CreateSemantics::upsert, "upsert"));
    for (const auto& [name, where] : throwing) registry->add(std::make_shared<ThrowingAdapter>(where, name));
  }

  ClientOptions options() {
    std::vector<std::string> names = {"fake", "upsert"};
    for (const auto& t : throwing) names.push_back(t.first);
    return options_for(names);
  }

  Result<Partner> run(Client& client, std::string vendor, PartnerSpec s) {
    return provision(client, std::move(vendor), std::move(s));
  }
};

}  // namespace

// A create-type vendor whose gateway answers 5xx after the backend applied the write: the retry's
// "already taken" is our own earlier attempt, so the partner is `existing`, not a failure.
TEST_F(Integrity, FiveHundredAfterApplyThenTakenIsExisting) {
  for (int status : {500, 502, 503, 504}) {
    Client client(io.get_executor(), registry, transport, options());
    transport->push(FakeReply::status(status, "<html>Bad Gateway</html>"));
    transport->push(FakeReply::status(422, "", {{"X-Test-Field", "email"}}));
    auto r = run(client, "fake", spec());
    ASSERT_TRUE(r) << status << ": " << r.error().message;
    EXPECT_EQ(r->outcome, Outcome::existing) << status;
    EXPECT_EQ(r->attempts, 2) << status;
  }
}

// 429 proves nothing was done: a later "already exists" is someone else's partner.
TEST_F(Integrity, RateLimitedThenTakenIsStillAFailure) {
  Client client(io.get_executor(), registry, transport, options());
  transport->push(FakeReply::status(429, "", {{"X-Test-Retry-After-Ms", "1"}}));
  transport->push(FakeReply::status(422, "", {{"X-Test-Field", "email"}}));
  auto r = run(client, "fake", spec());
  ASSERT_THAT(r, ErrorIs(errc::already_exists));
}

// A 5xx after apply, then a taken referral key: someone else's key, never reconciled.
TEST_F(Integrity, FiveHundredThenAnotherPartnersKeyIsAFailure) {
  Client client(io.get_executor(), registry, transport, options());
  transport->push(FakeReply::status(502));
  transport->push(FakeReply::status(422, "", {{"X-Test-Field", "referral_key"}}));
  auto r = run(client, "fake", spec());
  ASSERT_THAT(r, ErrorIs(errc::already_exists));
}

TEST_F(Integrity, ThrowingAdapterIsAnInternalErrorOnTheItem) {
  Client client(io.get_executor(), registry, transport, options());
  transport->set_responder([](const HttpRequest&) { return FakeReply::status(201); });
  for (const auto& [name, where] : throwing) {
    auto r = run(client, name, spec());
    ASSERT_FALSE(r) << name;
    EXPECT_EQ(r.error().code, errc::internal) << name;
    EXPECT_FALSE(r.error().retryable) << name;
    if (where == ThrowingAdapter::Where::decode) {
      EXPECT_NE(r.error().message.find("decode blew up"), std::string::npos) << r.error().message;
      EXPECT_EQ(r.error().http_status, 201);
      EXPECT_EQ(r.error().attempts, 1);
    }
  }
  // The client still works afterwards.
  auto ok = run(client, "fake", spec());
  ASSERT_THAT(ok, IsOk());
}

TEST_F(Integrity, ThrowingHookAndTransportAreInternalErrors) {
  auto o = options();
  o.hooks.before_send = [](const HttpRequest&) { throw std::runtime_error("hook blew up"); };
  {
    Client client(io.get_executor(), registry, transport, o);
    auto r = run(client, "fake", spec());
    ASSERT_THAT(r, ErrorIs(errc::internal));
  }
  {
    Client client(io.get_executor(), registry, std::make_shared<ThrowingTransport>(io.get_executor()),
                  options());
    auto r = run(client, "fake", spec());
    ASSERT_THAT(r, ErrorIs(errc::internal));
    EXPECT_NE(r.error().message.find("transport blew up"), std::string::npos);
  }
}

// The slot used to be assigned in a posted begin(): a cancel emitted before it ran was lost and the
// request went out anyway.
TEST_F(Integrity, CancelRightAfterStartingIsNotLost) {
  Client client(io.get_executor(), registry, transport, options());
  transport->set_responder([](const HttpRequest&) { return FakeReply::status(201); });
  asio::cancellation_signal signal;
  std::optional<Result<Partner>> out;
  client.async_provision("fake", spec(), asio::bind_cancellation_slot(signal.slot(), [&](Result<Partner> r) {
                           out = std::move(r);
                         }));
  signal.emit(asio::cancellation_type::terminal);
  io.run();
  ASSERT_TRUE(out);
  ASSERT_FALSE(*out);
  EXPECT_EQ(out->error().code, errc::cancelled);
  EXPECT_EQ(out->error().attempts, 0);
  EXPECT_EQ(transport->request_count(), 0u);
}
