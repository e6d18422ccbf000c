#include <partnerkit/adapters/dub.hpp>
#include <partnerkit/http_errors.hpp>
#include <partnerkit/spec_json.hpp>
#include <partnerkit/validation.hpp>

#include "adapter_test_util.hpp"

#include <gtest/gtest.h>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

namespace partnerkit {
namespace {

using test::config_with_key;
using test::context_for;
using test::fixed_now;
using test::response;

PartnerSpec full_spec() {
  PartnerSpec s;
  s.email = "ana.lopez@example.com";
  s.name = "Ana López";
  s.referral_key = "ana";
  s.image = "https://example.com/ana.png";
  s.external_id = "crm-42";
  s.group = "grp_gold";
  s.country = "ES";
  s.description = "Writes about \"tools\"\nand more";
  s.tags = {"vip", "eu"};
  LinkOptions l;
  l.external_id = "lnk-42";
  l.tenant_id = "t-1";
  l.prefix = "/p/";
  l.key_length = 8;
  l.tag_ids = {"tag_1"};
  l.comments = "hi";
  l.archived = false;
  s.link = l;
  return s;
}

// ---------------------------------------------------------------- encode

TEST(DubEncode, FullSpecGoldenBody) {
  DubAdapter dub;
  auto r = dub.encode(full_spec(), config_with_key("dub_abc"));
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(
      r->request.body,
      R"({"name":"Ana López","email":"ana.lopez@example.com","username":"ana",)"
      R"("image":"https://example.com/ana.png","tenantId":"crm-42","groupId":"grp_gold","country":"ES",)"
      R"("description":"Writes about \"tools\"\nand more","linkProps":{"keyLength":8,"externalId":"lnk-42",)"
      R"("tenantId":"t-1","prefix":"/p/","archived":false,"tagIds":["tag_1"],"tagNames":["vip","eu"],)"
      R"("comments":"hi"}})");
  EXPECT_TRUE(r->warnings.empty());
  EXPECT_TRUE(test::has_no_null(test::parse_or_fail(r->request.body)));
}

TEST(DubEncode, RequestLineAndHeaders) {
  DubAdapter dub;
  PartnerSpec s;
  s.email = "min@example.com";
  auto r = dub.encode(s, config_with_key("dub_abc"));
  ASSERT_TRUE(r);
  EXPECT_EQ(r->request.method, "POST");
  EXPECT_EQ(r->request.url, "https://api.dub.co/partners");
  EXPECT_EQ(r->request.header("Authorization"), "Bearer dub_abc");
  EXPECT_EQ(r->request.header("Content-Type"), "application/json");
  EXPECT_EQ(r->request.header("Accept"), "application/json");

  VendorConfig c = config_with_key("dub_abc");
  c.base_url = "https://127.0.0.1:8443//";
  r = dub.encode(s, c);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->request.url, "https://127.0.0.1:8443/partners");
}

TEST(DubEncode, MinimalSpecHasOnlyEmail) {
  PartnerSpec s;
  s.email = "min@example.com";
  auto r = DubAdapter().encode(s, config_with_key());
  ASSERT_TRUE(r);
  EXPECT_EQ(r->request.body, R"({"email":"min@example.com"})");
}

TEST(DubEncode, FirstAndLastNameJoined) {
  PartnerSpec s;
  s.email = "a@example.com";
  s.first_name = "Ana";
  s.last_name = "Lopez";
  EXPECT_EQ(DubAdapter().encode(s, config_with_key())->request.body,
            R"({"name":"Ana Lopez","email":"a@example.com"})");
  s.last_name.reset();
  EXPECT_EQ(DubAdapter().encode(s, config_with_key())->request.body,
            R"({"name":"Ana","email":"a@example.com"})");
  s.name = "Full Name";  // the full name wins
  EXPECT_EQ(DubAdapter().encode(s, config_with_key())->request.body,
            R"({"name":"Full Name","email":"a@example.com"})");
}

TEST(DubEncode, UnicodeAndControlCharacters) {
  PartnerSpec s;
  s.email = "zoe@example.com";
  s.name = "Zoë 李 🚀";
  s.description = "tab\there \x01 back\\slash /";
  auto r = DubAdapter().encode(s, config_with_key());
  ASSERT_TRUE(r);
  EXPECT_EQ(r->request.body,
            "{\"name\":\"Zoë 李 🚀\",\"email\":\"zoe@example.com\","
            "\"description\":\"tab\\there \\u0001 back\\\\slash /\"}");
  auto v = test::parse_or_fail(r->request.body);
  EXPECT_EQ(v.at("name").as_string(), "Zoë 李 🚀");
  EXPECT_EQ(v.at("description").as_string(), *s.description);
}

TEST(DubEncode, InvalidUtf8IsInvalidInput) {
  PartnerSpec s;
  s.email = "zoe@example.com";
  s.name = "bad \xC3\x28 byte";
  auto r = DubAdapter().encode(s, config_with_key());
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, errc::invalid_input);
  EXPECT_EQ(r.error().field, "name");

