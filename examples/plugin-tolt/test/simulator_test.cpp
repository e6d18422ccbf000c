// The Tolt simulator's own rules, read with the adapter's requests and decoder (what the author's kit's
// round trip does not cover: Tolt's validation, duplicates beyond the email, keys, the 429).
#include <partnerkit/sandbox/vendors.hpp>
#include <tolt/tolt_adapter.hpp>
#include <tolt/tolt_simulator.hpp>

#include <gtest/gtest.h>

namespace pk = partnerkit;

namespace {

pk::VendorConfig sandbox_config(std::string key = "tolt_test_key") {
  pk::VendorConfig c;
  c.base_url = "https://127.0.0.1:1";
  c.api_key = std::move(key);
  c.settings["program_id"] = "prg_sandbox";
  return c;
}

pk::HttpRequest encoded(const pk::PartnerSpec& s, std::string key = "tolt_test_key") {
  auto r = tolt::ToltAdapter{}.encode(s, sandbox_config(std::move(key)));
  EXPECT_TRUE(r);
  return r->request;
}

TEST(ToltSimulator, DuplicateEmailIgnoresCaseAndTheLinkDefaultsToTheName) {
  tolt::ToltSimulator sim({}, {}, 1);
  tolt::ToltAdapter a;
  pk::PartnerSpec s;
  s.email = "Sam@Example.com";
  s.name = "Sam Rivera";
  pk::DecodeContext ctx;
  ctx.spec = &s;
  auto p = a.decode(sim.handle(encoded(s)), ctx);
  ASSERT_TRUE(p) << p.error().message;
  EXPECT_EQ(p->links.at(0).key, "sam-rivera");
  s.email = "sam@example.COM";
  auto e = a.decode(sim.handle(encoded(s)), ctx);
  ASSERT_FALSE(e);
  EXPECT_EQ(e.error().code, pk::errc::already_exists);
  EXPECT_EQ(e.error().field, "email");
  EXPECT_EQ(sim.partner_count(), 1u);
}

TEST(ToltSimulator, TakenLinkValueIs409OnLinkValue) {
  tolt::ToltSimulator sim({}, {}, 1);
  pk::PartnerSpec s;
  s.email = "a@example.com";
  s.referral_key = "Promo";
  ASSERT_EQ(sim.handle(encoded(s)).status, 201);
  s.email = "b@example.com";
  auto r = sim.handle(encoded(s));
  ASSERT_EQ(r.status, 409);
  auto e = tolt::ToltAdapter{}.decode(r, {});
  ASSERT_FALSE(e);
  EXPECT_EQ(e.error().field, "referral_key");
}

TEST(ToltSimulator, ValidationNamesEveryField) {
  tolt::ToltSimulator sim({}, {}, 1);
  pk::PartnerSpec s;
  s.email = "x@example.com";
  pk::HttpRequest req = encoded(s);
  req.body =
      R"({"email":"not-an-email","program_id":"prg_sandbox","country_code":"USA","notify_partner":"yes"})";
  auto r = sim.handle(req);
  ASSERT_EQ(r.status, 400);
  auto e = tolt::ToltAdapter{}.decode(r, {});
  ASSERT_FALSE(e);
  EXPECT_EQ(e.error().code, pk::errc::rejected);
  EXPECT_EQ(e.error().vendor_code, "validation_error");
  ASSERT_EQ(e.error().issues.size(), 3u);
  EXPECT_EQ(e.error().issues[0].field, "email");
  EXPECT_EQ(e.error().issues[1].field, "country");
  EXPECT_EQ(e.error().issues[2].field, "invite");
}

// Tolt states its lengths as its OpenAPI's maxLength, which counts code points (see the README): a
// first name of 150 emoji outside the BMP (300 UTF-16 units) passes the adapter's validate and the
// simulator; 151 fails both, on first_name.
TEST(ToltSimulator, NameLengthsCountCodePointsOnBothSides) {
  const std::string emoji = "\xF0\x9F\x98\x80";  // U+1F600: one code point, two UTF-16 units
  std::string at_limit;
  for (int i = 0; i < 150; ++i) at_limit += emoji;
  tolt::ToltSimulator sim({}, {}, 1);
  tolt::ToltAdapter a;
  pk::PartnerSpec s;
  s.email = "emoji@example.com";
  s.first_name = at_limit;
  s.last_name = "Lee";
  EXPECT_TRUE(a.validate(s).empty());
  auto ok = sim.handle(encoded(s));
  EXPECT_EQ(ok.status, 201) << ok.body;

  s.email = "emoji2@example.com";
  s.first_name = at_limit + emoji;
  const auto issues = a.validate(s);
  ASSERT_EQ(issues.size(), 1u);
  EXPECT_EQ(issues[0].field, "first_name");
  auto e = a.decode(sim.handle(encoded(s)), {});
  ASSERT_FALSE(e);
  ASSERT_EQ(e.error().issues.size(), 1u);
  EXPECT_EQ(e.error().issues[0].field, "first_name");
}

TEST(ToltSimulator, AuthAndProgram) {
  tolt::ToltSimulator sim({}, {}, 1);
  pk::PartnerSpec s;
  s.email = "a@example.com";
  auto no_key = encoded(s);
  no_key.headers.erase(no_key.headers.begin());  // Authorization
  EXPECT_EQ(sim.handle(no_key).status, 401);
  EXPECT_EQ(sim.handle(encoded(s, "wrong")).status, 401);
  auto ro = sim.handle(encoded(s, "tolt_test_key_readonly"));
  EXPECT_EQ(ro.status, 403);
  EXPECT_EQ(tolt::ToltAdapter{}.decode(ro, {}).error().code, pk::errc::permission_denied);
  auto bad_program = encoded(s);
  bad_program.body = R"({"email":"a@example.com","program_id":"prg_nope"})";
  auto r = sim.handle(bad_program);
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(tolt::ToltAdapter{}.decode(r, {}).error().code, pk::errc::not_found);
  EXPECT_EQ(sim.partner_count(), 0u);
}

// Reads work with a read-only key, a suspend does not; an unknown partner is not_found.
TEST(ToltSimulator, ReadOnlyKeyAndUnknownPartner) {
  tolt::ToltSimulator sim({}, {}, 1);
  tolt::ToltAdapter a;
  pk::PartnerSpec s;
  s.email = "ops@example.com";
  auto created = a.decode(sim.handle(encoded(s)), {});
  ASSERT_TRUE(created) << created.error().message;
  const std::string id = created->id.value();
  const auto ro = sandbox_config("tolt_test_key_readonly");
  pk::DecodeContext ctx;
  ctx.operation = pk::Operation::get;
  ctx.partner_id = id;
  EXPECT_TRUE(a.decode_get(sim.handle(a.encode_get(id, ro)->request), ctx));
  pk::DeactivateOptions off;
  EXPECT_EQ(sim.handle(a.encode_deactivate(id, off, ro)->request).status, 403);
  ctx.partner_id = "part_nobody";
  auto unknown = a.decode_get(sim.handle(a.encode_get("part_nobody", ro)->request), ctx);
  ASSERT_FALSE(unknown);
  EXPECT_EQ(unknown.error().code, pk::errc::not_found);
  EXPECT_EQ(sim.handle(a.encode_deactivate("part_nobody", off, sandbox_config())->request).status, 404);
}

TEST(ToltSimulator, RateLimitAnswerDecodesAsRateLimited) {
  tolt::ToltSimulator sim({}, {}, 1);
  pk::sandbox::TokenBucket::Decision d;
  d.allowed = false;
  d.retry_after = std::chrono::milliseconds(1500);
  auto r = sim.rate_limited(d, {});
  EXPECT_EQ(r.status, 429);
  auto e = tolt::ToltAdapter{}.decode(r, {});
  ASSERT_FALSE(e);
  EXPECT_EQ(e.error().code, pk::errc::rate_limited);
  ASSERT_TRUE(e.error().retry_after);
  EXPECT_EQ(e.error().retry_after->count(), 2000);
}

}  // namespace
