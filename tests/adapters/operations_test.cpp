// The operations beyond create (find, get, update, deactivate) and each vendor's own validation rules:
// plain values in, plain values out.
#include <partnerkit/adapters/dub.hpp>
#include <partnerkit/adapters/journeybee.hpp>
#include <partnerkit/adapters/partnero.hpp>
#include <partnerkit/validation.hpp>

#include "adapter_test_util.hpp"

#include <gtest/gtest.h>

namespace partnerkit {
namespace {

using test::config_with_key;
using test::response;

constexpr const char* dub_partner =
    R"({"id":"pn_1","name":"Ana","email":"ana@example.com","status":"approved","tenantId":"crm-1",)"
    R"("createdAt":"2025-01-01T00:00:00.000Z","links":[{"id":"l1","shortLink":"https://dub.sh/ana","key":"ana",)"
    R"("domain":"dub.sh"}]})";

DecodeContext find_context(const FindQuery& q) {
  DecodeContext c;
  c.operation = Operation::find;
  c.query = &q;
  return c;
}

// ---------------------------------------------------------------- Dub

TEST(DubOperations, FindByExternalIdAndEmailRequests) {
  DubAdapter dub;
  auto r = dub.encode_find({FindQuery::Key::external_id, "crm 1/é"}, config_with_key());
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->request.method, "GET");
  EXPECT_EQ(r->request.url, "https://api.dub.co/partners?tenantId=crm%201%2F%C3%A9");
  EXPECT_TRUE(r->request.body.empty());
  EXPECT_EQ(find_header(r->request.headers, "Authorization"), "Bearer test_key_123");
  EXPECT_EQ(find_header(r->request.headers, "Content-Type"), "");

  auto e = dub.encode_find({FindQuery::Key::email, "a+b@example.com"}, config_with_key());
  ASSERT_TRUE(e);
  EXPECT_EQ(e->request.url, "https://api.dub.co/partners?email=a%2Bb%40example.com");

  auto v = dub.encode_find({FindQuery::Key::vendor_id, "pn_1"}, config_with_key());
  ASSERT_TRUE(v);
  EXPECT_EQ(v->request.url, "https://api.dub.co/partners/pn_1");

  EXPECT_FALSE(dub.encode_find({FindQuery::Key::email, ""}, config_with_key()));
}

TEST(DubOperations, FindKeepsOnlyExactMatches) {
  DubAdapter dub;
  const std::string other =
      R"({"id":"pn_2","name":"Anna","email":"anna@example.com","status":"approved","tenantId":"crm-10",)"
      R"("createdAt":"2025-01-01T00:00:00.000Z"})";
  const std::string body = "[" + std::string(dub_partner) + "," + other + "]";

  FindQuery by_email{FindQuery::Key::email, "ANA@example.com"};
  auto found = dub.decode_find(response(200, body), find_context(by_email));
  ASSERT_TRUE(found) << found.error().message;
  ASSERT_EQ(found->size(), 1u);
  EXPECT_EQ((*found)[0].id, "pn_1");
  EXPECT_EQ((*found)[0].outcome, Outcome::existing);
  ASSERT_EQ((*found)[0].links.size(), 1u);
  EXPECT_EQ((*found)[0].links[0].url, "https://dub.sh/ana");

  FindQuery by_tenant{FindQuery::Key::external_id, "crm-10"};
  found = dub.decode_find(response(200, body), find_context(by_tenant));
  ASSERT_TRUE(found);
  ASSERT_EQ(found->size(), 1u);
  EXPECT_EQ((*found)[0].id, "pn_2");

  FindQuery none{FindQuery::Key::external_id, "crm"};  // a prefix is not a match
  found = dub.decode_find(response(200, body), find_context(none));
  ASSERT_TRUE(found);
  EXPECT_TRUE(found->empty());

  found = dub.decode_find(response(200, "[]"), find_context(by_email));
  ASSERT_TRUE(found);
  EXPECT_TRUE(found->empty());

  auto bad = dub.decode_find(response(200, R"({"id":"pn_1"})"), find_context(by_email));
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().code, errc::protocol);
}