  s.name.reset();
  s.referral_key = "\xED\xA0\x80";  // a UTF-16 surrogate encoded in UTF-8
  r = DubAdapter().encode(s, config_with_key());
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().field, "referral_key");
}

TEST(DubEncode, NeverEmitsNullAndOmitsEmptyLinkProps) {
  PartnerSpec s;
  s.email = "a@example.com";
  s.link = LinkOptions{};  // present but empty: nothing to send
  auto r = DubAdapter().encode(s, config_with_key());
  ASSERT_TRUE(r);
  EXPECT_EQ(r->request.body, R"({"email":"a@example.com"})");

  s.tags = {"only-tags"};
  r = DubAdapter().encode(s, config_with_key());
  EXPECT_EQ(r->request.body, R"({"email":"a@example.com","linkProps":{"tagNames":["only-tags"]}})");
  EXPECT_EQ(r->request.body.find("null"), std::string::npos);
}

PartnerSpec spec_with_everything_dub_cannot_carry() {
  PartnerSpec s;
  s.email = "a@example.com";
  s.company = "Acme";
  s.partner_type = PartnerType::reseller;
  s.referrer = Referrer{std::string("r1"), std::nullopt, std::nullopt};
  s.contacts = {Contact{"b@example.com", std::nullopt, std::nullopt}};
  s.invite = true;
  s.password = "Sup3rSecret!";
  s.custom_fields = {CustomField{1, "text", boost::json::value("x")}};
  return s;
}

TEST(DubEncode, LenientDropsWithWarnings) {
  auto r = DubAdapter().encode(spec_with_everything_dub_cannot_carry(), config_with_key());
  ASSERT_TRUE(r);
  EXPECT_EQ(r->request.body, R"({"email":"a@example.com"})");
  const std::vector<std::string> expected = {
      "dub cannot carry company; dropped",      "dub cannot carry partner_type; dropped",
      "dub cannot carry referrer; dropped",     "dub cannot carry contacts; dropped",
      "dub cannot carry invite; dropped",       "dub cannot carry password; dropped",
      "dub cannot carry custom_fields; dropped"};
  EXPECT_EQ(r->warnings, expected);
  EXPECT_EQ(r->request.body.find("Sup3rSecret"), std::string::npos);
}

TEST(DubEncode, StrictRefusesWithUnsupportedField) {
  VendorConfig c = config_with_key();
  c.strict = true;
  auto r = DubAdapter().encode(spec_with_everything_dub_cannot_carry(), c);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, errc::unsupported_field);
  EXPECT_FALSE(r.error().retryable);
  EXPECT_EQ(r.error().field, "company");
  ASSERT_EQ(r.error().issues.size(), 7u);
  EXPECT_EQ(r.error().issues[5].field, "password");
  EXPECT_EQ(r.error().message.find("Sup3rSecret"), std::string::npos);

  PartnerSpec ok;
  ok.email = "a@example.com";
  EXPECT_TRUE(DubAdapter().encode(ok, c));
}

TEST(DubEncode, VendorOverridesMergedLast) {
  PartnerSpec s = full_spec();
  s.link.reset();
  s.tags.clear();
  s.vendor_overrides["dub"] =
      boost::json::object{{"groupId", "grp_x"}, {"programId", "prog_1"}, {"image", nullptr}};
  s.vendor_overrides["partnero"] = boost::json::object{{"ignored", true}};
  auto r = DubAdapter().encode(s, config_with_key());
  ASSERT_TRUE(r);
  EXPECT_EQ(r->request.body,
            R"({"name":"Ana López","email":"ana.lopez@example.com","username":"ana","tenantId":"crm-42",)"
            R"("groupId":"grp_x","country":"ES","description":"Writes about \"tools\"\nand more",)"
            R"("programId":"prog_1"})");
}

TEST(DubEncode, OverrideReplacesWholeLinkProps) {
  PartnerSpec s = full_spec();
  s.vendor_overrides["dub"] = boost::json::object{{"linkProps", boost::json::object{{"keyLength", 12}}}};
  auto r = DubAdapter().encode(s, config_with_key());
  ASSERT_TRUE(r);
  auto v = test::parse_or_fail(r->request.body);
  EXPECT_EQ(boost::json::serialize(v.at("linkProps")), R"({"keyLength":12})");
}

