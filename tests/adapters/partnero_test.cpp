#include <partnerkit/adapters/partnero.hpp>
#include <partnerkit/http_errors.hpp>

#include "adapter_test_util.hpp"

#include <gtest/gtest.h>

namespace partnerkit {
namespace {

using test::config_with_key;
using test::context_for;
using test::response;

PartnerSpec full_spec() {
  PartnerSpec s;
  s.email = "john.doe@partnero.com";
  s.name = "John Ronald Doe";
  s.password = "S3cretPassw0rd";
  s.external_id = "crm-7";
  s.referral_key = "john";
  s.tags = {"new", "premium"};
  s.referrer = Referrer{std::string("partner_1"), std::string("ref"), std::string("boss@partnero.com")};
  return s;
}

TEST(PartneroEncode, FullSpecGoldenBody) {
  auto r = PartneroAdapter().encode(full_spec(), config_with_key("pk_1"));
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->request.url, "https://api.partnero.com/v1/partners");
  EXPECT_EQ(r->request.method, "POST");
  EXPECT_EQ(r->request.header("Authorization"), "Bearer pk_1");
  EXPECT_EQ(r->request.header("Accept"), "application/json");
  EXPECT_EQ(r->request.header("Content-Type"), "application/json");
  EXPECT_EQ(
      r->request.body,
      R"({"email":"john.doe@partnero.com","name":"John","surname":"Ronald Doe","password":"S3cretPassw0rd",)"
      R"("id":"crm-7","key":"john","tags":["new","premium"],)"
      R"("referring_partner":{"id":"partner_1","key":"ref","email":"boss@partnero.com"}})");
  EXPECT_TRUE(r->warnings.empty());
  EXPECT_TRUE(test::has_no_null(test::parse_or_fail(r->request.body)));
}

TEST(PartneroEncode, MinimalAndNames) {
  PartnerSpec s;
  s.email = "a@example.com";
  EXPECT_EQ(PartneroAdapter().encode(s, config_with_key())->request.body, R"({"email":"a@example.com"})");
  s.name = "Cher";
  EXPECT_EQ(PartneroAdapter().encode(s, config_with_key())->request.body,
            R"({"email":"a@example.com","name":"Cher"})");
  s.first_name = "Ana";  // explicit parts win over the full name
  s.last_name = "de la Cruz";
  EXPECT_EQ(PartneroAdapter().encode(s, config_with_key())->request.body,
            R"({"email":"a@example.com","name":"Ana","surname":"de la Cruz"})");
  s.first_name.reset();
  EXPECT_EQ(PartneroAdapter().encode(s, config_with_key())->request.body,
            R"({"email":"a@example.com","surname":"de la Cruz"})");
}

TEST(PartneroEncode, UnicodeNames) {
  PartnerSpec s;
  s.email = "a@example.com";
  s.name = "Łukasz Żółć-Nowak 🐝";
  EXPECT_EQ(PartneroAdapter().encode(s, config_with_key())->request.body,
            R"({"email":"a@example.com","name":"Łukasz","surname":"Żółć-Nowak 🐝"})");
}

TEST(PartneroEncode, ReferrerWithOnlyEmail) {
  PartnerSpec s;
  s.email = "a@example.com";
  s.referrer = Referrer{std::nullopt, std::nullopt, std::string("boss@example.com")};
  EXPECT_EQ(PartneroAdapter().encode(s, config_with_key())->request.body,
            R"({"email":"a@example.com","referring_partner":{"email":"boss@example.com"}})");
}

TEST(PartneroEncode, InviteUsesInviteEndpoint) {
  PartnerSpec s;
  s.email = "jane.smith@partnero.com";
  s.first_name = "Jane";
  s.last_name = "Smith";
  s.invite = true;
  auto r = PartneroAdapter().encode(s, config_with_key());
  ASSERT_TRUE(r);
  EXPECT_EQ(r->request.url, "https://api.partnero.com/v1/partners:invite");
  EXPECT_EQ(r->request.body, R"({"email":"jane.smith@partnero.com","name":"Jane","surname":"Smith"})");

  s.invite = false;  // an explicit false is the ordinary create
  r = PartneroAdapter().encode(s, config_with_key());
  EXPECT_EQ(r->request.url, "https://api.partnero.com/v1/partners");
}

TEST(PartneroEncode, InviteDropsWhatItCannotCarry) {
  PartnerSpec s = full_spec();
  s.invite = true;
  auto r = PartneroAdapter().encode(s, config_with_key());
  ASSERT_TRUE(r);
  EXPECT_EQ(r->request.body, R"({"email":"john.doe@partnero.com","name":"John","surname":"Ronald Doe"})");
  const std::vector<std::string> expected = {
      "partnero invite cannot carry password; dropped", "partnero invite cannot carry external_id; dropped",
      "partnero invite cannot carry referral_key; dropped", "partnero invite cannot carry tags; dropped",
      "partnero invite cannot carry referrer; dropped"};
  EXPECT_EQ(r->warnings, expected);

  VendorConfig strict = config_with_key();
  strict.strict = true;
  r = PartneroAdapter().encode(s, strict);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, errc::unsupported_field);
  EXPECT_EQ(r.error().field, "password");
  EXPECT_EQ(r.error().issues.size(), 5u);
  EXPECT_EQ(r.error().message.find("S3cret"), std::string::npos);
}

