#include <partnerkit/sandbox/vendors.hpp>

#include <gtest/gtest.h>

#include <regex>
#include <set>

#include "test_names.hpp"
#include "test_util.hpp"

namespace {

const std::string auth = "Bearer sk_test_dub";

struct DubTest : ::testing::Test {
  sbtest::FakeClock clock;
  DubSimulator dub{DubOptions{}, clock.fn(), 1};

  partnerkit::HttpResponse create(const object& body, const std::string& a = auth) {
    return dub.handle(post("/partners", body, a));
  }
  std::string message(const partnerkit::HttpResponse& r) {
    return std::string(body_of(r).at("error").at("message").as_string());
  }
  std::string code(const partnerkit::HttpResponse& r) {
    return std::string(body_of(r).at("error").at("code").as_string());
  }
};

}  // namespace

TEST_F(DubTest, CreatesAndAnswersTheFullSchema) {
  auto r =
      create({{"email", "jane@acme.com"}, {"name", "Jane Doe"}, {"tenantId", "crm_1"}, {"country", "US"}});
  ASSERT_EQ(r.status, 201) << r.body;
  EXPECT_EQ(r.header("Content-Type"), "application/json");
  auto b = body_of(r).as_object();
  // The OpenAPI response schema of vendor-docs 002: every required key, nothing outside properties.
  const std::set<std::string> required = {"id",
                                          "name",
                                          "companyName",
                                          "email",
                                          "image",
                                          "country",
                                          "paypalEmail",
                                          "stripeConnectId",
                                          "payoutsEnabledAt",
                                          "trustedAt",
                                          "programId",
                                          "partnerId",
                                          "tenantId",
                                          "createdAt",
                                          "status",
                                          "links",
                                          "totalCommissions",
                                          "totalClicks",
                                          "totalLeads",
                                          "totalConversions",
                                          "totalSales",
                                          "totalSaleAmount",
                                          "netRevenue"};
  const std::set<std::string> optional = {"description",
                                          "groupId",
                                          "clickRewardId",
                                          "leadRewardId",
                                          "saleRewardId",
                                          "discountId",
                                          "applicationId",
                                          "bannedAt",
                                          "bannedReason",
                                          "earningsPerClick",
                                          "averageLifetimeValue",
                                          "clickToLeadRate",
                                          "clickToConversionRate",
                                          "leadToConversionRate",
                                          "returnOnAdSpend",
                                          "website",
                                          "youtube",
                                          "twitter",
                                          "linkedin",
                                          "instagram",
                                          "tiktok"};
  for (const auto& k : required) EXPECT_TRUE(b.contains(k)) << k;
  for (const auto& kv : b) {
    std::string k(kv.key());
    EXPECT_TRUE(required.contains(k) || optional.contains(k)) << "extra key " << k;
  }
  EXPECT_EQ(b.at("email"), "jane@acme.com");
  EXPECT_EQ(b.at("name"), "Jane Doe");
  EXPECT_EQ(b.at("tenantId"), "crm_1");
  EXPECT_EQ(b.at("country"), "US");
  EXPECT_EQ(b.at("status"), "approved");
  EXPECT_EQ(b.at("id"), b.at("partnerId"));
  EXPECT_TRUE(std::regex_match(std::string(b.at("id").as_string()), std::regex("pn_[0-9A-Za-z]{24}")));
  EXPECT_EQ(b.at("createdAt"), "2026-01-02T03:00:00.000Z");
  const auto& links = b.at("links").as_array();
  ASSERT_EQ(links.size(), 1u);
  const std::set<std::string> link_keys = {"id",     "domain", "key",         "shortLink", "url",
                                           "clicks", "leads",  "conversions", "sales",     "saleAmount"};
  std::set<std::string> got;
  for (const auto& kv : links[0].as_object()) got.insert(std::string(kv.key()));
  EXPECT_EQ(got, link_keys);
  EXPECT_EQ(links[0].at("key"), "jane-doe");
  EXPECT_EQ(links[0].at("shortLink"), "https://dub.sh/jane-doe");
  EXPECT_EQ(r.header("X-RateLimit-Limit"), "");  // the simulator alone adds no rate-limit headers
}