TEST(DubOperations, FindByVendorIdTreats404AsNone) {
  DubAdapter dub;
  FindQuery q{FindQuery::Key::vendor_id, "pn_1"};
  auto none = dub.decode_find(
      response(404, R"({"error":{"code":"not_found","message":"Partner not found."}})"), find_context(q));
  ASSERT_TRUE(none);
  EXPECT_TRUE(none->empty());
  auto one = dub.decode_find(response(200, dub_partner), find_context(q));
  ASSERT_TRUE(one);
  EXPECT_EQ(one->size(), 1u);
}

TEST(DubOperations, GetChecksTheIdAsked) {
  DubAdapter dub;
  auto req = dub.encode_get("pn 1", config_with_key());
  ASSERT_TRUE(req);
  EXPECT_EQ(req->request.url, "https://api.dub.co/partners/pn%201");
  EXPECT_FALSE(dub.encode_get("", config_with_key()));

  DecodeContext c;
  c.operation = Operation::get;
  c.partner_id = "pn_1";
  auto p = dub.decode_get(response(200, dub_partner), c);
  ASSERT_TRUE(p) << p.error().message;
  EXPECT_EQ(p->status, PartnerStatus::active);
  EXPECT_EQ(p->email, "ana@example.com");
  c.partner_id = "pn_9";
  auto wrong = dub.decode_get(response(200, dub_partner), c);
  ASSERT_FALSE(wrong);
  EXPECT_EQ(wrong.error().code, errc::protocol);
  auto missing =
      dub.decode_get(response(404, R"({"error":{"code":"not_found","message":"Partner not found."}})"), c);
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().code, errc::not_found);
}

TEST(DubOperations, DeactivateAndBan) {
  DubAdapter dub;
  auto d = dub.encode_deactivate("pn_1", {}, config_with_key());
  ASSERT_TRUE(d);
  EXPECT_EQ(d->request.method, "POST");
  EXPECT_EQ(d->request.url, "https://api.dub.co/partners/deactivate");
  EXPECT_EQ(d->request.body, R"({"partnerId":"pn_1"})");

  DeactivateOptions ban{true, "fraud"};
  auto b = dub.encode_deactivate("pn_1", ban, config_with_key());
  ASSERT_TRUE(b);
  EXPECT_EQ(b->request.url, "https://api.dub.co/partners/ban");
  EXPECT_EQ(b->request.body, R"({"partnerId":"pn_1","reason":"fraud"})");

  auto no_reason = dub.encode_deactivate("pn_1", {true, "because"}, config_with_key());
  ASSERT_FALSE(no_reason);
  EXPECT_EQ(no_reason.error().code, errc::invalid_input);
  EXPECT_EQ(no_reason.error().field, "reason");

  DecodeContext c;
  c.operation = Operation::deactivate;
  c.partner_id = "pn_1";
  auto p = dub.decode_deactivate(response(200, R"({"partnerId":"pn_1"})"), c);
  ASSERT_TRUE(p);
  EXPECT_EQ(p->id, "pn_1");
  EXPECT_EQ(p->status, PartnerStatus::deactivated);
  c.deactivate = &ban;
  p = dub.decode_deactivate(response(200, R"({"partnerId":"pn_1"})"), c);
  ASSERT_TRUE(p);
  EXPECT_EQ(p->status, PartnerStatus::banned);
  auto other = dub.decode_deactivate(response(200, R"({"partnerId":"pn_2"})"), c);
  ASSERT_FALSE(other);
  EXPECT_EQ(other.error().code, errc::protocol);
}

TEST(DubOperations, NoUpdateAndCapabilitiesSaySo) {
  DubAdapter dub;
  PartnerSpec changes;
  changes.name = "X";
  auto u = dub.encode_update("pn_1", changes, config_with_key());
  ASSERT_FALSE(u);
  EXPECT_EQ(u.error().code, errc::unsupported_operation);
  const auto ops = dub.capabilities().operations;
  EXPECT_TRUE(ops.find_by_external_id && ops.find_by_email && ops.find_by_vendor_id && ops.get &&
              ops.deactivate);
  EXPECT_FALSE(ops.update);
  EXPECT_NE(ops.deactivate_semantics.find("ban"), std::string::npos);
}

