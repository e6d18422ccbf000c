#include <partnerkit/spec_json.hpp>
#include <partnerkit/validation.hpp>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <string>

namespace pk = partnerkit;
namespace json = boost::json;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

namespace {

std::vector<std::string> fields(const pk::Error& e) {
  std::vector<std::string> out;
  for (const auto& i : e.issues) out.push_back(i.field);
  return out;
}

pk::PartnerSpec full_spec() {
  pk::PartnerSpec s;
  s.email = "jane@example.com";
  s.name = "Jane Doe";
  s.first_name = "Jane";
  s.last_name = "Doe";
  s.company = "Acme GmbH";
  s.referral_key = "jane";
  s.external_id = "crm-42";
  s.image = "https://cdn.example.com/jane.png";
  s.country = "DE";
  s.description = "Caf\xC3\xA9 owner \xF0\x9F\x98\x80";
  s.tags = {"vip", "emea"};
  s.group = "grp_1";
  s.partner_type = pk::PartnerType::reseller;
  s.referrer = pk::Referrer{"p1", "ref", "ref@example.com"};
  s.contacts = {{"ops@example.com", "Op", "Erator"}, {"b@example.com", {}, {}}};
  s.invite = false;
  s.password = "Secr3tPassw0rd";
  pk::LinkOptions link;
  link.external_id = "ext1";
  link.tenant_id = "ten1";
  link.prefix = "/c/";
  link.key_length = 9;
  link.tag_ids = {"t1", "t2"};
  link.comments = "note";
  link.archived = true;
  s.link = link;
  s.custom_fields = {{1, "text", "x"}, {2, "multi_select", json::array{1, 2}}, {3, "number", 2.5}};
  s.vendor_overrides["dub"] = json::object{{"groupId", "g2"}};
  s.vendor_overrides["partnero"] = json::object{{"password", "Other0ne!"}, {"x", 1}};
  return s;
}

TEST(SpecJson, RoundTripWithSecrets) {
  pk::PartnerSpec s = full_spec();
  json::value v = pk::to_json(s, true);
  auto back = pk::spec_from_json(v);
  ASSERT_TRUE(back.has_value()) << back.error().message;
  EXPECT_EQ(*back, s);
  // Through text too.
  auto back2 = pk::spec_from_json(json::serialize(v));
  ASSERT_TRUE(back2.has_value());
  EXPECT_EQ(*back2, s);
  EXPECT_TRUE(pk::validate(s).empty());
}

TEST(SpecJson, PasswordOnlyWithSecrets) {
  pk::PartnerSpec s = full_spec();
  std::string text = json::serialize(pk::to_json(s));
  EXPECT_EQ(text.find("Secr3tPassw0rd"), std::string::npos);
  EXPECT_EQ(text.find("Other0ne!"), std::string::npos);  // inside vendor_overrides too
  EXPECT_EQ(text.find("\"password\":\"Secr3t"), std::string::npos);
  json::value v = pk::to_json(s);
  EXPECT_FALSE(v.as_object().contains("password"));
  EXPECT_NE(json::serialize(pk::to_json(s, true)).find("Secr3tPassw0rd"), std::string::npos);
}

TEST(SpecJson, MinimalOmitsAbsent) {
  pk::PartnerSpec s;
  s.email = "a@b.co";
  EXPECT_EQ(json::serialize(pk::to_json(s)), R"({"email":"a@b.co"})");
  s.link.emplace();  // present but empty stays present
  EXPECT_EQ(json::serialize(pk::to_json(s)), R"({"email":"a@b.co","link":{}})");
  auto back = pk::spec_from_json(pk::to_json(s));
  ASSERT_TRUE(back.has_value());
  EXPECT_EQ(*back, s);
}

TEST(SpecJson, NullIsAbsent) {
  auto r = pk::spec_from_json(
      R"({"email":"a@b.co","name":null,"tags":null,"referrer":null,"link":null,"invite":null,
          "contacts":null,"custom_fields":null,"vendor_overrides":null,"partner_type":null,"password":null})");
  ASSERT_TRUE(r.has_value()) << r.error().message;
  pk::PartnerSpec expected;
  expected.email = "a@b.co";
  EXPECT_EQ(*r, expected);
  r = pk::spec_from_json(
      R"({"email":"a@b.co","link":{"key_length":null,"external_id":null},"referrer":{"id":null}})");
  ASSERT_TRUE(r.has_value());
  ASSERT_TRUE(r->link.has_value());
  EXPECT_FALSE(r->link->key_length.has_value());
  EXPECT_FALSE(r->link->external_id.has_value());
  ASSERT_TRUE(r->referrer.has_value());
  EXPECT_FALSE(r->referrer->id.has_value());
  // Absent vs empty string differ.
  r = pk::spec_from_json(R"({"email":"a@b.co","name":""})");
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->name, "");
  // A null email is absent: parsing succeeds, validation says it is required.
  r = pk::spec_from_json(R"({"email":null})");
  ASSERT_TRUE(r.has_value());
  EXPECT_THAT(pk::validate(*r), ElementsAre(pk::FieldIssue{"email", "email is required"}));
}