TEST_F(DubTest, Authentication) {
  auto missing = dub.handle(post("/partners", object{{"email", "a@b.co"}}, ""));
  EXPECT_EQ(missing.status, 401);
  EXPECT_EQ(code(missing), "unauthorized");
  EXPECT_EQ(body_of(missing).at("error").at("doc_url"),
            "https://dub.co/docs/api-reference/errors#unauthorized");
  for (const char* bad :
       {"sk_test_dub", "Token sk_test_dub", "Bearer ", "bearer sk_test_dub", "Bearer a b"}) {
    auto r = create({{"email", "a@b.co"}}, bad);
    EXPECT_EQ(r.status, 400) << bad;
    EXPECT_EQ(code(r), "bad_request") << bad;
  }
  auto unknown = create({{"email", "a@b.co"}}, "Bearer sk_live_other");
  EXPECT_EQ(unknown.status, 401);
  EXPECT_EQ(unknown.body.find("sk_live_other"), std::string::npos);  // never echoed
  auto ro = create({{"email", "a@b.co"}}, "Bearer sk_test_dub_readonly");
  EXPECT_EQ(ro.status, 403);
  EXPECT_EQ(code(ro), "forbidden");
  EXPECT_EQ(dub.partner_count(), 0u);
}

TEST_F(DubTest, BodyMustBeJsonObject) {
  auto r = dub.handle(post("/partners", std::string("{not json"), auth));
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(code(r), "bad_request");
  auto arr = dub.handle(post("/partners", std::string("[1]"), auth));
  EXPECT_EQ(arr.status, 422);
  EXPECT_EQ(code(arr), "unprocessable_entity");
}

TEST_F(DubTest, ZodMessages) {
  struct Case {
    object body;
    std::string message;
  };
  const std::string n101(101, 'x');
  std::string emoji51, emoji50;
  for (int i = 0; i < 50; ++i) emoji50 += "\xF0\x9F\x98\x80";  // U+1F600: 2 UTF-16 units
  emoji51 = emoji50 + "\xF0\x9F\x98\x80";
  std::vector<Case> cases = {
      {{{"name", "x"}}, "invalid_type: email: Required"},
      {{{"email", 5}}, "invalid_type: email: Expected string, received number"},
      {{{"email", "nope"}}, "invalid_string: email: Invalid email"},
      {{{"email", " a@b.co"}}, "invalid_string: email: Invalid email"},
      {{{"email", std::string(183, 'a') + "@bcd.com"}},
       "too_big: email: String must contain at most 190 character(s)"},
      {{{"email", "a@b.co"}, {"name", n101}}, "too_big: name: String must contain at most 100 character(s)"},
      {{{"email", "a@b.co"}, {"name", emoji51}},
       "too_big: name: String must contain at most 100 character(s)"},
      {{{"email", "a@b.co"}, {"tenantId", nullptr}},
       "invalid_type: tenantId: Expected string, received null"},
      {{{"email", "a@b.co"}, {"groupId", nullptr}}, "invalid_type: groupId: Expected string, received null"},
      {{{"email", "a@b.co"}, {"linkProps", nullptr}},
       "invalid_type: linkProps: Expected object, received null"},
      {{{"email", "a@b.co"}, {"description", std::string(5001, 'd')}},
       "too_big: description: String must contain at most 5000 character(s)"},
      {{{"email", "a@b.co"}, {"username", std::string(101, 'u')}},
       "too_big: username: String must contain at most 100 character(s)"},
      {{{"email", "a@b.co"}, {"linkProps", object{{"keyLength", 2}}}},
       "too_small: linkProps.keyLength: Number must be greater than or equal to 3"},
      {{{"email", "a@b.co"}, {"linkProps", object{{"externalId", ""}}}},
       "too_small: linkProps.externalId: String must contain at least 1 character(s)"},
      {{{"email", "a@b.co"}, {"linkProps", object{{"tagNames", 3}}}},
       "invalid_union: linkProps.tagNames: Invalid input"},
      {{{"email", "a@b.co"}, {"linkProps", object{{"archived", "yes"}}}},
       "invalid_type: linkProps.archived: Expected boolean, received string"},
      // The first issue in schema order wins: name before email.
      {{{"email", "nope"}, {"name", n101}}, "too_big: name: String must contain at most 100 character(s)"},
  };
  for (const auto& c : cases) {
    auto r = create(c.body);
    EXPECT_EQ(r.status, 422) << boost::json::serialize(c.body).substr(0, 200);
    if (r.status == 422) {
      EXPECT_EQ(message(r), c.message);
    }
  }
  // Exactly at the limits: accepted. Name is trimmed before counting.
  EXPECT_EQ(create({{"email", "e1@b.co"}, {"name", emoji50}}).status, 201);
  EXPECT_EQ(create({{"email", "e2@b.co"}, {"name", "   " + std::string(100, 'n') + "   "}}).status, 201);
  EXPECT_EQ(
      create({{"email", "e3@b.co"}, {"name", nullptr}, {"image", nullptr}, {"country", nullptr}}).status,
      201);
  EXPECT_EQ(dub.partner_count(), 3u);
}

