// find, get, update, deactivate and reconciliation by lookup end to end: Client -> BeastTransport ->
// the sandbox (127.0.0.1, real TLS with the sandbox's CA, verification on), with the real adapters.
#include "sandbox_harness.hpp"

#include <partnerkit/adapters/builtin.hpp>
#include <partnerkit/beast_transport.hpp>
#include <partnerkit/client.hpp>
#include <partnerkit/sandbox/sandbox.hpp>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>

#include <gtest/gtest.h>

#include <thread>

using namespace std::chrono_literals;
using namespace partnerkit;
namespace asio = boost::asio;

namespace {

PartnerSpec spec(const std::string& email, const std::string& external_id) {
  PartnerSpec s;
  s.email = email;
  s.name = "Ada Lovelace";
  s.country = "GB";
  s.external_id = external_id;
  return s;
}

using Harness = test::SandboxHarness;

}  // namespace

TEST(IntegrationOperations, DubFindGetDeactivate) {
  Harness h;
  auto made = h.client->provision("dub", spec("ada@example.com", "crm-1"));
  ASSERT_TRUE(made) << made.error().message;
  ASSERT_TRUE(made->id);

  for (auto q :
       {FindQuery{FindQuery::Key::external_id, "crm-1"}, FindQuery{FindQuery::Key::email, "ADA@example.com"},
        FindQuery{FindQuery::Key::vendor_id, *made->id}}) {
    auto f = h.client->find("dub", q);
    ASSERT_TRUE(f) << f.error().message;
    ASSERT_TRUE(f->has_value()) << q.value;
    EXPECT_EQ((*f)->id, made->id);
    EXPECT_EQ((*f)->outcome, Outcome::existing);
  }
  auto none = h.client->find("dub", FindQuery{FindQuery::Key::email, "nobody@example.com"});
  ASSERT_TRUE(none) << none.error().message;
  EXPECT_FALSE(none->has_value());

  auto got = h.client->get("dub", *made->id);
  ASSERT_TRUE(got) << got.error().message;
  EXPECT_EQ(got->email, "ada@example.com");

  PartnerSpec changes;
  changes.name = "Ada King";
  auto upd = h.client->update("dub", *made->id, changes);
  ASSERT_FALSE(upd);
  EXPECT_EQ(upd.error().code, errc::unsupported_operation);  // Dub has no update; nothing sent

  auto off = h.client->deactivate("dub", *made->id, {});
  ASSERT_TRUE(off) << off.error().message;
  EXPECT_EQ(off->outcome, Outcome::updated);
  EXPECT_EQ(off->status, PartnerStatus::deactivated);
}

TEST(IntegrationOperations, PartneroFindUpdateDeactivate) {
  Harness h;
  auto made = h.client->provision("partnero", spec("ada@example.com", "crm-1"));
  ASSERT_TRUE(made) << made.error().message;
  ASSERT_TRUE(made->id);
  auto f = h.client->find("partnero", FindQuery{FindQuery::Key::external_id, "crm-1"});
  ASSERT_TRUE(f) << f.error().message;
  ASSERT_TRUE(f->has_value());
  EXPECT_EQ((*f)->id, made->id);

  PartnerSpec changes;
  changes.name = "Ada King";
  changes.country = "FR";  // Partnero cannot carry a country: dropped with a warning
  auto upd = h.client->update("partnero", *made->id, changes);
  ASSERT_TRUE(upd) << upd.error().message;
  EXPECT_EQ(upd->outcome, Outcome::updated);
  EXPECT_FALSE(upd->warnings.empty());

  auto off = h.client->deactivate("partnero", *made->id, {});
  ASSERT_TRUE(off) << off.error().message;
  EXPECT_EQ(off->outcome, Outcome::updated);
}

TEST(IntegrationOperations, AResumedItemIsFoundNotCreatedAgain) {
  Harness h;
  for (const char* vendor : {"dub", "partnero"}) {
    auto made = h.client->provision(vendor, spec("ada@example.com", "crm-1"));
    ASSERT_TRUE(made) << made.error().message;
    const auto before = h.requests(vendor);
    ProvisionOptions po;
    po.may_have_been_applied = true;  // as a batch resuming a journaled `started` item
    auto again = h.client->provision(vendor, spec("ada@example.com", "crm-1"), po);
    ASSERT_TRUE(again) << vendor << ": " << again.error().message;
    EXPECT_EQ(again->outcome, Outcome::existing) << vendor;
    EXPECT_EQ(again->id, made->id) << vendor;
    EXPECT_FALSE(again->links.empty()) << vendor;
    EXPECT_EQ(h.requests(vendor) - before, 1u) << vendor << ": one lookup, no create";
    EXPECT_EQ(again->attempts, 1) << vendor;
  }
}

TEST(IntegrationOperations, JourneyBeeHasNoLookupAndKeepsTheDuplicateRule) {
  Harness h;
  auto f = h.client->find("journeybee", FindQuery{FindQuery::Key::email, "ada@example.com"});
  ASSERT_FALSE(f);
  EXPECT_EQ(f.error().code, errc::unsupported_operation);
  auto made = h.client->provision("journeybee", spec("ada@example.com", "crm-1"));
  ASSERT_TRUE(made) << made.error().message;
  ProvisionOptions po;
  po.may_have_been_applied = true;
  auto again = h.client->provision("journeybee", spec("ada@example.com", "crm-1"), po);
  ASSERT_TRUE(again) << again.error().message;
  EXPECT_EQ(again->outcome, Outcome::existing);
}

// A gateway answers 5xx after the vendor deactivated the partner: sent again, Partnero refuses an
// archived partner ("Action failed") and Dub a banned one. The Client reads the partner first and,
// finding it off, is done — every deactivate succeeds.
TEST(IntegrationOperations, DeactivateAppliedBehindA5xxReadsFirstAndSucceeds) {
  sandbox::SandboxOptions so;
  so.config.faults = sandbox::parse_fault_spec("apply-then-5xx=0.4");
  so.config.seed = 5;
  ClientOptions co;
  co.retry.max_attempts = 8;
  Harness h(so, co);
  for (const char* v : {"dub", "partnero"}) {
    int read_first = 0;
    for (int i = 0; i < 12; ++i) {
      const std::string n = std::to_string(i);
      auto made = h.client->provision(v, spec(std::string("off") + n + "@" + v + ".example", "crm-off-" + n));
      ASSERT_TRUE(made) << v << " " << i << ": " << made.error().message;
      ASSERT_TRUE(made->id);
      auto off = h.client->deactivate(v, *made->id, {});
      ASSERT_TRUE(off) << v << " " << i << ": " << to_string(off.error().code) << " " << off.error().message;
      EXPECT_EQ(off->outcome, Outcome::updated);
      EXPECT_TRUE(is_deactivated(off->status)) << v << " " << to_string(off->status);
      for (const auto& w : off->warnings) read_first += w.find("nothing was sent again") != std::string::npos;
    }
    EXPECT_GT(read_first, 0) << v << ": the fault never fired after a deactivate, the test proves nothing";
  }
}