TEST(DubEncode, MissingOrUnsafeApiKeyIsRefused) {
  PartnerSpec s;
  s.email = "a@example.com";
  auto r = DubAdapter().encode(s, VendorConfig{});
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, errc::unauthenticated);
  EXPECT_EQ(r.error().field, "api_key");
  EXPECT_EQ(r.error().message, "no API key configured for dub");

  r = DubAdapter().encode(s, config_with_key("dub_x\r\nX-Evil: 1"));
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, errc::unauthenticated);
  EXPECT_EQ(r.error().message.find("dub_x"), std::string::npos);
}

TEST(DubEncode, PureSameInputSameBytes) {
  DubAdapter dub;
  auto a = dub.encode(full_spec(), config_with_key());
  auto b = dub.encode(full_spec(), config_with_key());
  ASSERT_TRUE(a && b);
  EXPECT_EQ(a->request, b->request);
}

// Lengths at Dub's limits (002): validation accepts the boundary, refuses one more; the adapter
// renders an accepted value whole.
TEST(DubEncode, BoundariesThroughValidation) {
  const auto encode_validated = [](PartnerSpec s) -> Result<EncodedRequest> {
    auto v = validated_for(DubAdapter(), std::move(s));
    if (!v) return v.error();
    return DubAdapter().encode(*v, config_with_key());
  };
  PartnerSpec s;
  s.email = "a@example.com";
  s.name = std::string(100, 'n');
  auto r = encode_validated(s);
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_NE(r->request.body.find(std::string(100, 'n')), std::string::npos);
  s.name = std::string(101, 'n');
  r = encode_validated(s);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().field, "name");

  s.name.reset();
  s.email = std::string(190 - 12, 'e') + "@example.com";
  EXPECT_TRUE(encode_validated(s));
  s.email = std::string(191 - 12, 'e') + "@example.com";
  r = encode_validated(s);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().field, "email");

  s.email = "a@example.com";
  s.description = std::string(5000, 'd');
  EXPECT_TRUE(encode_validated(s));
  s.description = std::string(5001, 'd');
  r = encode_validated(s);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().field, "description");

  s.description.reset();
  for (std::int64_t k : {2, 3, 190, 191}) {
    s.link = LinkOptions{};
    s.link->key_length = k;
    r = encode_validated(s);
    if (k == 3 || k == 190) {
      ASSERT_TRUE(r) << k;
      EXPECT_NE(r->request.body.find("\"keyLength\":" + std::to_string(k)), std::string::npos);
    } else {
      ASSERT_FALSE(r) << k;
      EXPECT_EQ(r.error().field, "link.key_length");
    }
  }
}

// ---------------------------------------------------------------- decode: 201

// A complete 201 of the current contract (~1 KB).
std::string dub_201(std::string_view email = "ana.lopez@example.com",
                    std::string_view created = "2025-06-01T12:00:01.000Z",
                    std::string_view status = "approved", std::string_view tenant = "crm-42") {
  std::string s = R"({"id":"pn_1JX9Y2ZK3QH4","name":"Ana López","companyName":null,"email":")";
  s += email;
  s +=
      R"(","image":"https://example.com/ana.png","description":null,"country":"ES","paypalEmail":null,)"
      R"("stripeConnectId":null,"payoutsEnabledAt":null,"trustedAt":null,"programId":"prog_CYCu7IMAapjkRpTnr8F1azjN",)"
      R"("groupId":"grp_gold","partnerId":"pn_1JX9Y2ZK3QH4","tenantId":")";
  s += tenant;
  s += R"(","createdAt":")";
  s += created;
  s += R"(","status":")";
  s += status;
  s +=
      R"(","links":[{"id":"link_1JX9Y2ZK","domain":"dub.sh","key":"ana","shortLink":"https://dub.sh/ana",)"
      R"("url":"https://example.com","clicks":10,"leads":2,"conversions":1,"sales":1,"saleAmount":4900}],)"
      R"("totalCommissions":980,"clickRewardId":null,"leadRewardId":null,"saleRewardId":"rw_1","discountId":null,)"
      R"("applicationId":null,"bannedAt":null,"bannedReason":null,"totalClicks":10,"totalLeads":2,)"
      R"("totalConversions":1,"totalSales":1,"totalSaleAmount":4900,"netRevenue":3920,"earningsPerClick":490,)"
      R"("averageLifetimeValue":4900,"clickToLeadRate":0.2,"clickToConversionRate":0.1,"leadToConversionRate":0.5,)"
      R"("returnOnAdSpend":5,"website":null,"youtube":null,"twitter":null,"linkedin":null,"instagram":null,"tiktok":null})";
  return s;
}