// zod's .trim() is JavaScript's: Unicode white space goes before the name is counted and stored.
TEST_F(DubTest, NameTrimIsJavaScriptsUnicodeTrim) {
  const std::string nbsp = "\u00A0", ideographic = "\u3000", line_sep = "\u2028";
  auto r = create({{"email", "t1@b.co"}, {"name", nbsp + ideographic + std::string(100, 'n') + line_sep}});
  EXPECT_EQ(r.status, 201) << r.body;
  EXPECT_EQ(create({{"email", "t2@b.co"}, {"name", nbsp + std::string(101, 'n') + nbsp}}).status, 422);
  auto ann = create({{"email", "t3@b.co"}, {"name", "\u2003Ann Lee\uFEFF"}});
  ASSERT_EQ(ann.status, 201) << ann.body;
  EXPECT_EQ(body_of(ann).at("name"), "Ann Lee");
  // NEL is no white space to JavaScript: kept, and counted.
  auto nel = create({{"email", "t4@b.co"}, {"name", "Ann\u0085"}});
  ASSERT_EQ(nel.status, 201) << nel.body;
  EXPECT_EQ(body_of(nel).at("name"), "Ann\u0085");
}

TEST_F(DubTest, CountryAndUsername) {
  EXPECT_EQ(
      message(create({{"email", "a@b.co"}, {"country", "XX"}})).rfind("invalid_enum_value: country: ", 0),
      0u);
  EXPECT_EQ(create({{"email", "a@b.co"}, {"country", "us"}}).status, 422);
  EXPECT_EQ(create({{"email", "a@b.co"}, {"country", "DE"}}).status, 201);
  for (const char* bad : {"_hidden", ".well-known", "page.php", "has space", "semi;colon"}) {
    auto r = create({{"email", "u@b.co"}, {"username", bad}});
    EXPECT_EQ(r.status, 422) << bad;
  }
  auto ok = create({{"email", "u@b.co"}, {"username", "jane/doe.x-1"}});
  ASSERT_EQ(ok.status, 201);
  EXPECT_EQ(body_of(ok).at("links").at(0).at("key"), "jane/doe.x-1");

  DubOptions lax;
  lax.validate_country = false;
  DubSimulator stores_as_sent(lax, clock.fn(), 1);
  auto r = stores_as_sent.handle(post("/partners", object{{"email", "z@b.co"}, {"country", "XX"}}, auth));
  EXPECT_EQ(r.status, 201);
  EXPECT_EQ(body_of(r).at("country"), "XX");
}

TEST_F(DubTest, UpsertByEmailKeepsEverythingButTenantId) {
  auto first = create({{"email", "Jane@Acme.com"}, {"name", "Jane"}, {"tenantId", "t1"}, {"country", "US"}});
  ASSERT_EQ(first.status, 201);
  clock.advance(std::chrono::minutes(5));
  auto again = create({{"email", "jane@acme.com"},
                       {"name", "Someone Else"},
                       {"tenantId", "t2"},
                       {"country", "FR"},
                       {"username", "other"},
                       {"description", "ignored"}});
  ASSERT_EQ(again.status, 201);  // 201 for an existing enrollment too
  auto a = body_of(first).as_object(), b = body_of(again).as_object();
  EXPECT_EQ(a.at("id"), b.at("id"));
  EXPECT_EQ(b.at("createdAt"), a.at("createdAt"));  // the original creation time
  EXPECT_EQ(b.at("name"), "Jane");
  EXPECT_EQ(b.at("country"), "US");
  EXPECT_EQ(b.at("description"), nullptr);
  EXPECT_EQ(b.at("links"), a.at("links"));
  EXPECT_EQ(b.at("tenantId"), "t2");
  EXPECT_EQ(dub.partner_count(), 1u);
  // Without a tenantId nothing changes.
  auto third = create({{"email", "jane@acme.com"}});
  EXPECT_EQ(body_of(third).at("tenantId"), "t2");
  // The old tenantId is free again.
  EXPECT_EQ(create({{"email", "bob@acme.com"}, {"tenantId", "t1"}}).status, 201);
}

TEST_F(DubTest, TenantIdOfAnotherPartnerIsConflict) {
  ASSERT_EQ(create({{"email", "a@acme.com"}, {"tenantId", "t1"}}).status, 201);
  ASSERT_EQ(create({{"email", "b@acme.com"}, {"tenantId", "t2"}}).status, 201);
  auto new_email = create({{"email", "c@acme.com"}, {"tenantId", "t1"}});
  EXPECT_EQ(new_email.status, 409);
  EXPECT_EQ(code(new_email), "conflict");
  auto existing = create({{"email", "b@acme.com"}, {"tenantId", "t1"}});
  EXPECT_EQ(existing.status, 409);
  EXPECT_EQ(create({{"email", "a@acme.com"}, {"tenantId", "t1"}}).status, 201);  // its own
  EXPECT_EQ(dub.partner_count(), 2u);
}

