#include <partnerkit/sandbox/vendors.hpp>

#include <gtest/gtest.h>

#include <regex>

#include "test_names.hpp"
#include "test_util.hpp"

namespace {
const std::string auth = "Bearer pk_test_partnero";

struct PartneroTest : ::testing::Test {
  sbtest::FakeClock clock;
  PartneroSimulator p{PartneroOptions{}, clock.fn(), 1};
  partnerkit::HttpResponse create(const object& body, const std::string& a = auth) {
    return p.handle(post("/v1/partners", body, a));
  }
};
}  // namespace

TEST_F(PartneroTest, CreatesWithTheDocumentedShape) {
  auto r = create({{"email", "john.doe@partnero.com"},
                   {"name", "John"},
                   {"surname", "Doe"},
                   {"tags", array{"new", "premium"}},
                   {"key", "johnd"},
                   {"id", "crm_7"},
                   {"password", "Secr3tPass"}});
  ASSERT_EQ(r.status, 201) << r.body;
  auto b = body_of(r).as_object();
  EXPECT_EQ(b.at("status"), 1);
  const auto& d = b.at("data").as_object();
  for (const char* k :
       {"email", "created_at", "updated_at", "name", "id", "surname", "tos", "approved", "status",
        "custom_fields", "referrals_count", "tags", "referral_link", "referral_links"})
    EXPECT_TRUE(d.contains(k)) << k;
  EXPECT_EQ(d.size(), 14u);
  EXPECT_EQ(d.at("id"), "crm_7");
  EXPECT_EQ(d.at("status"), "active");
  EXPECT_EQ(d.at("approved"), true);
  EXPECT_EQ(d.at("created_at"), "2026-01-02T03:00:00.000000Z");
  EXPECT_EQ(d.at("referral_link"), "https://partnerkit.example?aff=johnd");
  EXPECT_EQ(d.at("referral_links"), (array{"https://partnerkit.example?aff=johnd"}));
  EXPECT_EQ(d.at("tags"), (array{object{{"value", "new"}}, object{{"value", "premium"}}}));
  EXPECT_EQ(r.body.find("Secr3tPass"), std::string::npos);
  auto stored = boost::json::serialize(p.partners());
  EXPECT_EQ(stored.find("Secr3tPass"), std::string::npos);
  EXPECT_NE(stored.find("\"password_set\":true"), std::string::npos);
  // Generated id and key.
  auto gen = create({{"email", "x@y.io"}});
  ASSERT_EQ(gen.status, 201);
  EXPECT_FALSE(body_of(gen).at("data").at("id").as_string().empty());
  EXPECT_TRUE(std::regex_match(std::string(body_of(gen).at("data").at("referral_link").as_string()),
                               std::regex(R"(https://partnerkit\.example\?aff=[a-z0-9]{8})")));
  EXPECT_EQ(body_of(gen).at("data").at("name"), nullptr);
}

TEST_F(PartneroTest, Authentication) {
  auto none = p.handle(post("/v1/partners", object{{"email", "a@b.co"}}, ""));
  EXPECT_EQ(none.status, 401);
  EXPECT_EQ(body_of(none).at("message"), "Unauthenticated.");
  EXPECT_EQ(create({{"email", "a@b.co"}}, "Bearer nope").status, 401);
  EXPECT_EQ(create({{"email", "a@b.co"}}, "pk_test_partnero").status, 401);
  auto ro = create({{"email", "a@b.co"}}, "Bearer pk_test_partnero_readonly");
  EXPECT_EQ(ro.status, 403);
  EXPECT_EQ(p.partner_count(), 0u);
}

TEST_F(PartneroTest, LaravelValidation) {
  auto r = create({{"name", 5}, {"password", "short"}});
  ASSERT_EQ(r.status, 422);
  auto b = body_of(r).as_object();
  EXPECT_EQ(b.at("message"), "The email field is required. (and 2 more errors)");
  EXPECT_EQ(b.at("errors").at("email"), (array{"The email field is required."}));
  EXPECT_EQ(b.at("errors").at("name"), (array{"The name field must be a string."}));
  EXPECT_EQ(b.at("errors").at("password"), (array{"The password field must be at least 8 characters."}));

  EXPECT_EQ(body_of(create({{"email", "bad"}})).at("message"),
            "The email field must be a valid email address.");
  EXPECT_EQ(body_of(create({{"email", "a@b.co"}, {"password", "alllowercase1"}})).at("message"),
            "The password field must contain at least one uppercase and one lowercase letter.");
  EXPECT_EQ(body_of(create({{"email", "a@b.co"}, {"password", "NoDigitsHere"}})).at("message"),
            "The password field must contain at least one number.");
  EXPECT_EQ(body_of(create({{"email", "a@b.co"}, {"tags", "x"}})).at("message"),
            "The tags field must be an array.");
  EXPECT_EQ(body_of(create({{"email", "a@b.co"}, {"name", std::string(256, 'n')}})).at("message"),
            "The name field must not be greater than 255 characters.");
  // Not JSON: Laravel sees no input.
  auto nj = p.handle(post("/v1/partners", std::string("garbage"), auth));
  EXPECT_EQ(nj.status, 422);
  EXPECT_EQ(body_of(nj).at("message"), "The email field is required.");
  EXPECT_EQ(p.partner_count(), 0u);
}