TEST(DubOperations, DocumentedErrorStatuses) {
  DubAdapter dub;
  PartnerSpec s;
  s.email = "ana@example.com";
  DecodeContext c;
  c.spec = &s;
  auto expired = dub.decode(
      response(410, R"({"error":{"code":"invite_expired","message":"The invite has expired."}})"), c);
  ASSERT_FALSE(expired);
  EXPECT_EQ(expired.error().code, errc::invite_expired);
  EXPECT_FALSE(expired.error().retryable);
  EXPECT_EQ(expired.error().vendor_code, "invite_expired");

  auto pending = dub.decode(
      response(409, R"({"error":{"code":"invite_pending","message":"An invite is already pending."}})"), c);
  ASSERT_FALSE(pending);
  EXPECT_EQ(pending.error().code, errc::already_exists);
  EXPECT_EQ(pending.error().field, "email");
  EXPECT_EQ(pending.error().vendor_code, "invite_pending");

  auto conflict =
      dub.decode(response(409, R"({"error":{"code":"conflict","message":"tenantId already in use"}})"), c);
  ASSERT_FALSE(conflict);
  EXPECT_EQ(conflict.error().code, errc::already_exists);
  EXPECT_EQ(conflict.error().field, "external_id");

  auto limit = dub.decode(
      response(403, R"({"error":{"code":"exceeded_limit","message":"You've reached your partners limit."}})"),
      c);
  ASSERT_FALSE(limit);
  EXPECT_EQ(limit.error().code, errc::permission_denied);
  EXPECT_FALSE(limit.error().retryable);
  EXPECT_EQ(limit.error().vendor_code, "exceeded_limit");
}

TEST(DubLinkProps, EveryMemberOf002InItsOrder) {
  PartnerSpec s;
  s.email = "ana@example.com";
  LinkOptions l;
  l.key_length = 8;
  l.comments = "c";
  l.expires_at = "2027-01-01T00:00:00Z";
  l.expired_url = "https://x.example/expired";
  l.password = "link-secret";
  l.proxy = true;
  l.title = "T";
  l.description = "D";
  l.image = "https://x.example/i.png";
  l.video = "https://x.example/v.mp4";
  l.rewrite = false;
  l.ios = "https://apps.apple.com/x";
  l.android = "https://play.google.com/x";
  l.do_index = true;
  l.test_variants = {{"https://a.example", 50}, {"https://b.example", 50}};
  l.test_started_at = "2026-01-01T00:00:00Z";
  l.test_completed_at = "2026-02-01T00:00:00Z";
  s.link = l;
  auto r = DubAdapter().encode(s, config_with_key());
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(
      r->request.body,
      R"({"email":"ana@example.com","linkProps":{"keyLength":8,"comments":"c",)"
      R"("expiresAt":"2027-01-01T00:00:00Z","expiredUrl":"https://x.example/expired","password":"link-secret",)"
      R"("proxy":true,"title":"T","description":"D","image":"https://x.example/i.png",)"
      R"("video":"https://x.example/v.mp4","rewrite":false,"ios":"https://apps.apple.com/x",)"
      R"("android":"https://play.google.com/x","doIndex":true,"testVariants":[{"url":"https://a.example",)"
      R"("percentage":50},{"url":"https://b.example","percentage":50}],)"
      R"("testStartedAt":"2026-01-01T00:00:00Z","testCompletedAt":"2026-02-01T00:00:00Z"}})");
  EXPECT_TRUE(DubAdapter().validate(s).empty());
  s.link->test_variants = {{"https://a.example", 95}};
  auto issues = DubAdapter().validate(s);
  ASSERT_EQ(issues.size(), 2u);  // one variant, and 95 is over 90
  EXPECT_EQ(issues[0].field, "link.test_variants");
  EXPECT_EQ(issues[1].field, "link.test_variants[0].percentage");
  EXPECT_EQ(DubAdapter::spec_field("linkProps.testVariants.1"), "link.test_variants[1]");
}

// ---------------------------------------------------------------- Partnero

constexpr const char* partnero_partner =
    R"({"data":{"email":"ana@example.com","created_at":"2025-04-30T16:44:13.000000Z","name":"Ana",)"
    R"("id":"crm-1","surname":"Lopez","status":"active","referral_link":"https://x.example?aff=ana"},"status":1})";

TEST(PartneroOperations, CreateSendsExternalIdAsId) {
  PartneroAdapter partnero;
  PartnerSpec s;
  s.email = "ana@example.com";
  s.external_id = "crm-1";
  s.password = "Secret123";
  auto r = partnero.encode(s, config_with_key());
  ASSERT_TRUE(r);
  EXPECT_NE(r->request.body.find(R"("id":"crm-1")"), std::string::npos);
}

TEST(PartneroOperations, FindGetByIdNoEmailLookup) {
  PartneroAdapter partnero;
  auto r = partnero.encode_find({FindQuery::Key::external_id, "crm-1"}, config_with_key());
  ASSERT_TRUE(r);
  EXPECT_EQ(r->request.method, "GET");
  EXPECT_EQ(r->request.url, "https://api.partnero.com/v1/partners/crm-1");
  auto by_email = partnero.encode_find({FindQuery::Key::email, "ana@example.com"}, config_with_key());
  ASSERT_FALSE(by_email);
  EXPECT_EQ(by_email.error().code, errc::unsupported_operation);
  EXPECT_FALSE(partnero.capabilities().operations.find_by_email);

  FindQuery q{FindQuery::Key::external_id, "crm-1"};
  auto found = partnero.decode_find(response(200, partnero_partner), find_context(q));
  ASSERT_TRUE(found) << found.error().message;
  ASSERT_EQ(found->size(), 1u);
  EXPECT_EQ((*found)[0].id, "crm-1");
  EXPECT_EQ((*found)[0].outcome, Outcome::existing);
  ASSERT_EQ((*found)[0].links.size(), 1u);
  auto none = partnero.decode_find(response(404, R"({"message":"Partner not found"})"), find_context(q));
  ASSERT_TRUE(none);
  EXPECT_TRUE(none->empty());
  FindQuery other{FindQuery::Key::external_id, "crm-2"};
  auto mismatch = partnero.decode_find(response(200, partnero_partner), find_context(other));
  ASSERT_FALSE(mismatch);
  EXPECT_EQ(mismatch.error().code, errc::protocol);
}

TEST(PartneroOperations, UpdateBody) {
  PartneroAdapter partnero;
  PartnerSpec changes;
  changes.name = "Ana Maria Lopez";
  changes.referral_key = "ana2";
  changes.tags = {"vip"};
  changes.country = "ES";  // partnero cannot carry it
  auto r = partnero.encode_update("crm-1", changes, config_with_key());
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->request.method, "PUT");
  EXPECT_EQ(r->request.url, "https://api.partnero.com/v1/partners/crm-1");
  EXPECT_EQ(r->request.body,
            R"({"update":{"name":"Ana","surname":"Maria Lopez","key":"ana2","tags":["vip"]}})");
  ASSERT_EQ(r->warnings.size(), 1u);
  VendorConfig strict = config_with_key();
  strict.strict = true;
  auto refused = partnero.encode_update("crm-1", changes, strict);
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().code, errc::unsupported_field);

  DecodeContext c;
  c.operation = Operation::update;
  c.partner_id = "crm-1";
  auto p = partnero.decode_update(response(200, partnero_partner), c);
  ASSERT_TRUE(p) << p.error().message;
  EXPECT_EQ(p->outcome, Outcome::updated);
  EXPECT_EQ(p->name, "Ana Lopez");
}

