// Dub, building requests: the spec's validation against Dub's schema (vendor-docs 002), the create body
// (POST /partners) and the declared capabilities.
#include <partnerkit/adapters/dub.hpp>
#include <partnerkit/http_errors.hpp>
#include <partnerkit/validation.hpp>

#include <partnerkit/adapter_kit.hpp>

#include <charconv>

namespace partnerkit {
namespace {

using namespace adapter_kit;

constexpr std::size_t max_short = 100;         // name (after trim), username
constexpr std::size_t max_email = 190;         // email
constexpr std::size_t max_description = 5000;  // description
constexpr std::size_t max_link_id = 255;       // linkProps.externalId / tenantId
constexpr std::int64_t min_key_length = 3;     // linkProps.keyLength
constexpr std::int64_t max_key_length = 190;
constexpr std::size_t max_url = 32000;  // linkProps.expiredUrl, ios, android

constexpr Carried carried[] = {
    {"email", "email"},
    {"name", "name"},
    {"first_name", "name (first and last joined)"},
    {"last_name", "name (first and last joined)"},
    {"referral_key", "username"},
    {"external_id", "tenantId"},
    {"image", "image"},
    {"country", "country"},
    {"description", "description"},
    {"tags", "linkProps.tagNames"},
    {"group", "groupId"},
    {"link",
     "linkProps {keyLength, externalId, tenantId, prefix, archived, tagIds, comments, expiresAt, expiredUrl, "
     "password, proxy, title, description, image, video, rewrite, ios, android, doIndex, testVariants, "
     "testStartedAt, testCompletedAt}"},
    {"vendor_overrides", "vendor_overrides.dub merged into the body last"}};

// Dub's username rules (vendor-docs README): letters, digits, '_', '/', '-', '.', non-ASCII; not starting
// with '_'; not ".well-known"; not ending in ".php".
void check_username(std::vector<FieldIssue>& issues, std::string_view key) {
  const std::string field = "referral_key";
  rules::max_length(issues, field, key, max_short);
  for (char ch : key) {
    const auto u = static_cast<unsigned char>(ch);
    if (u >= 0x80 || text::is_alnum(ch) || ch == '_' || ch == '/' || ch == '-' || ch == '.') continue;
    issues.push_back(
        {field, "referral_key may hold only letters, digits, '_', '/', '-', '.' and non-ASCII characters"});
    break;
  }
  if (!key.empty() && key.front() == '_') issues.push_back({field, "referral_key must not start with '_'"});
  if (iequals(key, ".well-known") || (key.size() > 11 && iequals(key.substr(0, 12), ".well-known/")))
    issues.push_back({field, "referral_key must not be \".well-known\""});
  if (key.size() >= 4 && iequals(key.substr(key.size() - 4), ".php"))
    issues.push_back({field, "referral_key must not end in \".php\""});
}

}  // namespace

std::vector<FieldIssue> DubAdapter::validate(const PartnerSpec& spec) const {
  // vendor-docs 002 (maxLength in UTF-16 code units, name trimmed first: validated() trims it).
  std::vector<FieldIssue> issues;
  rules::max_length(issues, "email", spec.email, max_email);
  if (spec.name) {
    rules::max_length(issues, "name", *spec.name, max_short);
  } else if (spec.first_name || spec.last_name) {
    if (spec.first_name) rules::max_length(issues, "first_name", *spec.first_name, max_short);
    if (spec.last_name) rules::max_length(issues, "last_name", *spec.last_name, max_short);
    if (spec.first_name && spec.last_name && issues.empty()) {
      // Dub gets "first last" when it gets no name: that must fit its 100 too.
      const std::size_t joined = utf16_length(*spec.first_name) + 1 + utf16_length(*spec.last_name);
      if (joined > max_short)
        issues.push_back({"last_name",
                          "first_name and last_name joined (\"first last\") must be at most 100 "
                          "characters (UTF-16 code units), got " +
                              std::to_string(joined)});
    }
  }
  if (spec.referral_key) check_username(issues, *spec.referral_key);
  if (spec.description) rules::max_length(issues, "description", *spec.description, max_description);
  if (spec.link) {
    const LinkOptions& l = *spec.link;
    if (l.external_id && l.external_id->empty())
      issues.push_back({"link.external_id", "link.external_id must not be empty"});  // 002: minLength 1
    if (l.external_id) rules::max_length(issues, "link.external_id", *l.external_id, max_link_id);
    if (l.tenant_id) rules::max_length(issues, "link.tenant_id", *l.tenant_id, max_link_id);
    for (const auto& [field, value] : {std::pair{"link.expired_url", &l.expired_url},
                                       std::pair{"link.ios", &l.ios}, std::pair{"link.android", &l.android}})
      if (*value) rules::max_length(issues, field, **value, max_url);
    if (!l.test_variants.empty() && (l.test_variants.size() < 2 || l.test_variants.size() > 4))
      issues.push_back({"link.test_variants", "link.test_variants must hold 2 to 4 variants, got " +
                                                  std::to_string(l.test_variants.size())});
    for (std::size_t i = 0; i < l.test_variants.size(); ++i) {
      const std::string base = "link.test_variants[" + std::to_string(i) + "]";
      if (l.test_variants[i].url.empty()) issues.push_back({base + ".url", base + ".url must not be empty"});
      const double pct = l.test_variants[i].percentage;
      if (!(pct >= 10 && pct <= 90))
        issues.push_back({base + ".percentage", base + ".percentage must be between 10 and 90"});
    }
    if (l.key_length && (*l.key_length < min_key_length || *l.key_length > max_key_length))
      issues.push_back({"link.key_length",
                        "link.key_length must be between 3 and 190, got " + std::to_string(*l.key_length)});
  }
  return issues;
}
Result<std::string> DubAdapter::encode_body(const PartnerSpec& spec, bool strict,
                                            std::vector<std::string>* warnings) {
  static const FieldMask carried_mask = Dropper::declared_mask(carried);
  Dropper drop(vendor, strict, warnings);
  drop.drop_undeclared(spec, carried_mask);
  if (drop.failed()) return drop.error();

  std::string body;
  body.reserve(192 + spec.email.size() + (spec.description ? spec.description->size() : 0));
  BodyWriter b(body, overrides_for(spec, vendor));
  JsonWriter& w = b.json();

  if (spec.name) {
    b.string_member("name", *spec.name);
  } else if (spec.first_name || spec.last_name) {
    if (b.member("name")) w.string(*full_name(spec));
  }
  b.string_member("email", spec.email);
  if (spec.referral_key) b.string_member("username", *spec.referral_key);
  if (spec.image) b.string_member("image", *spec.image);
  if (spec.external_id) b.string_member("tenantId", *spec.external_id);
  if (spec.group) b.string_member("groupId", *spec.group);
  if (spec.country) b.string_member("country", *spec.country);
  if (spec.description) b.string_member("description", *spec.description);

  const LinkOptions* link = spec.link ? &*spec.link : nullptr;
  const bool link_has_any = link && *link != LinkOptions{};
  if ((link_has_any || !spec.tags.empty()) && b.member("linkProps")) {
    w.begin_object();
    if (link) {
      if (link->key_length) {
        w.key("keyLength");
        w.int64(*link->key_length);
      }
      if (link->external_id) {
        w.key("externalId");
        w.string(*link->external_id);
      }
      if (link->tenant_id) {
        w.key("tenantId");
        w.string(*link->tenant_id);
      }
      if (link->prefix) {
        w.key("prefix");
        w.string(*link->prefix);
      }
      if (link->archived) {
        w.key("archived");
        w.boolean(*link->archived);
      }
      if (!link->tag_ids.empty()) {
        w.key("tagIds");
        w.begin_array();
        for (const auto& t : link->tag_ids) w.string(t);
        w.end_array();
      }
    }
    if (!spec.tags.empty()) {
      w.key("tagNames");
      w.begin_array();
      for (const auto& t : spec.tags) w.string(t);
      w.end_array();
    }
    if (link) {
      // The rest of 002's linkProps, in its order.
      const auto str = [&](const char* key, const std::optional<std::string>& v) {
        if (v) w.string_member(key, *v);
      };
      const auto flag = [&](const char* key, const std::optional<bool>& v) {
        if (!v) return;
        w.key(key);
        w.boolean(*v);
      };
      str("comments", link->comments);
      str("expiresAt", link->expires_at);
      str("expiredUrl", link->expired_url);
      str("password", link->password);
      flag("proxy", link->proxy);
      str("title", link->title);
      str("description", link->description);
      str("image", link->image);
      str("video", link->video);
      flag("rewrite", link->rewrite);
      str("ios", link->ios);
      str("android", link->android);
      flag("doIndex", link->do_index);
      if (!link->test_variants.empty()) {
        w.key("testVariants");
        w.begin_array();
        for (const auto& t : link->test_variants) {
          w.begin_object();
          w.key("url");
          w.string(t.url);
          w.key("percentage");
          const double pct = t.percentage;
          if (pct > -1e15 && pct < 1e15 && pct == static_cast<double>(static_cast<std::int64_t>(pct)))
            w.int64(static_cast<std::int64_t>(pct));  // 50, not Boost.JSON's 5E1
          else
            w.value(boost::json::value(pct));
          w.end_object();
        }
        w.end_array();
      }
      str("testStartedAt", link->test_started_at);
      str("testCompletedAt", link->test_completed_at);
    }
    w.end_object();
  }
  b.finish();
  if (!w.utf8_ok()) return bad_utf8_error(vendor, spec_field(w.bad_utf8_key(), &spec));
  return body;
}

Result<EncodedRequest> DubAdapter::encode(const PartnerSpec& spec, const VendorConfig& config) const {
  if (auto e = check_api_key(vendor, config.api_key)) return *e;
  EncodedRequest out;
  auto body = encode_body(spec, config.strict, &out.warnings);
  if (!body) return body.error();
  if (out.request.method != "POST") out.request.method = "POST";  // HttpRequest's default: no reassignment
  out.request.url = request_url(config, default_base_url, path);
  out.request.headers = json_headers(config.api_key);
  out.request.body = std::move(*body);
  return out;
}

Capabilities DubAdapter::capabilities() const {
  Capabilities c;
  declare_fields(c, carried);
  c.create = CreateSemantics::upsert;
  c.error_shape = R"({"error":{"code","message","doc_url"}})";
  c.rate_limit_headers = {"Retry-After", "X-RateLimit-Limit", "X-RateLimit-Remaining", "X-RateLimit-Reset"};
  c.rate_limit = RateLimit::per_minute(60);  // the Free plan; X-RateLimit-Limit states the real one
  c.notes =
      "POST /partners upserts by email and answers 201 for new and existing enrollments (outcome from "
      "createdAt). Rate limit per API key per minute: Free 60, Pro 600, Business 1200, "
      "Advanced/Enterprise 3000 (X-RateLimit-Limit counts per minute although the docs say per hour). "
      "partnerkit starts at the Free plan's 60/min, probes upward and runs at the limit the first "
      "error answer states. "
      "On 429, Retry-After and X-RateLimit-Reset hold a Unix epoch in milliseconds. A 201 carries no "
      "rate-limit headers.";
  c.default_base_url = std::string(default_base_url);
  c.operations.find_by_external_id = true;
  c.operations.find_by_email = true;
  c.operations.find_by_vendor_id = true;
  c.operations.get = true;
  c.operations.update = false;
  c.operations.deactivate = true;
  c.operations.deactivate_semantics =
      "POST /partners/deactivate (the enrollment is deactivated: links stop, reversible in the dashboard); "
      "permanent: POST /partners/ban with a reason (tos_violation, inappropriate_content, fake_traffic, "
      "fraud, "
      "spam, brand_abuse). No update endpoint: a repeated create changes only tenantId.";
  return c;
}

}  // namespace partnerkit