TEST(PartneroEncode, InviteNeedsAName) {
  PartnerSpec s;
  s.email = "a@example.com";
  s.invite = true;
  auto r = PartneroAdapter().encode(s, config_with_key());
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, errc::invalid_input);
  EXPECT_EQ(r.error().field, "name");
  s.last_name = "Only";
  r = PartneroAdapter().encode(s, config_with_key());
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().field, "first_name");
}

TEST(PartneroEncode, LenientAndStrictUnsupported) {
  PartnerSpec s;
  s.email = "a@example.com";
  s.company = "Acme";
  s.image = "https://example.com/a.png";
  s.country = "DE";
  s.description = "d";
  s.group = "g";
  s.partner_type = PartnerType::referral;
  s.contacts = {Contact{"b@example.com", std::nullopt, std::nullopt}};
  s.link = LinkOptions{};
  s.custom_fields = {CustomField{1, "text", boost::json::value("x")}};
  auto r = PartneroAdapter().encode(s, config_with_key());
  ASSERT_TRUE(r);
  EXPECT_EQ(r->request.body, R"({"email":"a@example.com"})");
  ASSERT_EQ(r->warnings.size(), 9u);
  EXPECT_EQ(r->warnings[0], "partnero cannot carry company; dropped");
  EXPECT_EQ(r->warnings[8], "partnero cannot carry custom_fields; dropped");

  VendorConfig strict = config_with_key();
  strict.strict = true;
  r = PartneroAdapter().encode(s, strict);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, errc::unsupported_field);
  EXPECT_EQ(r.error().field, "company");
  EXPECT_EQ(r.error().issues.size(), 9u);
}

TEST(PartneroEncode, OverridesAndMissingKey) {
  PartnerSpec s;
  s.email = "a@example.com";
  s.name = "Ana Lopez";
  s.vendor_overrides["partnero"] =
      boost::json::object{{"surname", "Override"}, {"custom_fields", {{"x", 1}}}};
  auto r = PartneroAdapter().encode(s, config_with_key());
  ASSERT_TRUE(r);
  EXPECT_EQ(r->request.body,
            R"({"email":"a@example.com","name":"Ana","surname":"Override","custom_fields":{"x":1}})");
  r = PartneroAdapter().encode(s, VendorConfig{});
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, errc::unauthenticated);
  EXPECT_EQ(r.error().message, "no API key configured for partnero");
}

// ---------------------------------------------------------------- decode

const char* documented_201 = R"({
    "data": {
      "email": "john.doe@partnero.com",
      "created_at": "2025-04-30T16:44:13.000000Z",
      "updated_at": "2025-04-30T16:44:13.000000Z",
      "name": "John",
      "id": "partner_123",
      "surname": "Doe",
      "tos": false,
      "approved": true,
      "status": "active",
      "custom_fields": [],
      "referrals_count": 0,
      "tags": [{"value": "premium"}, {"value": "new"}],
      "referral_link": "https://yourcompany.com?aff=ref_123",
      "referral_links": ["https://yourcompany.com?aff=ref_123", "https://yourcompany.com/p?aff=ref_123"]
    },
    "status": 1
  })";

TEST(PartneroDecode, Documented201) {
  PartnerSpec spec = full_spec();
  auto r = PartneroAdapter().decode(response(201, documented_201), context_for(spec));
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->vendor, "partnero");
  EXPECT_EQ(r->id, "partner_123");
  EXPECT_EQ(r->email, "john.doe@partnero.com");
  EXPECT_EQ(r->name, "John Doe");
  EXPECT_EQ(r->status, PartnerStatus::active);
  EXPECT_EQ(r->status_raw, "active");
  ASSERT_EQ(r->links.size(), 2u);  // the duplicate of referral_link is not repeated
  EXPECT_EQ(r->links[0].url, "https://yourcompany.com?aff=ref_123");
  EXPECT_EQ(r->links[1].url, "https://yourcompany.com/p?aff=ref_123");
  EXPECT_EQ(r->created_at, "2025-04-30T16:44:13.000000Z");
  EXPECT_EQ(r->outcome, Outcome::created);
  EXPECT_TRUE(r->warnings.empty());
  EXPECT_EQ(r->raw.at("data").at("referrals_count").to_number<int>(), 0);
}