TEST(DubDecode, Full201) {
  PartnerSpec spec = full_spec();
  auto r = DubAdapter().decode(response(201, dub_201()), context_for(spec));
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->vendor, "dub");
  EXPECT_EQ(r->id, "pn_1JX9Y2ZK3QH4");
  EXPECT_EQ(r->email, "ana.lopez@example.com");
  EXPECT_EQ(r->name, "Ana López");
  EXPECT_EQ(r->status, PartnerStatus::active);
  EXPECT_EQ(r->status_raw, "approved");
  ASSERT_EQ(r->links.size(), 1u);
  EXPECT_EQ(r->links[0], (ReferralLink{"https://dub.sh/ana", "link_1JX9Y2ZK", "ana", "dub.sh"}));
  EXPECT_EQ(r->created_at, "2025-06-01T12:00:01.000Z");
  EXPECT_EQ(r->outcome, Outcome::created);
  EXPECT_TRUE(r->warnings.empty());
  EXPECT_EQ(r->raw.at("totalSaleAmount").to_number<int>(), 4900);  // totals kept in raw
}

TEST(DubDecode, EveryStatusWord) {
  PartnerSpec spec;
  spec.email = "ana.lopez@example.com";
  const std::pair<const char*, PartnerStatus> cases[] = {
      {"pending", PartnerStatus::pending},   {"approved", PartnerStatus::active},
      {"rejected", PartnerStatus::rejected}, {"invited", PartnerStatus::invited},
      {"declined", PartnerStatus::declined}, {"deactivated", PartnerStatus::deactivated},
      {"banned", PartnerStatus::banned},     {"archived", PartnerStatus::archived}};
  for (auto [word, status] : cases) {
    auto r = DubAdapter().decode(response(201, dub_201(spec.email, "2025-06-01T12:00:01Z", word)),
                                 context_for(spec));
    ASSERT_TRUE(r) << word;
    EXPECT_EQ(r->status, status) << word;
    EXPECT_TRUE(r->warnings.empty());
  }
}

TEST(DubDecode, UnknownStatusIsUnknownWithWarning) {
  PartnerSpec spec;
  spec.email = "ana.lopez@example.com";
  auto r = DubAdapter().decode(response(201, dub_201(spec.email, "2025-06-01T12:00:01Z", "suspended")),
                               context_for(spec));
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, PartnerStatus::unknown);
  EXPECT_EQ(r->status_raw, "suspended");
  ASSERT_EQ(r->warnings.size(), 1u);
  EXPECT_NE(r->warnings[0].find("suspended"), std::string::npos);
}

TEST(DubDecode, UnknownExtraFieldsTolerated) {
  PartnerSpec spec;
  spec.email = "a@example.com";
  auto r = DubAdapter().decode(
      response(
          201,
          R"({"id":"pn_1","name":"A","email":"a@example.com","createdAt":"2025-06-01T12:00:00Z",)"
          R"("status":"pending","links":null,"brandNewField":{"nested":[1,2,{"x":null}]},"another":42})"),
      context_for(spec));
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_TRUE(r->links.empty());
  EXPECT_EQ(r->status, PartnerStatus::pending);
}

// DecodeContext::keep_raw = false (the batch path): the answer is read without a tree (JsonPick) and
// Partner::raw stays null; everything else is what a decode keeping raw gives, and a kept raw lives
// on the default resource, answers over 8 KB included (dub_pick_test.cpp has the bodies that could
// split the two readers).
TEST(DubDecode, WithoutRawTheSamePartnerAndRawIsOnTheDefaultResource) {
  PartnerSpec spec = full_spec();
  std::string big = dub_201();
  big.insert(big.size() - 1, R"(,"padding":")" + std::string(20000, 'p') + "\"");
  const std::string bodies[] = {dub_201(), dub_201(spec.email, "2025-05-31T12:00:00Z", "approved", "other"),
                                dub_201(spec.email, "2025-05-31T12:00:00Z"), big};
  for (const auto& body : bodies) {
    DecodeContext keep = context_for(spec);
    DecodeContext drop = keep;
    drop.keep_raw = false;
    auto with = DubAdapter().decode(response(201, body), keep);
    auto without = DubAdapter().decode(response(201, body), drop);
    ASSERT_TRUE(with) << with.error().message;
    ASSERT_TRUE(without) << without.error().message;
    EXPECT_TRUE(without->raw.is_null());
    ASSERT_TRUE(with->raw.is_object());
    EXPECT_EQ(with->raw.storage().get(), boost::json::storage_ptr().get());
    EXPECT_EQ(with->raw, boost::json::parse(body));
    Partner stripped = *with;
    stripped.raw = nullptr;
    EXPECT_EQ(boost::json::serialize(to_json(stripped)), boost::json::serialize(to_json(*without)));
    EXPECT_EQ(with->warnings, without->warnings);
    EXPECT_EQ(with->outcome, without->outcome);
  }
}