TEST_F(DubTest, TenantIdQuirkDescribesTheOtherPartner) {
  DubOptions o;
  o.tenant_id_describes_other = true;
  DubSimulator d(o, clock.fn(), 1);
  ASSERT_EQ(d.handle(post("/partners", object{{"email", "a@acme.com"}, {"tenantId", "t1"}}, auth)).status,
            201);
  ASSERT_EQ(d.handle(post("/partners", object{{"email", "b@acme.com"}}, auth)).status, 201);
  auto r = d.handle(post("/partners", object{{"email", "c@acme.com"}, {"tenantId", "t1"}}, auth));
  EXPECT_EQ(r.status, 201);
  EXPECT_EQ(body_of(r).at("email"), "a@acme.com");  // not the email sent
  EXPECT_EQ(d.partner_count(), 2u);
  // An existing email taking another partner's tenantId is still a conflict.
  EXPECT_EQ(d.handle(post("/partners", object{{"email", "b@acme.com"}, {"tenantId", "t1"}}, auth)).status,
            409);
}

TEST_F(DubTest, TakenUsernameGetsSuffix) {
  auto a = create({{"email", "a@acme.com"}, {"username", "jane"}});
  auto b = create({{"email", "b@acme.com"}, {"username", "jane"}});
  auto c = create({{"email", "c@acme.com"}, {"name", "Jane"}});  // generated from the name
  ASSERT_EQ(a.status, 201);
  ASSERT_EQ(b.status, 201);
  ASSERT_EQ(c.status, 201);
  EXPECT_EQ(body_of(a).at("links").at(0).at("key"), "jane");
  std::string kb(body_of(b).at("links").at(0).at("key").as_string());
  std::string kc(body_of(c).at("links").at(0).at("key").as_string());
  EXPECT_TRUE(std::regex_match(kb, std::regex("jane-[a-z0-9]{4}"))) << kb;
  EXPECT_TRUE(std::regex_match(kc, std::regex("jane-[a-z0-9]{4}"))) << kc;
  EXPECT_NE(kb, kc);
  auto accents = create({{"email", "zoe@acme.com"}, {"name", "Zo\u00e9 Dupont-Lef\u00e8vre \u00c6ther"}});
  EXPECT_EQ(body_of(accents).at("links").at(0).at("key"), "zoe-dupont-lefevre-aether");
  // No name: the email's local part; name defaults to the email.
  auto d = create({{"email", "solo.rider@acme.com"}});
  EXPECT_EQ(body_of(d).at("links").at(0).at("key"), "solo-rider");
  EXPECT_EQ(body_of(d).at("name"), "solo.rider@acme.com");
}

TEST_F(DubTest, GroupsAndPartnerLimit) {
  DubOptions o;
  o.groups = {"grp_vip"};
  o.partner_limit = 1;
  DubSimulator d(o, clock.fn(), 1);
  auto missing_group =
      d.handle(post("/partners", object{{"email", "a@b.co"}, {"groupId", "grp_none"}}, auth));
  EXPECT_EQ(missing_group.status, 404);
  EXPECT_EQ(code(missing_group), "not_found");
  auto ok = d.handle(post("/partners", object{{"email", "a@b.co"}, {"groupId", "grp_vip"}}, auth));
  ASSERT_EQ(ok.status, 201);
  EXPECT_EQ(body_of(ok).at("groupId"), "grp_vip");
  EXPECT_EQ(d.handle(post("/partners", object{{"email", "b@b.co"}}, auth)).status, 403);
  EXPECT_EQ(d.handle(post("/partners", object{{"email", "a@b.co"}}, auth)).status, 403);  // even existing
}

TEST_F(DubTest, RoutesAndStoredState) {
  partnerkit::HttpRequest get = post("/partners", object{}, auth);
  get.method = "GET";
  EXPECT_EQ(dub.handle(get).status, 200);  // the list (find)
  get.method = "DELETE";
  EXPECT_EQ(dub.handle(get).status, 405);
  EXPECT_EQ(dub.handle(post("/partners/", object{}, auth)).status, 404);
  EXPECT_EQ(dub.handle(post("/v1/partners", object{}, auth)).status, 404);
  ASSERT_EQ(dub.handle(post("/partners?x=1", object{{"email", "q@b.co"}}, auth)).status, 201);
  auto stored = dub.partners();
  ASSERT_EQ(stored.size(), 1u);
  EXPECT_EQ(stored[0].at("email"), "q@b.co");
  EXPECT_EQ(stored[0].at("createdBy"), "sk_test_dub");
  dub.clear();
  EXPECT_EQ(dub.partner_count(), 0u);
}