TEST(PartneroDecode, StatusesAndIds) {
  PartnerSpec spec;
  spec.email = "a@example.com";
  const auto body = [](std::string id, std::string status) {
    return R"({"data":{"id":)" + id + R"(,"email":"a@example.com")" +
           (status.empty() ? "" : ",\"status\":" + status) + "}}";
  };
  auto r = PartneroAdapter().decode(response(201, body("42", "\"pending\"")), context_for(spec));
  ASSERT_TRUE(r);
  EXPECT_EQ(r->id, "42");
  EXPECT_EQ(r->status, PartnerStatus::pending);
  r = PartneroAdapter().decode(response(200, body("\"p\"", "\"archived\"")), context_for(spec));
  EXPECT_EQ(r->status, PartnerStatus::archived);
  r = PartneroAdapter().decode(response(201, body("\"p\"", "\"deleted\"")), context_for(spec));
  EXPECT_EQ(r->status, PartnerStatus::deactivated);
  EXPECT_EQ(r->status_raw, "deleted");
  r = PartneroAdapter().decode(response(201, body("\"p\"", "\"on_hold\"")), context_for(spec));
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, PartnerStatus::unknown);
  EXPECT_EQ(r->warnings.size(), 1u);
  r = PartneroAdapter().decode(response(201, body("\"p\"", "")), context_for(spec));
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, PartnerStatus::unknown);
  EXPECT_EQ(r->warnings.size(), 1u);
  r = PartneroAdapter().decode(response(201, body("\"p\"", "7")), context_for(spec));  // wrong type: unknown
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, PartnerStatus::unknown);
}

TEST(PartneroDecode, ContractViolationsAreProtocol) {
  PartnerSpec spec;
  spec.email = "a@example.com";
  const std::string bodies[] = {
      "",
      R"({"status":1})",
      R"({"data":[]})",
      R"({"data":{"email":"a@example.com"}})",
      R"({"data":{"id":"p"}})",
      R"({"data":{"id":null,"email":"a@example.com"}})",
      R"({"data":{"id":{"x":1},"email":"a@example.com"}})",
      R"({"data":{"id":"p","email":"a@example.com")",
      std::string(100000, '{'),
      R"({"data":{"id":"p","email":")" + std::string(2 * 1024 * 1024, 'e') + R"("}})",
  };
  for (const auto& b : bodies) {
    auto r = PartneroAdapter().decode(response(201, b), context_for(spec));
    ASSERT_FALSE(r) << b.substr(0, 60);
    EXPECT_EQ(r.error().code, errc::protocol) << b.substr(0, 60);
  }
}

TEST(PartneroDecode, InviteAnswers) {
  PartnerSpec spec;
  spec.email = "jane@example.com";
  spec.name = "Jane Smith";
  spec.invite = true;
  auto r = PartneroAdapter().decode(response(201, ""), context_for(spec));
  ASSERT_TRUE(r);
  EXPECT_FALSE(r->id);
  EXPECT_EQ(r->email, "jane@example.com");
  EXPECT_EQ(r->status, PartnerStatus::invited);
  EXPECT_EQ(r->warnings.size(), 1u);
  r = PartneroAdapter().decode(response(200, R"({"status":1,"message":"Invitation sent"})"),
                               context_for(spec));
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, PartnerStatus::invited);
  r = PartneroAdapter().decode(response(201, R"({"data":{"email":"jane@example.com","name":"Jane"}})"),
                               context_for(spec));
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, PartnerStatus::invited);
  EXPECT_EQ(r->name, "Jane");
  r = PartneroAdapter().decode(response(201, "not json"), context_for(spec));
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, errc::protocol);
}

struct PartneroErrorCase {
  int status;
  std::string body;
  errc expected;
  std::string message;
  std::string field;
};