TEST(PartneroOperations, ArchiveOrDelete) {
  PartneroAdapter partnero;
  auto a = partnero.encode_deactivate("crm-1", {}, config_with_key());
  ASSERT_TRUE(a);
  EXPECT_EQ(a->request.method, "POST");
  EXPECT_EQ(a->request.url, "https://api.partnero.com/v1/partners/crm-1/archive");
  DeactivateOptions permanent{true, ""};
  auto d = partnero.encode_deactivate("crm-1", permanent, config_with_key());
  ASSERT_TRUE(d);
  EXPECT_EQ(d->request.method, "DELETE");
  EXPECT_EQ(d->request.url, "https://api.partnero.com/v1/partners/crm-1");

  DecodeContext c;
  c.partner_id = "crm-1";
  auto p = partnero.decode_deactivate(response(200, R"({"status":1})"), c);
  ASSERT_TRUE(p);
  EXPECT_EQ(p->status, PartnerStatus::archived);
  c.deactivate = &permanent;
  p = partnero.decode_deactivate(response(200, R"({"status":1})"), c);
  ASSERT_TRUE(p);
  EXPECT_EQ(p->status, PartnerStatus::deactivated);
  auto failed = partnero.decode_deactivate(response(400, R"({"message":"Action failed"})"), c);
  ASSERT_FALSE(failed);
  EXPECT_EQ(failed.error().code, errc::rejected);
  auto missing = partnero.decode_deactivate(response(404, R"({"message":"Partner not found"})"), c);
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().code, errc::not_found);
}

