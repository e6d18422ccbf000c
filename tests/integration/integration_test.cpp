// Each vendor end to end through Client -> BeastTransport -> Sandbox (127.0.0.1, real TLS with the
// sandbox's generated CA and verification on), each vendor's duplicate semantics, and every error of
// the taxonomy the sandbox can produce.
#include "sandbox_harness.hpp"

#include <partnerkit/adapters/builtin.hpp>
#include <partnerkit/batch.hpp>
#include <partnerkit/beast_transport.hpp>
#include <partnerkit/client.hpp>
#include <partnerkit/sandbox/certificate_authority.hpp>
#include <partnerkit/sandbox/faults.hpp>
#include <partnerkit/sandbox/sandbox.hpp>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>

#include <gtest/gtest.h>

#include <atomic>
#include <future>
#include <set>
#include <thread>

using namespace std::chrono_literals;
using namespace partnerkit;
namespace asio = boost::asio;

namespace {

PartnerSpec spec(const std::string& email, const std::string& name = "Ada Lovelace") {
  PartnerSpec s;
  s.email = email;
  s.name = name;
  s.company = "Analytical Engines";
  s.country = "GB";
  return s;
}

using Harness = test::SandboxHarness;

std::size_t stored(const boost::json::object& state, const std::string& vendor) {
  const auto* vendors = state.if_contains("vendors");
  const auto* v = vendors && vendors->is_object() ? vendors->as_object().if_contains(vendor) : nullptr;
  const auto* partners = v && v->is_object() ? v->as_object().if_contains("partners") : nullptr;
  if (partners && partners->is_array()) return partners->as_array().size();
  if (partners && partners->is_object()) return partners->as_object().size();
  return 0;
}

}  // namespace

TEST(Integration, DubEndToEndAndUpsert) {
  Harness h;
  auto first = h.provision("dub", spec("ada@example.com"));
  ASSERT_TRUE(first) << first.error().message;
  EXPECT_EQ(first->outcome, Outcome::created);
  ASSERT_TRUE(first->id);
  EXPECT_FALSE(first->links.empty());
  EXPECT_EQ(first->email, "ada@example.com");
  EXPECT_EQ(first->attempts, 1);

  // Dub upserts by email: 201 again, the same partner, outcome existing. (createdAt has millisecond
  // precision: a second call within the same millisecond could not be told apart.)
  std::this_thread::sleep_for(5ms);
  auto again = h.provision("dub", spec("ada@example.com", "Another Name"));
  ASSERT_TRUE(again) << again.error().message;
  EXPECT_EQ(again->outcome, Outcome::existing);
  EXPECT_EQ(again->id, first->id);
  EXPECT_EQ(again->name, "Ada Lovelace");  // ignored for an existing enrollment
  EXPECT_EQ(stored(h.sim.state(), "dub"), 1u);
}

TEST(Integration, PartneroEndToEndAndDuplicate) {
  Harness h;
  auto s = spec("grace@example.com", "Grace Hopper");
  s.external_id = "crm-42";
  s.referral_key = "grace";
  auto first = h.provision("partnero", s);
  ASSERT_TRUE(first) << first.error().message;
  EXPECT_EQ(first->outcome, Outcome::created);
  ASSERT_TRUE(first->id);
  EXPECT_FALSE(first->links.empty());

  // Partnero answers 422 "already exists"; the lookup by our external id settles it: the partner is
  // there, `existing`, with its id (issue 10: the vendor is the source of truth).
  auto dup = h.provision("partnero", s);
  ASSERT_TRUE(dup) << dup.error().message;
  EXPECT_EQ(dup->outcome, Outcome::existing);
  EXPECT_EQ(dup->id, first->id);
  EXPECT_EQ(dup->attempts, 2);  // the create, the lookup
  EXPECT_EQ(stored(h.sim.state(), "partnero"), 1u);
}

TEST(Integration, JourneyBeeEndToEndAndDuplicate) {
  Harness h;
  auto first = h.provision("journeybee", spec("alan@turing.example"));
  ASSERT_TRUE(first) << first.error().message;
  EXPECT_EQ(first->outcome, Outcome::created);
  EXPECT_FALSE(first->id);  // JourneyBee returns no id

  auto dup = h.provision("journeybee", spec("alan@turing.example"));
  ASSERT_FALSE(dup);
  EXPECT_EQ(dup.error().code, errc::already_exists);
  EXPECT_EQ(dup.error().http_status, 409);
  EXPECT_EQ(stored(h.sim.state(), "journeybee"), 1u);
}

TEST(Integration, BadKeyIsUnauthenticated) {
  Harness h;
  for (const char* v : {"dub", "partnero", "journeybee"}) {
    h.set_key(v, "wrong-key");
    auto r = h.provision(v, spec("key@example.com"));
    ASSERT_FALSE(r) << v;
    EXPECT_EQ(r.error().code, errc::unauthenticated) << v;
    EXPECT_EQ(r.error().http_status, 401) << v;
    EXPECT_EQ(r.error().attempts, 1) << v;
    EXPECT_EQ(r.error().raw_body.find("wrong-key"), std::string::npos);
    EXPECT_EQ(r.error().message.find("wrong-key"), std::string::npos);
    EXPECT_EQ(r.error().vendor_message.find("wrong-key"), std::string::npos);
  }
}