TEST(PartneroDecode, EveryDocumentedErrorStatus) {
  PartnerSpec spec = full_spec();
  const std::vector<PartneroErrorCase> cases = {
      {422,
       R"({"message":"The email has already been taken.","errors":{"email":["The email has already been taken."]}})",
       errc::already_exists, "The email has already been taken.", "email"},
      {422, R"({"message":"Email already exists"})", errc::already_exists, "Email already exists", "email"},
      {422, R"({"message":"ID already exists"})", errc::already_exists, "ID already exists", "external_id"},
      {422, R"({"message":"Key already exists"})", errc::already_exists, "Key already exists",
       "referral_key"},
      {422, R"({"message":"The given data was invalid.","errors":{"id":["The id has already been taken."]}})",
       errc::already_exists, "The given data was invalid.", "external_id"},
      {422,
       R"j({"message":"The password must be at least 8 characters. (and 1 more error)","errors":{"password":["The password must be at least 8 characters."],"email":["The email must be a valid email address."]}})j",
       errc::rejected, "The password must be at least 8 characters. (and 1 more error)", "password"},
      {422, R"({"message":"Invalid.","errors":{"referring_partner.email":["Invalid."]}})", errc::rejected,
       "Invalid.", "referrer.email"},
      {409, R"({"message":"Partner already exists"})", errc::already_exists, "Partner already exists", ""},
      {400, R"({"message":"Referring partner not found"})", errc::not_found, "Referring partner not found",
       "referrer"},
      {404, R"({"message":"Referring partner not found."})", errc::not_found, "Referring partner not found.",
       "referrer"},
      {400, R"({"message":"Bad request"})", errc::rejected, "Bad request", ""},
      {401, R"({"message":"Unauthenticated."})", errc::unauthenticated, "Unauthenticated.", ""},
      {403, R"({"message":"This action is unauthorized."})", errc::permission_denied,
       "This action is unauthorized.", ""},
      {404, R"({"message":"Not found"})", errc::not_found, "Not found", ""},
      {429, R"({"message":"Too Many Attempts."})", errc::rate_limited, "Too Many Attempts.", ""},
      {500, R"({"message":"Server Error"})", errc::vendor_unavailable, "Server Error", ""},
      {502, "<html>Bad Gateway</html>", errc::vendor_unavailable, "", ""},
  };
  for (const auto& c : cases) {
    auto r = PartneroAdapter().decode(response(c.status, c.body), context_for(spec));
    ASSERT_FALSE(r) << c.body;
    EXPECT_EQ(r.error().code, c.expected) << c.body;
    EXPECT_EQ(r.error().http_status, c.status);
    // The vendor's words in vendor_message; message is ours (the status and what it means).
    EXPECT_EQ(r.error().vendor_message, c.message);
    EXPECT_TRUE(r.error().message.starts_with("HTTP " + std::to_string(c.status) + ": "))
        << r.error().message;
    EXPECT_EQ(r.error().field, c.field) << c.body;
    EXPECT_EQ(r.error().retryable, is_retryable(c.expected));
  }
}

TEST(PartneroDecode, ErrorIssuesAndSecrets) {
  PartnerSpec spec = full_spec();
  auto r = PartneroAdapter().decode(
      response(
          422,
          R"({"message":"Invalid","password":"S3cretPassw0rd","errors":{"name":["Too long"],"surname":["Too long"],"key":["Bad"],"tags.1":["Bad tag"]}})"),
      context_for(spec));
  ASSERT_FALSE(r);
  ASSERT_EQ(r.error().issues.size(), 4u);
  EXPECT_EQ(r.error().issues[0], (FieldIssue{"name", "Too long"}));  // the spec used a full name
  EXPECT_EQ(r.error().issues[1].field, "name");
  EXPECT_EQ(r.error().issues[2].field, "referral_key");
  EXPECT_EQ(r.error().issues[3].field, "tags[1]");
  EXPECT_EQ(r.error().raw_body.find("S3cretPassw0rd"), std::string::npos);

  spec.name.reset();
  spec.first_name = "John";
  r = PartneroAdapter().decode(response(422, R"({"message":"Invalid","errors":{"name":["Too long"]}})"),
                               context_for(spec));
  EXPECT_EQ(r.error().field, "first_name");
}

TEST(PartneroDecode, RateLimitedRetryAfter) {
  PartnerSpec spec;
  spec.email = "a@example.com";
  auto r = PartneroAdapter().decode(
      response(429, R"({"message":"Too Many Attempts."})", {{"Retry-After", "7"}}), context_for(spec));
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().retry_after, std::chrono::milliseconds(7000));
}

TEST(PartneroDecode, Capabilities) {
  auto c = PartneroAdapter().capabilities();
  EXPECT_EQ(c.create, CreateSemantics::create);
  EXPECT_EQ(c.rate_limit, RateLimit::per_second(2));
  EXPECT_NE(std::find(c.fields.begin(), c.fields.end(), "password"), c.fields.end());
}

}  // namespace
}  // namespace partnerkit
