// The simulators' operations beyond create, driven by the built-in adapters' own requests (encode ->
// simulator -> decode), plus Dub's documented invite / limit statuses.
#include <partnerkit/adapters/dub.hpp>
#include <partnerkit/adapters/partnero.hpp>
#include <partnerkit/sandbox/vendors.hpp>

#include <gtest/gtest.h>

#include "test_names.hpp"
#include "test_util.hpp"

using namespace partnerkit;

namespace {

VendorConfig config(std::string key) {
  VendorConfig c;
  c.base_url = "https://127.0.0.1:1";
  c.api_key = std::move(key);
  return c;
}

template <class Sim>
HttpResponse send(Sim& sim, const Result<EncodedRequest>& r) {
  EXPECT_TRUE(r) << (r ? "" : r.error().message);
  return sim.handle(r->request);
}

struct DubOps : ::testing::Test {
  sbtest::FakeClock clock;
  DubSimulator sim{DubOptions{}, clock.fn(), 7};
  DubAdapter dub;
  VendorConfig cfg = config("sk_test_dub");

  Partner create(std::string email, std::optional<std::string> tenant = std::nullopt) {
    PartnerSpec s;
    s.email = std::move(email);
    s.external_id = std::move(tenant);
    auto r = send(sim, dub.encode(s, cfg));
    DecodeContext c;
    c.spec = &s;
    auto p = dub.decode(r, c);
    EXPECT_TRUE(p) << r.body;
    return *p;
  }
  Result<std::vector<Partner>> find(FindQuery q) {
    auto r = send(sim, dub.encode_find(q, cfg));
    DecodeContext c;
    c.operation = Operation::find;
    c.query = &q;
    return dub.decode_find(r, c);
  }
};

}  // namespace

TEST_F(DubOps, FindByTenantIdEmailAndId) {
  const Partner ana = create("ana@example.com", "crm-1");
  create("anna@example.com", "crm-10");
  auto by_tenant = find({FindQuery::Key::external_id, "crm-1"});
  ASSERT_TRUE(by_tenant);
  ASSERT_EQ(by_tenant->size(), 1u);
  EXPECT_EQ((*by_tenant)[0].id, ana.id);
  ASSERT_FALSE((*by_tenant)[0].links.empty());
  auto by_email = find({FindQuery::Key::email, "ANA@example.com"});
  ASSERT_TRUE(by_email);
  ASSERT_EQ(by_email->size(), 1u);
  EXPECT_EQ((*by_email)[0].id, ana.id);
  auto by_id = find({FindQuery::Key::vendor_id, *ana.id});
  ASSERT_TRUE(by_id);
  EXPECT_EQ(by_id->size(), 1u);
  auto none = find({FindQuery::Key::external_id, "crm-404"});
  ASSERT_TRUE(none);
  EXPECT_TRUE(none->empty());
  auto no_id = find({FindQuery::Key::vendor_id, "pn_missing"});
  ASSERT_TRUE(no_id);
  EXPECT_TRUE(no_id->empty());
}

TEST_F(DubOps, GetWorksWithAReadOnlyKeyDeactivateNeedsAWriteKey) {
  const Partner ana = create("ana@example.com");
  auto got = sim.handle(dub.encode_get(*ana.id, config("sk_test_dub_readonly"))->request);
  EXPECT_EQ(got.status, 200) << got.body;
  auto denied = sim.handle(dub.encode_deactivate(*ana.id, {}, config("sk_test_dub_readonly"))->request);
  EXPECT_EQ(denied.status, 403);
}

