// PartnerSpec, Partner and Error to JSON: without secrets unless asked (a spec's password and the
// secret-named members of its vendor_overrides), Partner::raw redacted, Error::raw_body sanitized.
#include <partnerkit/http_errors.hpp>
#include <partnerkit/secrets.hpp>
#include <partnerkit/spec_json.hpp>

#include <string>

namespace partnerkit {
namespace {

namespace json = boost::json;

// Members with secret-like names (the one rule, secrets.hpp) inside free-form objects written out.
void redact(json::value& v) {
  if (auto* o = v.if_object()) {
    for (auto& kv : *o) {
      if (is_secret_name(kv.key()))
        kv.value() = "REDACTED";
      else
        redact(kv.value());
    }
  } else if (auto* a = v.if_array()) {
    for (auto& e : *a) redact(e);
  }
}

void put(json::object& o, std::string_view key, const std::optional<std::string>& v) {
  if (v) o.emplace(key, *v);
}

json::array string_array(const std::vector<std::string>& v) {
  json::array a;
  a.reserve(v.size());
  for (const auto& s : v) a.emplace_back(s);
  return a;
}

}  // namespace

json::value to_json(const PartnerSpec& s, bool include_secrets) {
  json::object o;
  o.emplace("email", s.email);
  put(o, "name", s.name);
  put(o, "first_name", s.first_name);
  put(o, "last_name", s.last_name);
  put(o, "company", s.company);
  put(o, "referral_key", s.referral_key);
  put(o, "external_id", s.external_id);
  put(o, "image", s.image);
  put(o, "country", s.country);
  put(o, "description", s.description);
  if (!s.tags.empty()) o.emplace("tags", string_array(s.tags));
  put(o, "group", s.group);
  if (s.partner_type) o.emplace("partner_type", to_string(*s.partner_type));
  if (s.referrer) {
    json::object r;
    put(r, "id", s.referrer->id);
    put(r, "key", s.referrer->key);
    put(r, "email", s.referrer->email);
    o.emplace("referrer", std::move(r));
  }
  if (!s.contacts.empty()) {
    json::array a;
    a.reserve(s.contacts.size());
    for (const auto& c : s.contacts) {
      json::object co;
      co.emplace("email", c.email);
      put(co, "first_name", c.first_name);
      put(co, "last_name", c.last_name);
      a.emplace_back(std::move(co));
    }
    o.emplace("contacts", std::move(a));
  }
  if (s.invite) o.emplace("invite", *s.invite);
  if (include_secrets) put(o, "password", s.password);
  if (s.link) {
    const LinkOptions& l = *s.link;
    json::object lo;
    put(lo, "external_id", l.external_id);
    put(lo, "tenant_id", l.tenant_id);
    put(lo, "prefix", l.prefix);
    if (l.key_length) lo.emplace("key_length", *l.key_length);
    if (!l.tag_ids.empty()) lo.emplace("tag_ids", string_array(l.tag_ids));
    put(lo, "comments", l.comments);
    if (l.archived) lo.emplace("archived", *l.archived);
    put(lo, "expires_at", l.expires_at);
    put(lo, "expired_url", l.expired_url);
    if (include_secrets) put(lo, "password", l.password);
    if (l.proxy) lo.emplace("proxy", *l.proxy);
    put(lo, "title", l.title);
    put(lo, "description", l.description);
    put(lo, "image", l.image);
    put(lo, "video", l.video);
    if (l.rewrite) lo.emplace("rewrite", *l.rewrite);
    put(lo, "ios", l.ios);
    put(lo, "android", l.android);
    if (l.do_index) lo.emplace("do_index", *l.do_index);
    if (!l.test_variants.empty()) {
      json::array tv;
      for (const auto& t : l.test_variants)
        tv.push_back(json::object{{"url", t.url}, {"percentage", t.percentage}});
      lo.emplace("test_variants", std::move(tv));
    }
    put(lo, "test_started_at", l.test_started_at);
    put(lo, "test_completed_at", l.test_completed_at);
    o.emplace("link", std::move(lo));
  }
  if (!s.custom_fields.empty()) {
    json::array a;
    a.reserve(s.custom_fields.size());
    for (const auto& f : s.custom_fields)
      a.emplace_back(json::object{{"id", f.id}, {"type", f.type}, {"value", f.value}});
    o.emplace("custom_fields", std::move(a));
  }
  if (!s.vendor_overrides.empty()) {
    json::object vo;
    for (const auto& [vendor, body] : s.vendor_overrides) {
      json::value b = body;
      if (!include_secrets) redact(b);  // an override may carry a vendor's password field
      vo.emplace(vendor, std::move(b));
    }
    o.emplace("vendor_overrides", std::move(vo));
  }
  return o;
}

json::value to_json(const Partner& p) {
  json::object o;
  o.emplace("vendor", p.vendor);
  o.emplace("id", p.id ? json::value(*p.id) : json::value(nullptr));
  o.emplace("email", p.email);
  o.emplace("name", p.name);
  o.emplace("status", to_string(p.status));
  o.emplace("status_raw", p.status_raw);
  json::array links;
  links.reserve(p.links.size());
  for (const auto& l : p.links)
    links.emplace_back(json::object{{"url", l.url}, {"id", l.id}, {"key", l.key}, {"domain", l.domain}});
  o.emplace("links", std::move(links));
  o.emplace("created_at", p.created_at ? json::value(*p.created_at) : json::value(nullptr));
  o.emplace("outcome", to_string(p.outcome));
  o.emplace("warnings", string_array(p.warnings));
  o.emplace("attempts", p.attempts);
  json::value raw = p.raw;
  redact(raw);
  o.emplace("raw", std::move(raw));
  return o;
}

json::value to_json(const Error& e) {
  json::object o;
  o.emplace("code", to_string(e.code));
  o.emplace("retryable", e.retryable);
  o.emplace("http_status", e.http_status ? json::value(*e.http_status) : json::value(nullptr));
  o.emplace("vendor_code", e.vendor_code);
  o.emplace("message", e.message);
  if (!e.vendor_message.empty()) o.emplace("vendor_message", e.vendor_message);
  o.emplace("field", e.field);
  o.emplace("doc_url", e.doc_url);
  json::array issues;
  issues.reserve(e.issues.size());
  for (const auto& i : e.issues)
    issues.emplace_back(json::object{{"field", i.field}, {"message", i.message}});
  o.emplace("issues", std::move(issues));
  o.emplace("retry_after_ms", e.retry_after ? json::value(e.retry_after->count()) : json::value(nullptr));
  o.emplace("attempts", e.attempts);
  o.emplace("stopped", to_string(e.stopped));
  if (e.cause) o.emplace("cause", e.cause.to_string() + " (" + e.cause.message() + ")");
  // Sanitized again: an adapter may have set raw_body by hand.
  if (!e.raw_body.empty()) o.emplace("raw_body", sanitized_body(e.raw_body));
  return o;
}

}  // namespace partnerkit