TEST(Integration, VendorSideRejections) {
  Harness h;
  // Dub: a body the server refuses (422, zod message with a path).
  auto d = spec("zod@example.com");
  d.vendor_overrides["dub"] = boost::json::object{{"name", std::string(150, 'x')}};
  auto r = h.provision("dub", d);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, errc::rejected);
  EXPECT_EQ(r.error().http_status, 422);
  EXPECT_EQ(r.error().vendor_code, "unprocessable_entity");
  EXPECT_EQ(r.error().field, "name");

  // Partnero: an unknown referring partner is not_found (400).
  auto p = spec("child@example.com");
  p.referrer = Referrer{std::nullopt, std::string("no-such-key"), std::nullopt};
  r = h.provision("partnero", p);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, errc::not_found);
  EXPECT_EQ(r.error().http_status, 400);

  // JourneyBee: contacts of another business domain are refused (406).
  auto j = spec("one@alpha.example");
  j.contacts.push_back(Contact{"two@beta.example", std::nullopt, std::nullopt});
  r = h.provision("journeybee", j);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, errc::rejected);
  EXPECT_EQ(r.error().http_status, 406);
}

TEST(Integration, RateLimitedCarriesRetryAfterFromEpochMilliseconds) {
  sandbox::SandboxOptions so;
  so.config.rate_limit.requests_per_second = 0.5;
  so.config.rate_limit.burst = 1;
  ClientOptions co;
  co.retry.max_attempts = 1;
  Harness h(so, co);
  ASSERT_TRUE(h.provision("dub", spec("r1@example.com")));
  auto r = h.provision("dub", spec("r2@example.com"));
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, errc::rate_limited);
  EXPECT_EQ(r.error().http_status, 429);
  ASSERT_TRUE(r.error().retry_after);
  EXPECT_GT(*r.error().retry_after, 0ms);
  EXPECT_LE(*r.error().retry_after, 3s);  // Dub's epoch-ms Retry-After read as a wait, not as 1.7e12 s
}

TEST(Integration, RateLimitedThenRetriedAfterTheWait) {
  sandbox::SandboxOptions so;
  so.config.rate_limit.requests_per_second = 2;
  so.config.rate_limit.burst = 1;
  Harness h(so);
  auto t0 = std::chrono::steady_clock::now();
  for (int i = 0; i < 3; ++i)
    ASSERT_TRUE(h.provision("partnero", spec("w" + std::to_string(i) + "@example.com")));
  EXPECT_GE(std::chrono::steady_clock::now() - t0, 900ms);  // 3 requests at 2/s: the waits were honoured
}

TEST(Integration, WithoutARateDubsStatedLimitIsLearntFromItsFirst429) {
  // The sandbox limits the key to 20/s and, as Dub, states X-RateLimit-Limit (per minute) only on
  // errors. No --rate: the pacer starts at Dub's declared 60/min, doubles per second paced, and the
  // first 429 teaches it the limit.
  sandbox::SandboxOptions so;
  so.config.rate_limit.requests_per_second = 20;
  so.config.rate_limit.burst = 1;
  Harness h(so);
  ClientOptions co = h.client->options();
  co.vendors["dub"].rate_limit.reset();
  h.client = std::make_unique<Client>(h.io.get_executor(), make_default_registry(), h.transport, co);
  constexpr int n = 60;
  std::promise<void> done;
  std::atomic<int> left{n}, ok{0};
  for (int i = 0; i < n; ++i)
    h.client->async_provision("dub", spec("learn" + std::to_string(i) + "@example.com"),
                              [&](Result<Partner> r) {
                                if (r) ++ok;
                                if (--left == 0) done.set_value();
                              });
  done.get_future().wait();
  EXPECT_EQ(ok.load(), n);
  auto pacing = h.client->pacing();
  ASSERT_EQ(pacing.size(), 1u);
  EXPECT_EQ(pacing[0].status.source, policy::RateSource::learnt) << pacing[0].status.why;
  EXPECT_DOUBLE_EQ(pacing[0].status.target, 20.0);
  EXPECT_GE(pacing[0].status.throttled, 1u);
  EXPECT_LE(pacing[0].status.throttled, 10u);
  EXPECT_NE(pacing[0].status.why.find("the vendor states 20/s"), std::string::npos) << pacing[0].status.why;
}

TEST(Integration, ServerErrorsAreRetriedThenReported) {
  sandbox::SandboxOptions so;
  so.config.faults = sandbox::parse_fault_spec("5xx=1");
  ClientOptions co;
  co.retry.max_attempts = 3;
  Harness h(so, co);
  auto r = h.provision("dub", spec("five@example.com"));
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, errc::vendor_unavailable);
  EXPECT_TRUE(r.error().retryable);
  // The create's 503 may have been applied, so the retry is a lookup, with a budget of its own (3
  // requests, all 503): 1 create + 3 lookups, every request of the call counted in `attempts`.
  EXPECT_EQ(r.error().attempts, 4);
  EXPECT_EQ(r.error().stopped, stop_reason::exhausted);
}

