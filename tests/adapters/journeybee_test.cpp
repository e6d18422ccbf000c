#include <partnerkit/adapters/journeybee.hpp>
#include <partnerkit/http_errors.hpp>

#include "adapter_test_util.hpp"

#include <gtest/gtest.h>

#include <boost/json/serialize.hpp>

namespace partnerkit {
namespace {

using test::config_with_key;
using test::context_for;
using test::response;

VendorConfig configured() {
  VendorConfig c = config_with_key("jb_api_1234567890abcdef");
  c.settings = boost::json::object{{"company_id", 123},
                                   {"country_ids", {{"GB", 1}, {"de", 2}}},
                                   {"tag_ids", {{"partner", 10}, {"tech", "11"}}},
                                   {"tier_ids", {{"gold", 2}}}};
  return c;
}

// The documented example request of 004.
PartnerSpec techcorp() {
  PartnerSpec s;
  s.company = "TechCorp Solutions";
  s.email = "john@techcorp.com";
  s.first_name = "John";
  s.last_name = "Smith";
  s.contacts = {Contact{"jane@techcorp.com", std::string("Jane"), std::nullopt}};
  s.partner_type = PartnerType::reseller;
  s.invite = true;
  s.country = "GB";
  s.tags = {"partner", "tech"};
  s.group = "gold";
  s.custom_fields = {CustomField{5, "number", boost::json::value(100000)},
                     CustomField{6, "select", boost::json::value(2)},
                     CustomField{7, "multi_select", boost::json::array{1, 3}}};
  return s;
}

TEST(JourneyBeeEncode, FullSpecGoldenBodyOnCompanyPath) {
  auto r = JourneyBeeAdapter().encode(techcorp(), configured());
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->request.url, "https://app.journeybee.io/api/v1/companies/123/partnerships");
  EXPECT_EQ(r->request.header("Authorization"), "Bearer jb_api_1234567890abcdef");
  EXPECT_EQ(r->request.header("Content-Type"), "application/json");
  EXPECT_EQ(
      r->request.body,
      R"({"name":"TechCorp Solutions","emails":[{"email":"john@techcorp.com","firstName":"John",)"
      R"("lastName":"Smith"},{"email":"jane@techcorp.com","firstName":"Jane"}],"partnerType":"reseller",)"
      R"("tierId":2,"inactive":false,"countryId":1,"tags":[10,11],"customFields":[)"
      R"({"customFieldId":5,"type":"number","value":{"number":100000}},)"
      R"({"customFieldId":6,"type":"select","value":{"select":2}},)"
      R"({"customFieldId":7,"type":"multi_select","value":{"multi_select":[1,3]}}]})");
  EXPECT_TRUE(r->warnings.empty());
  EXPECT_TRUE(test::has_no_null(test::parse_or_fail(r->request.body)));
}

TEST(JourneyBeeEncode, MinimalSpecDefaultPath) {
  PartnerSpec s;
  s.email = "contact@partner.com";
  auto r = JourneyBeeAdapter().encode(s, config_with_key());
  ASSERT_TRUE(r);
  EXPECT_EQ(r->request.url, "https://app.journeybee.io/api/v1/partnerships");
  EXPECT_EQ(r->request.body,
            R"({"name":"partner.com","emails":[{"email":"contact@partner.com"}],"partnerType":"referral"})");
}

TEST(JourneyBeeEncode, NameFallbacksAndInactive) {
  PartnerSpec s;
  s.email = "ana@lopez.es";
  s.name = "Ana María López";
  s.invite = false;
  auto r = JourneyBeeAdapter().encode(s, config_with_key());
  ASSERT_TRUE(r);
  EXPECT_EQ(r->request.body,
            R"({"name":"Ana María López","emails":[{"email":"ana@lopez.es","firstName":"Ana",)"
            R"("lastName":"María López"}],"partnerType":"referral","inactive":true})");
}

TEST(JourneyBeeEncode, CompanyIdStringIsPercentEncoded) {
  VendorConfig c = config_with_key();
  c.settings["company_id"] = "a b/c";
  PartnerSpec s;
  s.email = "a@b.com";
  auto r = JourneyBeeAdapter().encode(s, c);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->request.url, "https://app.journeybee.io/api/v1/companies/a%20b%2Fc/partnerships");
  c.settings["company_id"] = true;
  r = JourneyBeeAdapter().encode(s, c);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, errc::invalid_input);
  EXPECT_EQ(r.error().field, "settings.company_id");
}