// ---------------------------------------------------------------- JourneyBee (legacy)

TEST(JourneyBeeOperations, LegacyDeclaresNone) {
  JourneyBeeAdapter jb;
  const auto ops = jb.capabilities().operations;
  EXPECT_FALSE(ops.find_by_external_id || ops.find_by_email || ops.find_by_vendor_id || ops.get ||
               ops.update || ops.deactivate);
  auto r = jb.encode_get("x", config_with_key());
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, errc::unsupported_operation);
}

// ---------------------------------------------------------------- validation per vendor

TEST(VendorValidation, OneVendorsRuleNeverBlocksAnother) {
  PartnerSpec s;
  s.email = "ana@example.com";
  s.password = "weak";             // fails Partnero's policy
  s.name = std::string(150, 'a');  // longer than Dub's 100
  auto shared = validated(s);
  ASSERT_TRUE(shared) << shared.error().message;
  EXPECT_TRUE(JourneyBeeAdapter().validate(*shared).empty());
  auto p = PartneroAdapter().validate(*shared);
  ASSERT_FALSE(p.empty());
  EXPECT_EQ(p.front().field, "password");
  for (const auto& i : p) EXPECT_EQ(i.message.find("weak"), std::string::npos);  // never echoed
  auto d = DubAdapter().validate(*shared);
  ASSERT_EQ(d.size(), 1u);
  EXPECT_EQ(d.front().field, "name");
  auto both = validated_for(DubAdapter(), s);
  ASSERT_FALSE(both);
  EXPECT_EQ(both.error().code, errc::invalid_input);
}

TEST(VendorValidation, DubRules) {
  DubAdapter dub;
  PartnerSpec s;
  s.email = "ana@example.com";
  s.referral_key = "_bad key.php";
  LinkOptions l;
  l.key_length = 2;
  s.link = l;
  s.first_name = std::string(60, 'a');
  s.last_name = std::string(60, 'b');
  auto issues = dub.validate(s);
  std::vector<std::string> fields;
  for (const auto& i : issues) fields.push_back(i.field);
  EXPECT_NE(std::find(fields.begin(), fields.end(), "referral_key"), fields.end());
  EXPECT_NE(std::find(fields.begin(), fields.end(), "link.key_length"), fields.end());
  EXPECT_NE(std::find(fields.begin(), fields.end(), "last_name"), fields.end());
}

TEST(VendorValidation, JourneyBeeCustomFieldTypes) {
  PartnerSpec s;
  s.email = "ana@example.com";
  s.custom_fields.push_back(CustomField{7, "date", boost::json::value("2025-13-01")});
  auto issues = JourneyBeeAdapter().validate(s);
  ASSERT_EQ(issues.size(), 1u);
  EXPECT_EQ(issues[0].field, "custom_fields[0].value");
  EXPECT_TRUE(DubAdapter().validate(s).empty());
}

TEST(SharedValidation, BlankOptionalFieldsAreNotGiven) {
  PartnerSpec s;
  s.email = "  ana@example.com \t";
  s.name = "  Ana  ";
  s.company = "   ";
  s.external_id = "";
  s.tags = {"vip", " ", ""};
  s.referrer = Referrer{std::string(" "), std::nullopt, std::nullopt};
  std::vector<std::string> warnings;
  auto r = validated(s, &warnings);
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->email, "ana@example.com");
  EXPECT_EQ(r->name, "Ana");
  EXPECT_FALSE(r->company);
  EXPECT_FALSE(r->external_id);
  EXPECT_EQ(r->tags, std::vector<std::string>{"vip"});
  EXPECT_FALSE(r->referrer);
  EXPECT_EQ(warnings.size(), 6u);  // company, external_id, tags[1], tags[2], referrer.id, referrer
}

TEST(SharedValidation, EmailPatternAndFormat) {
  EXPECT_TRUE(is_valid_email("ana@mail-box.example.com"));
  EXPECT_FALSE(is_valid_email("ana@mail-.example.com"));  // a DNS label can't end with '-'
  EXPECT_FALSE(is_valid_email("ana@example-.com"));
  EXPECT_FALSE(is_valid_email("ana@-example.com"));
  PartnerSpec s;
  s.email = "ana@bad-.example.com";
  EXPECT_FALSE(validated(s));
}

}  // namespace
}  // namespace partnerkit