TEST(Integration, ResetIsNetwork) {
  sandbox::SandboxOptions so;
  so.config.faults = sandbox::parse_fault_spec("reset=1");
  ClientOptions co;
  co.retry.max_attempts = 2;
  Harness h(so, co);
  auto r = h.provision("partnero", spec("reset@example.com"));
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, errc::network);
  EXPECT_EQ(r.error().attempts, 2);
}

TEST(Integration, StallIsTimeout) {
  sandbox::SandboxOptions so;
  so.config.faults = sandbox::parse_fault_spec("stall=1");
  ClientOptions co;
  co.retry.max_attempts = 1;
  TransportOptions to;
  to.request_timeout = 300ms;
  Harness h(so, co, to);
  auto r = h.provision("journeybee", spec("stall@example.com"));
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, errc::timeout);
}

TEST(Integration, UntrustedSandboxIsTls) {
  Harness h({}, {}, {}, /*trust_sandbox=*/false);
  auto r = h.provision("dub", spec("tls@example.com"));
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, errc::tls);
  EXPECT_FALSE(r.error().retryable);
}

TEST(Integration, ApplyThenDropAndTruncationNeverDuplicate) {
  sandbox::SandboxOptions so;
  so.config.faults = sandbox::parse_fault_spec("apply-then-drop=0.3,truncate=0.2");
  so.config.seed = 7;
  ClientOptions co;
  co.retry.max_attempts = 8;
  Harness h(so, co);
  const int n = 30;
  for (const char* v : {"dub", "partnero", "journeybee"}) {
    for (int i = 0; i < n; ++i) {
      auto s = spec(std::string(v) + std::to_string(i) + "@" + v + std::to_string(i) + ".example",
                    "P " + std::to_string(i));
      s.company = std::string(v) + " company " + std::to_string(i);
      auto r = h.provision(v, s);
      ASSERT_TRUE(r) << v << " " << i << ": " << to_string(r.error().code) << " " << r.error().message;
    }
    EXPECT_EQ(stored(h.sim.state(), v), static_cast<std::size_t>(n)) << v;  // exactly one each
  }
}

// The vendor stores the partner, then a gateway answers 5xx (and some answers come after 1xx
// interim responses): the client's retry must find the partner, never create a second one, and
// report it as a success (existing or, for an upserting vendor, created again).
TEST(Integration, ApplyThen5xxAndEarlyHintsNeverDuplicate) {
  sandbox::SandboxOptions so;
  so.config.faults = sandbox::parse_fault_spec("apply-then-5xx=0.3,early-hints=0.2");
  so.config.seed = 11;
  ClientOptions co;
  co.retry.max_attempts = 8;
  Harness h(so, co);
  const int n = 30;
  for (const char* v : {"dub", "partnero", "journeybee"}) {
    int retried = 0;
    for (int i = 0; i < n; ++i) {
      auto s = spec(std::string(v) + "5xx" + std::to_string(i) + "@" + v + std::to_string(i) + ".example",
                    "G " + std::to_string(i));
      s.company = std::string(v) + " gateway " + std::to_string(i);
      auto r = h.provision(v, s);
      ASSERT_TRUE(r) << v << " " << i << ": " << to_string(r.error().code) << " " << r.error().message;
      if (r->attempts > 1) ++retried;
    }
    EXPECT_EQ(stored(h.sim.state(), v), static_cast<std::size_t>(n)) << v;  // exactly one each
    EXPECT_GT(retried, 0) << v << ": the fault never fired, the test proves nothing";
  }
}

TEST(Integration, BatchOverThreeVendors) {
  Harness h;
  std::vector<PartnerSpec> specs;
  for (int i = 0; i < 40; ++i) {
    auto s =
        spec("b" + std::to_string(i) + "@batch" + std::to_string(i) + ".example", "B " + std::to_string(i));
    s.company = "Batch Co " + std::to_string(i);
    specs.push_back(s);
  }
  std::size_t next = 0;
  BatchOptions bo;
  bo.vendors = {"dub", "partnero", "journeybee"};
  bo.concurrency = 8;
  std::set<std::pair<std::size_t, std::string>> seen;
  std::promise<BatchSummary> done;
  bo.on_result = [&](const BatchResult& r) {
    EXPECT_TRUE(r.result) << r.vendor << " " << r.index;
    seen.emplace(r.index, r.vendor);
  };
  async_provision_batch(
      *h.client,
      [&]() -> std::optional<InputItem> {
        if (next == specs.size()) return std::nullopt;
        InputItem it;
        it.index = next;
        it.spec = specs[next++];
        return it;
      },
      bo, [&](BatchSummary s) { done.set_value(std::move(s)); });
  auto s = done.get_future().get();
  EXPECT_EQ(s.results, 120u);
  EXPECT_EQ(s.succeeded, 120u);
  EXPECT_EQ(seen.size(), 120u);
  for (const char* v : {"dub", "partnero", "journeybee"}) EXPECT_EQ(stored(h.sim.state(), v), 40u);
}
