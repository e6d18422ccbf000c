#include <partnerkit/sandbox/vendors.hpp>

#include <gtest/gtest.h>

#include "test_names.hpp"
#include "test_util.hpp"

namespace {
const std::string auth = "Bearer jb_test_journeybee";

object partnership(std::string name, std::string email) {
  return {{"name", name},
          {"emails", array{object{{"email", email}, {"firstName", "A"}}}},
          {"partnerType", "referral"}};
}

struct JourneyBeeTest : ::testing::Test {
  sbtest::FakeClock clock;
  JourneyBeeSimulator jb{JourneyBeeOptions{}, clock.fn(), 1};
  partnerkit::HttpResponse create(const object& body, const std::string& a = auth,
                                  const std::string& path = "/api/v1/partnerships") {
    return jb.handle(post(path, body, a));
  }
  std::string error(const partnerkit::HttpResponse& r) {
    return std::string(body_of(r).at("error").as_string());
  }
};
}  // namespace

TEST_F(JourneyBeeTest, Creates) {
  auto r = create(partnership("TechCorp", "john@techcorp.com"));
  ASSERT_EQ(r.status, 201) << r.body;
  EXPECT_EQ(body_of(r), (object{{"status", "created"}, {"message", "Partnership created successfully"}}));
  auto c = create(partnership("Other", "a@other.com"), auth, "/api/v1/companies/123/partnerships");
  EXPECT_EQ(c.status, 201);
  EXPECT_EQ(jb.partner_count(), 2u);
  EXPECT_EQ(jb.partners()[1].at("companyId"), "123");
  EXPECT_EQ(create(partnership("X", "x@x.com"), auth, "/api/v1/companies/abc/partnerships").status, 404);

  JourneyBeeOptions o;
  o.empty_201 = true;
  JourneyBeeSimulator empty(o, clock.fn(), 1);
  auto e = empty.handle(post("/api/v1/partnerships", partnership("E", "e@e.com"), auth));
  EXPECT_EQ(e.status, 201);
  EXPECT_TRUE(e.body.empty());
}

TEST_F(JourneyBeeTest, Authentication) {
  auto none = create(partnership("A", "a@a.com"), "");
  EXPECT_EQ(none.status, 401);
  EXPECT_EQ(error(none), "Invalid API key or insufficient permissions");
  EXPECT_EQ(create(partnership("A", "a@a.com"), "Bearer other").status, 401);
  auto ro = create(partnership("A", "a@a.com"), "Bearer jb_test_journeybee_readonly");
  EXPECT_EQ(ro.status, 403);
  EXPECT_EQ(error(ro), "Write access required for this operation");
}

TEST_F(JourneyBeeTest, Validation) {
  EXPECT_EQ(jb.handle(post("/api/v1/partnerships", std::string("nope"), auth)).status, 400);
  object no_type = partnership("A", "a@a.com");
  no_type.erase("partnerType");
  auto r = create(no_type);
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(error(r), "Missing required field: partnerType");
  object bad_type = partnership("A", "a@a.com");
  bad_type["partnerType"] = "affiliate";
  EXPECT_EQ(create(bad_type).status, 400);
  object no_name = partnership("", "a@a.com");
  EXPECT_EQ(error(create(no_name)), "Missing required field: name");
  object no_emails = partnership("A", "a@a.com");
  no_emails["emails"] = array{};
  EXPECT_EQ(create(no_emails).status, 400);
  EXPECT_EQ(error(create(partnership("A", "not-an-email"))), "Invalid email format: emails[0].email");
  object tier = partnership("A", "a@a.com");
  tier["tierId"] = "gold";
  EXPECT_EQ(error(create(tier)), "Invalid field: tierId must be a number");
  object cf = partnership("A", "a@a.com");
  cf["customFields"] = array{object{{"customFieldId", 5}, {"type", "colour"}, {"value", object{}}}};
  EXPECT_EQ(create(cf).status, 400);
  cf["customFields"] =
      array{object{{"customFieldId", 5}, {"type", "number"}, {"value", object{{"number", 1}}}}};
  EXPECT_EQ(create(cf).status, 201);
}

TEST_F(JourneyBeeTest, MixedDomainsAndSelfAre406) {
  object mixed = partnership("A", "a@a.com");
  mixed["emails"].as_array().push_back(object{{"email", "b@b.com"}});
  auto r = create(mixed);
  EXPECT_EQ(r.status, 406);
  EXPECT_EQ(error(r), "Invalid email domains or attempting to partner with self");
  EXPECT_EQ(create(partnership("Self", "me@journeybee.io")).status, 406);
  object domain = partnership("A", "a@a.com");
  domain["emailDomain"] = "other.com";
  EXPECT_EQ(create(domain).status, 406);
  object same = partnership("A", "a@a.com");
  same["emails"].as_array().push_back(object{{"email", "b@A.com"}});
  EXPECT_EQ(create(same).status, 201);
  EXPECT_EQ(create(partnership("G", "g@gmail.com")).status, 201);  // free mail allowed by default
  JourneyBeeOptions o;
  o.reject_free_email = true;
  JourneyBeeSimulator strict(o, clock.fn(), 1);
  EXPECT_EQ(strict.handle(post("/api/v1/partnerships", partnership("G", "g@gmail.com"), auth)).status, 406);
}

TEST_F(JourneyBeeTest, ExistingPartnershipIs409) {
  ASSERT_EQ(create(partnership("TechCorp", "john@techcorp.com")).status, 201);
  auto by_name = create(partnership("  techcorp ", "mary@techcorp2.com"));
  EXPECT_EQ(by_name.status, 409);
  EXPECT_EQ(error(by_name), "Partnership already exists with this company");
  EXPECT_EQ(create(partnership("NewCo", "JOHN@techcorp.com")).status, 409);
  EXPECT_EQ(jb.partner_count(), 1u);
}