TEST(JourneyBeeEncode, UnmappedValuesLenientAndStrict) {
  PartnerSpec s = techcorp();
  s.country = "FR";
  s.tags = {"partner", "unknown-tag"};
  s.group = "platinum";
  VendorConfig c = configured();
  auto r = JourneyBeeAdapter().encode(s, c);
  ASSERT_TRUE(r);
  auto v = test::parse_or_fail(r->request.body);
  EXPECT_FALSE(v.as_object().contains("countryId"));
  EXPECT_FALSE(v.as_object().contains("tierId"));
  EXPECT_EQ(boost::json::serialize(v.at("tags")), "[10]");
  ASSERT_EQ(r->warnings.size(), 3u);
  EXPECT_EQ(r->warnings[0], "journeybee has no countryId for country \"FR\" (settings.country_ids); dropped");

  c.strict = true;
  r = JourneyBeeAdapter().encode(s, c);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, errc::unsupported_field);
  EXPECT_EQ(r.error().field, "country");
  ASSERT_EQ(r.error().issues.size(), 3u);
  EXPECT_EQ(r.error().issues[1].field, "group");
  EXPECT_EQ(r.error().issues[2].field, "tags[1]");

  // Country codes match case-insensitively ("de" in the map).
  s.country = "DE";
  s.tags = {"tech"};
  s.group = "gold";
  r = JourneyBeeAdapter().encode(s, c);
  ASSERT_TRUE(r);
  EXPECT_NE(r->request.body.find("\"countryId\":2"), std::string::npos);
}

TEST(JourneyBeeEncode, BadMappingIsInvalidInput) {
  PartnerSpec s;
  s.email = "a@b.com";
  s.country = "GB";
  VendorConfig c = config_with_key();
  c.settings["country_ids"] = boost::json::object{{"GB", "one"}};
  auto r = JourneyBeeAdapter().encode(s, c);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, errc::invalid_input);
  EXPECT_EQ(r.error().field, "settings.country_ids.GB");
  c.settings["country_ids"] = "GB=1";
  r = JourneyBeeAdapter().encode(s, c);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().field, "settings.country_ids");
}

TEST(JourneyBeeEncode, UnsupportedFields) {
  PartnerSpec s;
  s.email = "a@b.com";
  s.referral_key = "k";
  s.external_id = "e";
  s.image = "https://x.com/i.png";
  s.description = "d";
  s.referrer = Referrer{std::string("r"), std::nullopt, std::nullopt};
  s.password = "Secret123";
  s.link = LinkOptions{};
  auto r = JourneyBeeAdapter().encode(s, config_with_key());
  ASSERT_TRUE(r);
  EXPECT_EQ(r->warnings.size(), 7u);
  EXPECT_EQ(r->warnings[0], "journeybee cannot carry referral_key; dropped");
  EXPECT_EQ(r->request.body.find("Secret123"), std::string::npos);
  VendorConfig strict = config_with_key();
  strict.strict = true;
  r = JourneyBeeAdapter().encode(s, strict);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, errc::unsupported_field);
  EXPECT_EQ(r.error().issues.size(), 7u);
}

TEST(JourneyBeeEncode, Overrides) {
  PartnerSpec s;
  s.email = "a@b.com";
  s.vendor_overrides["journeybee"] =
      boost::json::object{{"partnerType", "reseller"}, {"reseller", "partner"}, {"assignedUsers", {456}}};
  auto r = JourneyBeeAdapter().encode(s, config_with_key());
  ASSERT_TRUE(r);
  EXPECT_EQ(r->request.body,
            R"({"name":"b.com","emails":[{"email":"a@b.com"}],"partnerType":"reseller","reseller":"partner",)"
            R"("assignedUsers":[456]})");
}

// ---------------------------------------------------------------- decode