TEST(DubDecode, CreatedVersusExisting) {
  PartnerSpec spec;
  spec.email = "ana.lopez@example.com";
  DubAdapter dub;
  // Created a second after we sent: new.
  EXPECT_EQ(
      dub.decode(response(201, dub_201(spec.email, "2025-06-01T12:00:01Z")), context_for(spec))->outcome,
      Outcome::created);
  // 30 s before sent_at: inside the default 60 s skew tolerance, still new.
  EXPECT_EQ(
      dub.decode(response(201, dub_201(spec.email, "2025-06-01T11:59:30Z")), context_for(spec))->outcome,
      Outcome::created);
  // A day old: the enrollment existed.
  EXPECT_EQ(
      dub.decode(response(201, dub_201(spec.email, "2025-05-31T12:00:00.123Z")), context_for(spec))->outcome,
      Outcome::existing);
  // With an offset: 2025-06-01T13:58:00+02:00 is 11:58Z, two minutes old.
  EXPECT_EQ(
      dub.decode(response(201, dub_201(spec.email, "2025-06-01T13:58:00+02:00")), context_for(spec))->outcome,
      Outcome::existing);
  // Old and an external_id was sent: Dub set tenantId on the existing enrollment.
  spec.external_id = "crm-42";
  auto r = dub.decode(response(201, dub_201(spec.email, "2025-05-31T12:00:00Z")), context_for(spec));
  ASSERT_TRUE(r);
  EXPECT_EQ(r->outcome, Outcome::updated);
  EXPECT_TRUE(r->warnings.empty());
  // ...but kept another tenantId: say so.
  r = dub.decode(response(201, dub_201(spec.email, "2025-05-31T12:00:00Z", "approved", "other")),
                 context_for(spec));
  ASSERT_TRUE(r);
  EXPECT_EQ(r->outcome, Outcome::updated);
  EXPECT_EQ(r->warnings.size(), 1u);
  // Far-off dates do not overflow the comparison (UBSan found this).
  EXPECT_EQ(
      dub.decode(response(201, dub_201(spec.email, "9999-12-31T23:59:59Z")), context_for(spec))->outcome,
      Outcome::created);
  EXPECT_EQ(
      dub.decode(response(201, dub_201(spec.email, "0001-01-01T00:00:00Z")), context_for(spec))->outcome,
      Outcome::updated);
  // No sent_at given: cannot tell, created.
  DecodeContext no_time;
  no_time.spec = &spec;
  EXPECT_EQ(dub.decode(response(201, dub_201(spec.email, "2020-01-01T00:00:00Z")), no_time)->outcome,
            Outcome::created);
}

TEST(DubDecode, WarnsWhenLinksDifferFromWhatWasAsked) {
  PartnerSpec spec;
  spec.email = "ana.lopez@example.com";
  spec.referral_key = "ana";
  auto r = DubAdapter().decode(response(201, dub_201()), context_for(spec));  // link key "ana": as asked
  ASSERT_TRUE(r);
  EXPECT_TRUE(r->warnings.empty());
  spec.referral_key = "ana-lopez";  // taken: Dub gave "ana"
  r = DubAdapter().decode(response(201, dub_201()), context_for(spec));
  ASSERT_TRUE(r);
  ASSERT_EQ(r->warnings.size(), 1u);
  EXPECT_NE(r->warnings[0].find("link key is \"ana\""), std::string::npos);
  // Link properties sent, no link returned.
  spec.referral_key.reset();
  spec.link = LinkOptions{};
  spec.link->tag_ids = {"tag_unknown"};
  r = DubAdapter().decode(
      response(
          201,
          R"({"id":"pn_1","name":"A","email":"ana.lopez@example.com","createdAt":"2025-06-01T12:00:00Z",)"
          R"("status":"approved","links":[]})"),
      context_for(spec));
  ASSERT_TRUE(r);
  ASSERT_EQ(r->warnings.size(), 1u);
  EXPECT_NE(r->warnings[0].find("no referral link"), std::string::npos);
}