TEST(SpecJson, UnknownFieldsNamed) {
  auto r = pk::spec_from_json(R"({"email":"a@b.co","link":{"foo":1}})");
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code, pk::errc::invalid_input);
  EXPECT_EQ(r.error().field, "link.foo");
  EXPECT_THAT(r.error().message, HasSubstr("link.foo"));

  r = pk::spec_from_json(
      R"({"emial":"a@b.co","referrer":{"mail":"x"},"contacts":[{"email":"a@b.co"},{"phone":"1"}],
          "custom_fields":[{"id":1,"type":"text","value":"v","label":"l"}]})");
  ASSERT_FALSE(r.has_value());
  EXPECT_THAT(fields(r.error()),
              ElementsAre("emial", "referrer.mail", "contacts[1].phone", "custom_fields[0].label"));
  EXPECT_EQ(r.error().field, "emial");
  EXPECT_THAT(r.error().message, HasSubstr("4 problem(s)"));
}

TEST(SpecJson, WrongTypesNamed) {
  auto r = pk::spec_from_json(
      R"({"email":5,"tags":["a",3],"invite":"yes","link":{"key_length":"7","archived":1,"tag_ids":"t"},
          "partner_type":"affiliate","contacts":{},"referrer":"someone","vendor_overrides":{"dub":[1]},
          "custom_fields":[{"id":"1"},null]})");
  ASSERT_FALSE(r.has_value());
  EXPECT_THAT(fields(r.error()),
              ElementsAre("email", "tags[1]", "invite", "link.key_length", "link.archived", "link.tag_ids",
                          "partner_type", "contacts", "referrer", "vendor_overrides.dub",
                          "custom_fields[0].id", "custom_fields[1]"));
  EXPECT_THAT(r.error().issues[0].message, HasSubstr("must be a string"));
}

TEST(SpecJson, IntegersAcceptIntegralNumbers) {
  auto r = pk::spec_from_json(R"({"email":"a@b.co","link":{"key_length":7.0},"custom_fields":[{"id":3}]})");
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->link->key_length, 7);
  EXPECT_EQ(r->custom_fields[0].id, 3);
  r = pk::spec_from_json(R"({"email":"a@b.co","link":{"key_length":7.5}})");
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().field, "link.key_length");
  r = pk::spec_from_json(R"({"email":"a@b.co","link":{"key_length":18446744073709551615}})");
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().field, "link.key_length");
}

TEST(SpecJson, ParseErrorsGivePosition) {
  auto r = pk::spec_from_json("{\"email\":\"a@b.co\",\n  \"name\": nope}");
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code, pk::errc::invalid_input);
  EXPECT_THAT(r.error().message, HasSubstr("line 2"));
  EXPECT_THAT(r.error().message, HasSubstr("column 11"));
  r = pk::spec_from_json(R"({"email":"a@b.co")");
  ASSERT_FALSE(r.has_value());
  EXPECT_THAT(r.error().message, HasSubstr("invalid JSON"));
  r = pk::spec_from_json(R"({"email":"a@b.co"} {})");
  ASSERT_FALSE(r.has_value());
  r = pk::spec_from_json("");
  ASSERT_FALSE(r.has_value());
  r = pk::spec_from_json("[1,2]");
  ASSERT_FALSE(r.has_value());
  EXPECT_THAT(r.error().message, HasSubstr("JSON object"));
  r = pk::spec_from_json("{\"email\":\"\xFF\"}");  // invalid UTF-8
  ASSERT_FALSE(r.has_value());
  std::string deep = std::string(10000, '[') + std::string(10000, ']');
  r = pk::spec_from_json(deep);
  ASSERT_FALSE(r.has_value());
  r = pk::spec_from_json(R"({"email":"a@b.co","custom_fields":[{"id":1,"type":"text","value":)" + deep +
                         "}]}");
  ASSERT_FALSE(r.has_value());
}

TEST(SpecJson, HugeUnknownKeyIsCut) {
  std::string key(10000, 'k');
  auto r = pk::spec_from_json(json::value(json::object{{"email", "a@b.co"}, {key, 1}}));
  ASSERT_FALSE(r.has_value());
  EXPECT_LT(r.error().message.size(), 300u);
}