TEST(JourneyBeeDecode, EmptyAndDocumented201) {
  PartnerSpec spec = techcorp();
  auto r = JourneyBeeAdapter().decode(response(201, ""), context_for(spec));
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->vendor, "journeybee");
  EXPECT_FALSE(r->id);
  EXPECT_EQ(r->email, "john@techcorp.com");
  EXPECT_EQ(r->name, "TechCorp Solutions");
  EXPECT_EQ(r->status, PartnerStatus::invited);
  EXPECT_EQ(r->outcome, Outcome::created);
  EXPECT_TRUE(r->raw.is_null());

  r = JourneyBeeAdapter().decode(
      response(201, R"({"status":"created","message":"Partnership created successfully","extra":[1]})"),
      context_for(spec));
  ASSERT_TRUE(r);
  EXPECT_EQ(r->raw.at("status").as_string(), "created");

  spec.invite = false;  // created inactive: no invitation went out
  r = JourneyBeeAdapter().decode(response(201, "\n"), context_for(spec));
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, PartnerStatus::pending);
}

TEST(JourneyBeeDecode, HostileSuccessBodies) {
  PartnerSpec spec;
  spec.email = "a@b.com";
  const std::string bodies[] = {"<html>ok</html>", "[1]", "{\"status\":", std::string(100000, '['),
                                "{\"m\":\"" + std::string(2 * 1024 * 1024, 'x') + "\"}"};
  for (const auto& b : bodies) {
    auto r = JourneyBeeAdapter().decode(response(201, b), context_for(spec));
    ASSERT_FALSE(r) << b.substr(0, 40);
    EXPECT_EQ(r.error().code, errc::protocol);
  }
}

TEST(JourneyBeeDecode, EveryDocumentedErrorStatus) {
  PartnerSpec spec;
  spec.email = "a@b.com";
  const std::tuple<int, std::string, errc, std::string> cases[] = {
      {400, R"({"error":"Invalid email format or missing required fields"})", errc::rejected,
       "Invalid email format or missing required fields"},
      {401, R"({"error":"Invalid API key or insufficient permissions"})", errc::unauthenticated,
       "Invalid API key or insufficient permissions"},
      {403, R"({"error":"Write access required for this operation"})", errc::permission_denied,
       "Write access required for this operation"},
      {406, R"({"error":"Invalid email domains or attempting to partner with self"})", errc::rejected,
       "Invalid email domains or attempting to partner with self"},
      {409, R"({"error":"Partnership already exists with this company"})", errc::already_exists,
       "Partnership already exists with this company"},
      {429, R"({"error":"Too many requests"})", errc::rate_limited, "Too many requests"},
      {500, R"({"error":"Internal error"})", errc::vendor_unavailable, "Internal error"},
      {429, R"({"error":{"code":"rate_limited","message":"Slow down"}})", errc::rate_limited, "Slow down"},
      {406, "", errc::rejected, ""},
      {409, "Conflict", errc::already_exists, ""},
      {400, R"({"error":42})", errc::rejected, ""},
  };
  for (const auto& [status, body, code, message] : cases) {
    auto r = JourneyBeeAdapter().decode(response(status, body), context_for(spec));
    ASSERT_FALSE(r) << body;
    EXPECT_EQ(r.error().code, code) << body;
    EXPECT_EQ(r.error().vendor_message, message);
    EXPECT_TRUE(r.error().message.starts_with("HTTP " + std::to_string(status) + ": ")) << r.error().message;
    EXPECT_EQ(r.error().http_status, status);
    EXPECT_EQ(r.error().retryable, is_retryable(code));
  }
  auto r = JourneyBeeAdapter().decode(
      response(429, R"({"error":{"code":"rate_limited","message":"Slow down"}})"), context_for(spec));
  EXPECT_EQ(r.error().vendor_code, "rate_limited");
}

TEST(JourneyBeeDecode, Capabilities) {
  auto c = JourneyBeeAdapter().capabilities();
  EXPECT_EQ(c.create, CreateSemantics::create);
  EXPECT_EQ(c.rate_limit, RateLimit::per_minute(100));
  EXPECT_NE(std::find(c.fields.begin(), c.fields.end(), "custom_fields"), c.fields.end());
}

}  // namespace
}  // namespace partnerkit