TEST(DubDecode, EmailMismatch) {
  PartnerSpec spec;
  spec.email = "ana.lopez@example.com";
  // Case differences are the same address.
  EXPECT_TRUE(DubAdapter().decode(response(201, dub_201("Ana.Lopez@Example.com")), context_for(spec)));

  spec.external_id = "crm-42";
  auto r = DubAdapter().decode(response(201, dub_201("someone.else@example.com")), context_for(spec));
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, errc::already_exists);
  EXPECT_EQ(r.error().field, "external_id");
  EXPECT_EQ(r.error().http_status, 201);
  EXPECT_EQ(r.error().message.find("someone.else"), std::string::npos);  // another partner's data stays out

  spec.external_id.reset();
  r = DubAdapter().decode(response(201, dub_201("someone.else@example.com")), context_for(spec));
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, errc::protocol);
}

TEST(DubDecode, LinksEdgeCases) {
  PartnerSpec spec;
  spec.email = "a@example.com";
  const std::string head =
      R"({"id":"pn_1","name":"A","email":"a@example.com","createdAt":"2025-06-01T12:00:00Z",)"
      R"("status":"approved","links":)";
  auto r = DubAdapter().decode(
      response(201, head + R"([{"id":"l1"},{"shortLink":"https://d.sh/a"},7])" + "}"), context_for(spec));
  ASSERT_TRUE(r);
  ASSERT_EQ(r->links.size(), 1u);
  EXPECT_EQ(r->links[0].url, "https://d.sh/a");
  EXPECT_EQ(r->warnings.size(), 2u);
  r = DubAdapter().decode(response(201, head + R"("not-an-array"})"), context_for(spec));
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, errc::protocol);
  r = DubAdapter().decode(response(201, head + R"([]})"), context_for(spec));
  ASSERT_TRUE(r);
  EXPECT_TRUE(r->links.empty());
}

TEST(DubDecode, MissingOrMistypedRequiredFieldsAreProtocol) {
  PartnerSpec spec;
  spec.email = "a@example.com";
  const char* bodies[] = {
      R"({"name":"A","email":"a@example.com","createdAt":"2025-06-01T12:00:00Z","status":"approved"})",
      R"({"id":7,"name":"A","email":"a@example.com","createdAt":"2025-06-01T12:00:00Z","status":"approved"})",
      R"({"id":"p","email":"a@example.com","createdAt":"2025-06-01T12:00:00Z","status":"approved"})",
      R"({"id":"p","name":"A","email":null,"createdAt":"2025-06-01T12:00:00Z","status":"approved"})",
      R"({"id":"p","name":"A","email":"a@example.com","status":"approved"})",
      R"({"id":"p","name":"A","email":"a@example.com","createdAt":"yesterday","status":"approved"})",
      R"({"id":"p","name":"A","email":"a@example.com","createdAt":"2025-02-30T12:00:00Z","status":"approved"})",
      R"({"id":"p","name":"A","email":"a@example.com","createdAt":"2025-06-01T12:00:00Z"})",
      R"({"id":"p","name":"A","email":"a@example.com","createdAt":"2025-06-01T12:00:00Z","status":["approved"]})",
  };
  for (const char* body : bodies) {
    auto r = DubAdapter().decode(response(201, body), context_for(spec));
    ASSERT_FALSE(r) << body;
    EXPECT_EQ(r.error().code, errc::protocol) << body;
    EXPECT_FALSE(r.error().retryable);
    EXPECT_EQ(r.error().http_status, 201);
  }
}

TEST(DubDecode, HostileBodiesAreProtocolNeverACrash) {
  PartnerSpec spec;
  spec.email = "ana.lopez@example.com";
  const std::string full = dub_201();
  std::vector<std::string> bodies = {
      "",
      "   ",
      full.substr(0, full.size() / 2),  // truncated
      "[]",
      "\"a string\"",
      "null",
      "{\"id\":\"x\"",
      std::string("{\"id\":\"\xFF\"}"),  // invalid UTF-8
      "{\"id\":1e999999}",
  };
  // A 2 MB string.
  bodies.push_back(
      R"({"id":"p","name":")" + std::string(2 * 1024 * 1024, 'A') +
      R"(","email":"ana.lopez@example.com","createdAt":"2025-06-01T12:00:00Z","status":"approved"})");
  // A name far over the 190 the contract allows, under the body cap.
  bodies.push_back(
      R"({"id":"p","name":")" + std::string(5000, 'A') +
      R"(","email":"ana.lopez@example.com","createdAt":"2025-06-01T12:00:00Z","status":"approved"})");
  // Deep nesting: 100,000 arrays, and 65 objects inside an otherwise valid answer.
  bodies.push_back(std::string(100000, '['));
  std::string deep = full.substr(0, full.size() - 1) + ",\"extra\":";
  for (int i = 0; i < 65; ++i) deep += "{\"a\":";
  deep += "1";
  for (int i = 0; i < 65; ++i) deep += "}";
  deep += "}";
  bodies.push_back(deep);
  for (const auto& body : bodies) {
    auto r = DubAdapter().decode(response(201, body), context_for(spec));
    ASSERT_FALSE(r) << body.substr(0, 80);
    EXPECT_EQ(r.error().code, errc::protocol) << body.substr(0, 80);
    EXPECT_LE(r.error().raw_body.size(), max_raw_body_bytes + 64);
  }
  // Nesting within the limit is fine.
  std::string nested = full.substr(0, full.size() - 1) + ",\"extra\":";
  for (int i = 0; i < 40; ++i) nested += "[";
  for (int i = 0; i < 40; ++i) nested += "]";
  nested += "}";
  EXPECT_TRUE(DubAdapter().decode(response(201, nested), context_for(spec)));
}