TEST_F(PartneroTest, DuplicatesAre422Taken) {
  ASSERT_EQ(create({{"email", "a@b.co"}, {"id", "id1"}, {"key", "k1"}}).status, 201);
  auto email = create({{"email", "A@B.CO"}});
  EXPECT_EQ(email.status, 422);
  EXPECT_EQ(body_of(email).at("message"), "The email has already been taken.");
  EXPECT_EQ(body_of(email).at("errors").at("email"), (array{"The email has already been taken."}));
  auto id = create({{"email", "c@b.co"}, {"id", "id1"}});
  EXPECT_EQ(id.status, 422);
  EXPECT_EQ(body_of(id).at("errors").at("id"), (array{"The id has already been taken."}));
  auto key = create({{"email", "d@b.co"}, {"key", "k1"}});
  EXPECT_EQ(key.status, 422);
  EXPECT_NE(body_of(key).at("message").as_string().find("already"), std::string::npos);
  EXPECT_EQ(p.partner_count(), 1u);
}

TEST_F(PartneroTest, DuplicateAs409WhenConfigured) {
  PartneroOptions o;
  o.duplicate_status = 409;
  PartneroSimulator q(o, clock.fn(), 1);
  ASSERT_EQ(q.handle(post("/v1/partners", object{{"email", "a@b.co"}}, auth)).status, 201);
  auto dup = q.handle(post("/v1/partners", object{{"email", "a@b.co"}}, auth));
  EXPECT_EQ(dup.status, 409);
  EXPECT_EQ(body_of(dup).at("message"), "The email has already been taken.");
  EXPECT_EQ(q.handle(post("/v1/partners", object{{"email", "bad"}}, auth)).status, 422);  // others stay 422
}

TEST_F(PartneroTest, ReferringPartner) {
  ASSERT_EQ(create({{"email", "ref@b.co"}, {"id", "r1"}, {"key", "refkey"}}).status, 201);
  auto missing = create({{"email", "n@b.co"}, {"referring_partner", object{{"key", "nobody"}}}});
  EXPECT_EQ(missing.status, 400);
  EXPECT_EQ(body_of(missing).at("message"), "Referring partner not found");
  for (auto ref : {object{{"id", "r1"}}, object{{"key", "refkey"}}, object{{"email", "REF@b.co"}}}) {
    static int n = 0;
    auto r = create({{"email", "n" + std::to_string(++n) + "@b.co"}, {"referring_partner", ref}});
    EXPECT_EQ(r.status, 201) << r.body;
  }
  auto bad = create({{"email", "m@b.co"}, {"referring_partner", object{{"id", 5}}}});
  EXPECT_EQ(bad.status, 422);
  EXPECT_TRUE(body_of(bad).at("errors").as_object().contains("referring_partner.id"));
  EXPECT_EQ(p.partner_count(), 4u);
}

TEST_F(PartneroTest, Invite) {
  auto r = p.handle(post("/v1/partners:invite", object{{"email", "jane@b.co"}, {"name", "Jane"}}, auth));
  ASSERT_EQ(r.status, 201) << r.body;
  EXPECT_EQ(body_of(r).at("status"), 1);
  EXPECT_EQ(body_of(r).at("data").at("email"), "jane@b.co");
  EXPECT_EQ(body_of(r).at("data").at("status"), "pending");
  auto no_name = p.handle(post("/v1/partners:invite", object{{"email", "x@b.co"}}, auth));
  EXPECT_EQ(no_name.status, 422);
  EXPECT_EQ(body_of(no_name).at("message"), "The name field is required.");
  auto dup = p.handle(post("/v1/partners:invite", object{{"email", "jane@b.co"}, {"name", "J"}}, auth));
  EXPECT_EQ(dup.status, 422);
  EXPECT_EQ(create({{"email", "jane@b.co"}}).status, 422);  // a pending invite holds the email
  EXPECT_EQ(p.invites().size(), 1u);
  EXPECT_EQ(p.partner_count(), 0u);
}