TEST_F(DubOps, DeactivateThenBanChangeTheStatus) {
  const Partner ana = create("ana@example.com", "crm-1");
  DecodeContext c;
  c.partner_id = *ana.id;
  auto d = dub.decode_deactivate(send(sim, dub.encode_deactivate(*ana.id, {}, cfg)), c);
  ASSERT_TRUE(d);
  EXPECT_EQ(d->status, PartnerStatus::deactivated);
  auto after = dub.decode_get(send(sim, dub.encode_get(*ana.id, cfg)), c);
  ASSERT_TRUE(after);
  EXPECT_EQ(after->status, PartnerStatus::deactivated);

  DeactivateOptions ban{true, "fraud"};
  c.deactivate = &ban;
  auto b = dub.decode_deactivate(send(sim, dub.encode_deactivate(*ana.id, ban, cfg)), c);
  ASSERT_TRUE(b);
  EXPECT_EQ(b->status, PartnerStatus::banned);
  EXPECT_EQ(dub.decode_get(send(sim, dub.encode_get(*ana.id, cfg)), c)->status, PartnerStatus::banned);

  // A reason outside the enum (sent past the adapter) is Dub's 422; a missing partner is 404.
  auto bad = sim.handle(
      post("/partners/ban", object{{"partnerId", *ana.id}, {"reason", "nope"}}, "Bearer sk_test_dub"));
  EXPECT_EQ(bad.status, 422);
  auto missing =
      sim.handle(post("/partners/deactivate", object{{"tenantId", "crm-404"}}, "Bearer sk_test_dub"));
  EXPECT_EQ(missing.status, 404);
  auto neither = sim.handle(post("/partners/deactivate", object{}, "Bearer sk_test_dub"));
  EXPECT_EQ(neither.status, 400);
}

TEST(DubSandboxStatuses, InviteAndLimitCodesDecode) {
  sbtest::FakeClock clock;
  DubOptions o;
  o.invite_states = {{"late@example.com", "invite_expired"}, {"wait@example.com", "invite_pending"}};
  o.partner_limit = 1;
  o.partner_limit_code = "exceeded_limit";
  DubSimulator sim{o, clock.fn(), 3};
  DubAdapter dub;
  const VendorConfig cfg = config("sk_test_dub");
  const auto decode = [&](std::string email) {
    PartnerSpec s;
    s.email = std::move(email);
    auto r = sim.handle(dub.encode(s, cfg)->request);
    DecodeContext c;
    c.spec = &s;
    return dub.decode(r, c);
  };
  auto expired = decode("late@example.com");
  ASSERT_FALSE(expired);
  EXPECT_EQ(expired.error().code, errc::invite_expired);
  EXPECT_EQ(expired.error().http_status, 410);
  auto pending = decode("wait@example.com");
  ASSERT_FALSE(pending);
  EXPECT_EQ(pending.error().code, errc::already_exists);
  EXPECT_EQ(pending.error().vendor_code, "invite_pending");
  ASSERT_TRUE(decode("first@example.com"));
  auto limit = decode("second@example.com");
  ASSERT_FALSE(limit);
  EXPECT_EQ(limit.error().code, errc::permission_denied);
  EXPECT_EQ(limit.error().vendor_code, "exceeded_limit");
}

TEST(DubSandboxTenant, ReusedTenantIdIsAConflictOrTheOtherPartner) {
  sbtest::FakeClock clock;
  DubAdapter dub;
  const VendorConfig cfg = config("sk_test_dub");
  for (bool describes_other : {false, true}) {
    DubOptions o;
    o.tenant_id_describes_other = describes_other;
    DubSimulator sim{o, clock.fn(), 5};
    PartnerSpec a;
    a.email = "ana@example.com";
    a.external_id = "crm-1";
    ASSERT_EQ(sim.handle(dub.encode(a, cfg)->request).status, 201);
    PartnerSpec b = a;
    b.email = "bob@example.com";
    auto r = sim.handle(dub.encode(b, cfg)->request);
    EXPECT_EQ(r.status, describes_other ? 201 : 409);
    DecodeContext c;
    c.spec = &b;
    auto p = dub.decode(r, c);
    ASSERT_FALSE(p);  // either way: the tenantId belongs to someone else
    EXPECT_EQ(p.error().code, errc::already_exists);
    EXPECT_EQ(p.error().field, "external_id");
  }
}

namespace {

struct PartneroOps : ::testing::Test {
  sbtest::FakeClock clock;
  PartneroSimulator sim{PartneroOptions{}, clock.fn(), 9};
  PartneroAdapter partnero;
  VendorConfig cfg = config("pk_test_partnero");