// ---------------------------------------------------------------- decode: errors

std::string dub_error(std::string_view code, std::string_view message, bool doc_url = true) {
  std::string s =
      R"({"error":{"code":")" + std::string(code) + R"(","message":")" + std::string(message) + "\"";
  if (doc_url) s += R"(,"doc_url":"https://dub.co/docs/api-reference/errors#)" + std::string(code) + "\"";
  return s + "}}";
}

struct DubErrorCase {
  int status;
  std::string code;
  std::string message;
  errc expected;
  bool retryable;
  std::string field;
};

TEST(DubDecode, EveryDocumentedErrorStatus) {
  PartnerSpec spec = full_spec();
  const std::vector<DubErrorCase> cases = {
      {400, "bad_request", "Invalid JSON body.", errc::rejected, false, ""},
      {401, "unauthorized", "Unauthorized: Invalid API key.", errc::unauthenticated, false, ""},
      {403, "forbidden", "Partners API requires a Business plan.", errc::permission_denied, false, ""},
      {404, "not_found", "Program not found.", errc::not_found, false, ""},
      {404, "not_found", "Group grp_x not found.", errc::not_found, false, "group"},
      {409, "conflict", "A partner with tenantId crm-42 already exists.", errc::already_exists, false,
       "external_id"},
      {410, "invite_expired", "This invite has expired.", errc::invite_expired, false, ""},
      {422, "unprocessable_entity", "invalid_type: tenantId: Expected string, received null", errc::rejected,
       false, "external_id"},
      {422, "unprocessable_entity",
       "too_small: linkProps.keyLength: Number must be greater than or equal to 3", errc::rejected, false,
       "link.key_length"},
      {422, "unprocessable_entity", "invalid_string: email: Invalid email", errc::rejected, false, "email"},
      {422, "unprocessable_entity", "too_big: username: String must contain at most 100 character(s)",
       errc::rejected, false, "referral_key"},
      {422, "unprocessable_entity", "too_big: linkProps.tagNames.1: too long", errc::rejected, false,
       "tags[1]"},
      {422, "unprocessable_entity", "too_big: linkProps.tagIds[0]: too long", errc::rejected, false,
       "link.tag_ids[0]"},
      {422, "unprocessable_entity", "custom: programId: Unknown", errc::rejected, false, "programId"},
      {422, "unprocessable_entity", "Something without a path", errc::rejected, false, ""},
      {429, "rate_limit_exceeded", "Too many requests.", errc::rate_limited, true, ""},
      {500, "internal_server_error", "Oops.", errc::vendor_unavailable, true, ""},
  };
  for (const auto& c : cases) {
    auto r = DubAdapter().decode(response(c.status, dub_error(c.code, c.message)), context_for(spec));
    ASSERT_FALSE(r) << c.status;
    const Error& e = r.error();
    EXPECT_EQ(e.code, c.expected) << c.status << " " << c.message;
    EXPECT_EQ(e.retryable, c.retryable) << c.status;
    EXPECT_EQ(e.http_status, c.status);
    EXPECT_EQ(e.vendor_code, c.code);
    EXPECT_EQ(e.vendor_message, c.message);
    EXPECT_TRUE(e.message.starts_with("HTTP " + std::to_string(c.status) + ": ")) << e.message;
    EXPECT_EQ(e.doc_url, "https://dub.co/docs/api-reference/errors#" + c.code);
    EXPECT_EQ(e.field, c.field) << c.message;
    EXPECT_FALSE(e.raw_body.empty());
  }
}