TEST(PartnerJson, Shape) {
  pk::Partner p;
  p.vendor = "dub";
  p.id = "pn_1";
  p.email = "a@b.co";
  p.name = "A";
  p.status = pk::PartnerStatus::active;
  p.status_raw = "approved";
  p.links = {{"https://dub.sh/a", "link_1", "a", "dub.sh"}};
  p.created_at = "2026-01-01T00:00:00.000Z";
  p.outcome = pk::Outcome::existing;
  p.warnings = {"dropped referrer"};
  p.attempts = 2;
  p.raw = json::parse(R"({"id":"pn_1","token":"t0k"})");
  json::value v = pk::to_json(p);
  EXPECT_EQ(v.at("vendor"), "dub");
  EXPECT_EQ(v.at("id"), "pn_1");
  EXPECT_EQ(v.at("status"), "active");
  EXPECT_EQ(v.at("status_raw"), "approved");
  EXPECT_EQ(v.at("links").at(0).at("url"), "https://dub.sh/a");
  EXPECT_EQ(v.at("links").at(0).at("domain"), "dub.sh");
  EXPECT_EQ(v.at("outcome"), "existing");
  EXPECT_EQ(v.at("warnings").at(0), "dropped referrer");
  EXPECT_EQ(v.at("attempts"), 2);
  EXPECT_EQ(v.at("raw").at("id"), "pn_1");
  EXPECT_EQ(v.at("raw").at("token"), "REDACTED");
  p.id.reset();
  p.created_at.reset();
  v = pk::to_json(p);
  EXPECT_TRUE(v.at("id").is_null());
  EXPECT_TRUE(v.at("created_at").is_null());
}

TEST(ErrorJson, Shape) {
  pk::Error e = pk::Error::make(pk::errc::rate_limited, "slow down", "email");
  e.http_status = 429;
  e.vendor_code = "rate_limit_exceeded";
  e.doc_url = "https://dub.co/docs/api-reference/errors#rate-limit_exceeded";
  e.issues = {{"email", "bad"}};
  e.retry_after = std::chrono::milliseconds(1500);
  e.attempts = 3;
  e.stopped = pk::stop_reason::exhausted;
  e.raw_body = R"({"error":{"code":"rate_limit_exceeded"},"password":"Hunter2Hunter2"})";
  json::value v = pk::to_json(e);
  EXPECT_EQ(v.at("code"), "rate_limited");
  EXPECT_EQ(v.at("retryable"), true);
  EXPECT_EQ(v.at("http_status"), 429);
  EXPECT_EQ(v.at("vendor_code"), "rate_limit_exceeded");
  EXPECT_EQ(v.at("message"), "slow down");
  EXPECT_EQ(v.at("field"), "email");
  EXPECT_EQ(v.at("issues").at(0).at("message"), "bad");
  EXPECT_EQ(v.at("retry_after_ms"), 1500);
  EXPECT_EQ(v.at("attempts"), 3);
  EXPECT_EQ(v.at("stopped"), "exhausted");
  EXPECT_EQ(json::serialize(v).find("Hunter2"), std::string::npos);
  EXPECT_TRUE(v.as_object().contains("raw_body"));

  pk::Error plain = pk::Error::make(pk::errc::invalid_input, "m");
  v = pk::to_json(plain);
  EXPECT_TRUE(v.at("http_status").is_null());
  EXPECT_TRUE(v.at("retry_after_ms").is_null());
  EXPECT_EQ(v.at("stopped"), "none");
  EXPECT_FALSE(v.as_object().contains("raw_body"));
  EXPECT_FALSE(v.as_object().contains("cause"));
  plain.cause = boost::system::errc::make_error_code(boost::system::errc::connection_refused);
  EXPECT_TRUE(pk::to_json(plain).as_object().contains("cause"));
}

TEST(ErrorJson, ValidatedErrorNeverEchoesPassword) {
  auto r = pk::spec_from_json(R"({"email":"bad","password":"short"})");
  ASSERT_TRUE(r.has_value());
  auto v = pk::validated(*r);
  ASSERT_FALSE(v.has_value());
  EXPECT_EQ(json::serialize(pk::to_json(v.error())).find("short\""), std::string::npos);
}

}  // namespace

namespace {

TEST(SpecJson, NonFiniteNumbersRejected) {
  // 1e999 overflows to infinity, which Boost.JSON would write as the non-JSON "Infinity".
  auto r = pk::spec_from_json(R"({"email":"a@b.co","custom_fields":[{"id":1,"type":"number","value":1e999}],
      "vendor_overrides":{"journeybee":{"x":[-1e999]}}})");
  ASSERT_FALSE(r.has_value());
  EXPECT_THAT(fields(r.error()), ElementsAre("custom_fields[0].value", "vendor_overrides.journeybee"));
  // Built in code: validate() catches it.
  pk::PartnerSpec s;
  s.email = "a@b.co";
  s.custom_fields = {{1, "number", std::numeric_limits<double>::infinity()}};
  s.vendor_overrides["dub"] = json::object{{"n", std::nan("")}};
  EXPECT_THAT(pk::validate(s), ::testing::SizeIs(2));
}

}  // namespace