  void create(std::string email, std::string id) {
    PartnerSpec s;
    s.email = std::move(email);
    s.external_id = std::move(id);
    auto r = send(sim, partnero.encode(s, cfg));
    ASSERT_EQ(r.status, 201) << r.body;
  }
  DecodeContext ctx(std::string_view id, const DeactivateOptions* o = nullptr) {
    DecodeContext c;
    c.partner_id = id;
    c.deactivate = o;
    return c;
  }
};

}  // namespace

TEST_F(PartneroOps, FindGetByTheExternalIdSentAsId) {
  create("ana@example.com", "crm-1");
  FindQuery q{FindQuery::Key::external_id, "crm-1"};
  DecodeContext c;
  c.query = &q;
  auto found = partnero.decode_find(send(sim, partnero.encode_find(q, cfg)), c);
  ASSERT_TRUE(found) << found.error().message;
  ASSERT_EQ(found->size(), 1u);
  EXPECT_EQ((*found)[0].email, "ana@example.com");
  FindQuery missing{FindQuery::Key::external_id, "crm-2"};
  c.query = &missing;
  auto none = partnero.decode_find(send(sim, partnero.encode_find(missing, cfg)), c);
  ASSERT_TRUE(none);
  EXPECT_TRUE(none->empty());
}

TEST_F(PartneroOps, UpdateChangesWhatItSends) {
  create("ana@example.com", "crm-1");
  create("bob@example.com", "crm-2");
  PartnerSpec changes;
  changes.name = "Ana Maria Lopez";
  changes.tags = {"vip"};
  auto p = partnero.decode_update(send(sim, partnero.encode_update("crm-1", changes, cfg)), ctx("crm-1"));
  ASSERT_TRUE(p) << p.error().message;
  EXPECT_EQ(p->name, "Ana Maria Lopez");
  EXPECT_EQ(p->outcome, Outcome::updated);

  PartnerSpec taken;
  taken.email = "bob@example.com";
  auto dup = partnero.decode_update(send(sim, partnero.encode_update("crm-1", taken, cfg)), ctx("crm-1"));
  ASSERT_FALSE(dup);
  EXPECT_EQ(dup.error().code, errc::already_exists);
  auto missing =
      partnero.decode_update(send(sim, partnero.encode_update("crm-9", changes, cfg)), ctx("crm-9"));
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().code, errc::not_found);
}

TEST_F(PartneroOps, ArchiveTwiceFailsDeleteFreesTheEmail) {
  create("ana@example.com", "crm-1");
  auto a = partnero.decode_deactivate(send(sim, partnero.encode_deactivate("crm-1", {}, cfg)), ctx("crm-1"));
  ASSERT_TRUE(a);
  EXPECT_EQ(a->status, PartnerStatus::archived);
  auto got = partnero.decode_get(send(sim, partnero.encode_get("crm-1", cfg)), ctx("crm-1"));
  ASSERT_TRUE(got);
  EXPECT_EQ(got->status, PartnerStatus::archived);
  auto again =
      partnero.decode_deactivate(send(sim, partnero.encode_deactivate("crm-1", {}, cfg)), ctx("crm-1"));
  ASSERT_FALSE(again);
  EXPECT_EQ(again.error().http_status, 400);

  DeactivateOptions permanent{true, ""};
  auto d = partnero.decode_deactivate(send(sim, partnero.encode_deactivate("crm-1", permanent, cfg)),
                                      ctx("crm-1", &permanent));
  ASSERT_TRUE(d);
  EXPECT_EQ(d->status, PartnerStatus::deactivated);
  auto gone = partnero.decode_get(send(sim, partnero.encode_get("crm-1", cfg)), ctx("crm-1"));
  ASSERT_FALSE(gone);
  EXPECT_EQ(gone.error().code, errc::not_found);
  create("ana@example.com", "crm-1");  // free again
}

TEST_F(PartneroOps, ReadOnlyKeyReadsButCannotWrite) {
  create("ana@example.com", "crm-1");
  EXPECT_EQ(sim.handle(partnero.encode_get("crm-1", config("pk_test_partnero_readonly"))->request).status,
            200);
  EXPECT_EQ(sim.handle(partnero.encode_deactivate("crm-1", {}, config("pk_test_partnero_readonly"))->request)
                .status,
            403);
}