TEST(DubDecode, NameFieldMapsToWhatTheSpecUsed) {
  PartnerSpec spec;
  spec.email = "a@example.com";
  spec.first_name = "Ana";
  auto r = DubAdapter().decode(response(422, dub_error("unprocessable_entity", "too_big: name: too long")),
                               context_for(spec));
  EXPECT_EQ(r.error().field, "first_name");
  spec.name = "Ana";
  r = DubAdapter().decode(response(422, dub_error("unprocessable_entity", "too_big: name: too long")),
                          context_for(spec));
  EXPECT_EQ(r.error().field, "name");
}

TEST(DubDecode, RateLimitedRetryAfterEpochMillis) {
  PartnerSpec spec;
  spec.email = "a@example.com";
  const auto now_ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(fixed_now().time_since_epoch()).count();
  const std::string reset = std::to_string(now_ms + 30000);
  auto r = DubAdapter().decode(response(429, dub_error("rate_limit_exceeded", "Too many requests."),
                                        {{"Retry-After", reset},
                                         {"X-RateLimit-Limit", "60"},
                                         {"X-RateLimit-Remaining", "0"},
                                         {"X-RateLimit-Reset", reset}}),
                               context_for(spec));
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, errc::rate_limited);
  EXPECT_TRUE(r.error().retryable);
  ASSERT_TRUE(r.error().retry_after);
  EXPECT_EQ(*r.error().retry_after, std::chrono::milliseconds(30000));

  // Only X-RateLimit-Reset, as epoch ms.
  r = DubAdapter().decode(response(429, dub_error("rate_limit_exceeded", "Too many requests."),
                                   {{"X-RateLimit-Reset", std::to_string(now_ms + 5000)}}),
                          context_for(spec));
  ASSERT_TRUE(r.error().retry_after);
  EXPECT_EQ(*r.error().retry_after, std::chrono::milliseconds(5000));
}

TEST(DubDecode, OddErrorBodiesKeepTheStatusTableCode) {
  PartnerSpec spec;
  spec.email = "a@example.com";
  const std::pair<int, std::string> cases[] = {
      {502, "<html><body>502 Bad Gateway</body></html>"},
      {503, ""},
      {400, R"({"error":"a string, not an object"})"},
      {422, R"({"message":"laravel-ish"})"},
      {404, "[1,2,3]"},
      {500, "{\"error\":{\"code\":"},
      {504, std::string(3 * 1024 * 1024, 'x')},
  };
  for (const auto& [status, body] : cases) {
    auto r = DubAdapter().decode(response(status, body), context_for(spec));
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().code, errc_from_http_status(status)) << status;
    EXPECT_TRUE(r.error().message.starts_with("HTTP " + std::to_string(status) + ": ")) << status;
    EXPECT_EQ(r.error().vendor_message, "") << status;  // nothing Dub-shaped: the vendor said nothing
    EXPECT_EQ(r.error().http_status, status);
    EXPECT_LE(r.error().raw_body.size(), max_raw_body_bytes + 64);
  }
  // doc_url may be absent.
  auto r = DubAdapter().decode(response(403, dub_error("forbidden", "No.", false)), context_for(spec));
  EXPECT_EQ(r.error().doc_url, "");
  EXPECT_EQ(r.error().vendor_message, "No.");
  // A huge vendor message is capped.
  r = DubAdapter().decode(response(400, dub_error("bad_request", std::string(100000, 'm'))),
                          context_for(spec));
  EXPECT_LE(r.error().vendor_message.size(), 1100u);
}

TEST(DubDecode, Capabilities) {
  auto c = DubAdapter().capabilities();
  EXPECT_EQ(c.create, CreateSemantics::upsert);
  EXPECT_EQ(c.rate_limit, RateLimit::per_minute(60));  // the Free plan; X-RateLimit-Limit counts per minute
  EXPECT_NE(std::find(c.fields.begin(), c.fields.end(), "external_id"), c.fields.end());
  EXPECT_EQ(std::find(c.fields.begin(), c.fields.end(), "password"), c.fields.end());
  EXPECT_NE(std::find(c.rate_limit_headers.begin(), c.rate_limit_headers.end(), "X-RateLimit-Reset"),
            c.rate_limit_headers.end());
}

}  // namespace
}  // namespace partnerkit
