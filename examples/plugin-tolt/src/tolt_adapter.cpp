#include <tolt/tolt_adapter.hpp>

#include <partnerkit/adapter_kit.hpp>
#include <partnerkit/http_errors.hpp>

#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>

#include <chrono>
#include <cstddef>
#include <optional>
#include <vector>

namespace tolt {

namespace pk = partnerkit;
namespace json = boost::json;
using namespace partnerkit::adapter_kit;  // capped, parse_json, Dropper, BodyWriter, protocol_error, ...

namespace {

std::optional<pk::Error> check_length(std::string_view field, std::string_view value, std::size_t max) {
  const std::size_t n = code_points(value);
  if (n < 1 || n > max)
    return pk::Error::make(
        pk::errc::invalid_input,
        std::string(field) + " must be 1 to " + std::to_string(max) + " characters for tolt",
        std::string(field));
  return std::nullopt;
}

pk::PartnerStatus status_of(std::string_view s, bool& known) {
  known = true;
  if (s == "active") return pk::PartnerStatus::active;
  if (s == "pending") return pk::PartnerStatus::pending;
  if (s == "rejected") return pk::PartnerStatus::rejected;
  if (s == "suspended") return pk::PartnerStatus::deactivated;
  known = false;
  return pk::PartnerStatus::unknown;
}

}  // namespace

std::string ToltAdapter::spec_field(std::string_view f) {
  if (f == "link.value" || f == "link") return "referral_key";
  if (f == "company_name") return "company";
  if (f == "country_code") return "country";
  if (f == "group_id") return "group";
  if (f == "display_name") return "name";
  if (f == "notify_partner") return "invite";
  if (f == "program_id") return "settings.program_id";
  return std::string(f);
}

pk::Result<pk::EncodedRequest> ToltAdapter::encode(const pk::PartnerSpec& spec,
                                                   const pk::VendorConfig& config) const {
  if (auto e = check_api_key(vendor, config.api_key)) return *e;
  const json::value* program = config.settings.if_contains("program_id");
  if (!program || !program->is_string() || program->as_string().empty())
    return pk::Error::make(pk::errc::invalid_input,
                           "tolt needs settings.program_id: the id (prg_...) of the program partners join",
                           "settings.program_id");

  pk::EncodedRequest out;
  Dropper drop(vendor, config.strict, &out.warnings);
  if (spec.image) drop.cannot_carry("image");
  if (spec.description) drop.cannot_carry("description");
  if (!spec.tags.empty()) drop.cannot_carry("tags");
  if (spec.partner_type) drop.cannot_carry("partner_type");
  if (spec.referrer) drop.cannot_carry("referrer");
  if (!spec.contacts.empty()) drop.cannot_carry("contacts");
  if (spec.password) drop.cannot_carry("password");
  if (spec.link) drop.cannot_carry("link");
  if (!spec.custom_fields.empty()) drop.cannot_carry("custom_fields");
  if (drop.failed()) return drop.error();

  // Names: first/last as given, else the full name split once at its first space; a full name given
  // beside first/last becomes display_name.
  const NameParts names = split_name(spec);
  std::optional<std::string_view> display;
  if (spec.name && (spec.first_name || spec.last_name)) display = *spec.name;
  for (auto [field, value, max] : {std::tuple{"first_name", names.first, 150},
                                   std::tuple{"last_name", names.last, 150}, std::tuple{"name", display, 150},
                                   std::tuple{"company", std::optional<std::string_view>(spec.company), 255}})
    if (value)
      if (auto e = check_length(field, *value, static_cast<std::size_t>(max))) return std::move(*e);

  std::string body;
  BodyWriter b(body, overrides_for(spec, vendor));
  b.string_member("email", spec.email);
  b.string_member("program_id", program->as_string());
  if (names.first && !names.first->empty()) b.string_member("first_name", *names.first);
  if (names.last && !names.last->empty()) b.string_member("last_name", *names.last);
  if (display) b.string_member("display_name", *display);
  if (spec.company) b.string_member("company_name", *spec.company);
  if (spec.country) b.string_member("country_code", *spec.country);
  if (spec.external_id) b.string_member("external_id", *spec.external_id);
  if (spec.group) b.string_member("group_id", *spec.group);
  if (spec.referral_key && b.member("link")) {
    b.json().begin_object();
    b.json().key("value");
    b.json().string(*spec.referral_key);
    b.json().end_object();
  }
  if (spec.invite && b.member("notify_partner")) b.json().boolean(*spec.invite);
  b.finish();
  if (!b.json().utf8_ok()) return bad_utf8_error(vendor, std::string(b.json().bad_utf8_key()));

  out.request.method = "POST";
  out.request.url = request_url(config, default_base_url, path);
  out.request.headers = json_headers(config.api_key);
  out.request.body = std::move(body);
  return out;
}

pk::Result<pk::Partner> ToltAdapter::decode(const pk::HttpResponse& response,
                                            const pk::DecodeContext& context) const {
  json::value v;
  const bool parsed = parse_json(response.body, v);

  if (response.status < 200 || response.status >= 300) {
    pk::Error e = pk::error_from_response(response, now_of(context));
    const json::object* o = parsed ? v.if_object() : nullptr;
    if (!o) return e;
    std::string code;
    if (const auto* c = string_member(*o, "code")) code = std::string(*c);
    if (const auto* m = string_member(*o, "message")) e.message = capped(*m);
    if (const auto* d = string_member(*o, "doc_url")) e.doc_url = capped(*d);
    if (const auto* err = o->if_contains("error"); err && err->is_object()) {  // the 429 shape
      if (const auto* m = string_member(err->as_object(), "message")) e.message = capped(*m);
      if (const auto* t = string_member(err->as_object(), "type"); t && code.empty()) code = std::string(*t);
    }
    e.vendor_code = capped(code, 64);
    if (const auto* errs = o->if_contains("errors"); errs && errs->is_array()) {
      for (const auto& item : errs->as_array()) {
        const auto* io = item.if_object();
        if (!io) continue;
        const auto* f = string_member(*io, "field");
        const auto* m = string_member(*io, "message");
        if (!f && !m) continue;
        e.issues.push_back({f ? spec_field(capped(*f, 128)) : std::string(), m ? capped(*m) : std::string()});
        if (e.issues.size() >= 32) break;
      }
      if (!e.issues.empty()) e.field = e.issues.front().field;
    }
    if (code == "already_exists")
      e.code = pk::errc::already_exists;
    else if (code == "validation_error" || code == "bad_request" || code == "invalid_cursor")
      e.code = pk::errc::rejected;
    else if (code == "invalid_reference")
      e.code = pk::errc::not_found;
    else if (code == "unauthorized")
      e.code = pk::errc::unauthenticated;
    else if (code == "forbidden")
      e.code = pk::errc::permission_denied;
    else if (code == "rate_limited" || code == "rate_limit_error")
      e.code = pk::errc::rate_limited;
    e.retryable = pk::is_retryable(e.code);
    return e;
  }

  // 2xx: the partner, or a protocol error.
  if (!parsed)
    return protocol_error(response,
                          "tolt answered " + std::to_string(response.status) + " without a JSON body");
  const json::object* root = v.if_object();
  if (!root) return protocol_error(response, "tolt's answer is not a JSON object");
  if (const auto* s = root->if_contains("success"); s && s->is_bool() && !s->as_bool())
    return protocol_error(response,
                          "tolt answered " + std::to_string(response.status) + " with success false");
  const json::value* data = root->if_contains("data");
  if (data && data->is_array() && data->as_array().size() == 1) data = &data->as_array()[0];  // v1 shape
  const json::object* p = data ? data->if_object() : nullptr;
  if (!p) return protocol_error(response, "tolt's answer has no data object", "data");
  const auto* id = string_member(*p, "id");
  if (!id || id->empty()) return protocol_error(response, "tolt's partner has no id", "data.id");
  const auto* email = string_member(*p, "email");
  if (!email) return protocol_error(response, "tolt's partner has no email", "data.email");
  // An answer about someone else is not the partner we sent (found by the kit's decode fuzzer).
  // (A find by external id, a get or a suspend names no email: nothing to compare then.)
  if (context.spec && !context.spec->email.empty() && !same_email(context.spec->email, *email))
    return protocol_error(response, "tolt's partner has another email than the one sent", "email");

  pk::Partner out;
  out.vendor = std::string(vendor);
  out.id = std::string(*id);
  out.email = std::string(*email);
  if (const auto* d = string_member(*p, "display_name"); d && !d->empty()) {
    out.name = std::string(*d);
  } else {
    const auto* f = string_member(*p, "first_name");
    const auto* l = string_member(*p, "last_name");
    if (f) out.name = std::string(*f);
    if (l && !l->empty()) out.name += (out.name.empty() ? "" : " ") + std::string(*l);
  }
  if (const auto* s = string_member(*p, "status")) {
    bool known = false;
    out.status = status_of(*s, known);
    out.status_raw = capped(*s, 64);
    if (!known) out.warnings.push_back("tolt status '" + out.status_raw + "' is not one partnerkit knows");
  } else {
    out.status = pk::PartnerStatus::unknown;
    out.warnings.push_back("tolt's partner has no status");
  }
  if (const auto* l = p->if_contains("link"); l && l->is_object()) {
    pk::ReferralLink link;
    const auto& lo = l->as_object();
    if (const auto* x = string_member(lo, "id")) link.id = std::string(*x);
    if (const auto* x = string_member(lo, "value")) link.key = std::string(*x);
    if (const auto* x = string_member(lo, "url")) link.url = std::string(*x);
    if (!link.id.empty() || !link.key.empty() || !link.url.empty()) out.links.push_back(std::move(link));
  }
  if (const auto* c = string_member(*p, "created_at")) out.created_at = std::string(*c);
  out.outcome = pk::Outcome::created;
  out.raw = std::move(v);
  return out;
}

// ---- operations beyond create ----

namespace {

std::optional<pk::Error> check_request(const pk::VendorConfig& config, std::string_view id) {
  if (auto e = check_api_key(ToltAdapter::vendor, config.api_key)) return e;
  return check_partner_id(ToltAdapter::vendor, id);
}

pk::Result<pk::Partner> checked(pk::Result<pk::Partner> p, const pk::HttpResponse& response,
                                std::string_view id, pk::Outcome outcome) {
  if (!p) return p;
  if (!id.empty() && p->id != id)
    return protocol_error(response, "tolt answered about another partner than the one asked for",
                          "partner_id");
  p->outcome = outcome;
  return p;
}

}  // namespace

pk::Result<pk::EncodedRequest> ToltAdapter::encode_find(const pk::FindQuery& query,
                                                        const pk::VendorConfig& config) const {
  if (query.key == pk::FindQuery::Key::email)
    return pk::Error::make(pk::errc::unsupported_operation,
                           "tolt: find by email is not offered; find by external_id", "query");
  if (query.key == pk::FindQuery::Key::vendor_id) return encode_get(query.value, config);
  if (auto e = check_request(config, query.value)) return *e;
  pk::EncodedRequest out;
  out.request.method = "GET";
  out.request.url =
      request_url(config, default_base_url, path) + "?external_id=" + url_component(query.value);
  out.request.headers = accept_headers(config.api_key);
  return out;
}

pk::Result<std::vector<pk::Partner>> ToltAdapter::decode_find(const pk::HttpResponse& response,
                                                              const pk::DecodeContext& context) const {
  const pk::FindQuery* query = context.query;
  std::vector<pk::Partner> out;
  if (query && query->key == pk::FindQuery::Key::vendor_id) {
    if (response.status == 404) return out;
    auto p = checked(decode(response, context), response, query->value, pk::Outcome::existing);
    if (!p) return p.error();
    out.push_back(std::move(*p));
    return out;
  }
  if (response.status < 200 || response.status >= 300) {
    auto e = decode(response, context);
    return e.error();
  }
  json::value v;
  if (!parse_json(response.body, v)) return protocol_error(response, "tolt's partner list is not JSON");
  const json::object* root = v.if_object();
  const json::value* data = root ? root->if_contains("data") : nullptr;
  if (!data || !data->is_array())
    return protocol_error(response, "tolt's partner list has no data array", "data");
  for (const auto& item : data->as_array()) {
    pk::HttpResponse one;
    one.status = response.status;  // a 2xx here; an error about this item carries the real status
    one.body = json::serialize(json::object{{"success", true}, {"data", item}});
    auto p = decode(one, context);
    if (!p) return p.error();
    const auto* o = item.if_object();
    const auto* ext = o ? string_member(*o, "external_id") : nullptr;
    if (query && (!ext || *ext != query->value)) continue;  // exact on our side
    p->outcome = pk::Outcome::existing;
    out.push_back(std::move(*p));
  }
  if (out.size() > 1)
    return protocol_error(
        response, "tolt returned more than one partner for one external_id (it is unique per program)");
  return out;
}

pk::Result<pk::EncodedRequest> ToltAdapter::encode_get(std::string_view partner_id,
                                                       const pk::VendorConfig& config) const {
  if (auto e = check_request(config, partner_id)) return *e;
  pk::EncodedRequest out;
  out.request.method = "GET";
  out.request.url = request_url(config, default_base_url, path) + "/" + url_component(partner_id);
  out.request.headers = accept_headers(config.api_key);
  return out;
}

pk::Result<pk::Partner> ToltAdapter::decode_get(const pk::HttpResponse& response,
                                                const pk::DecodeContext& context) const {
  return checked(decode(response, context), response, context.partner_id, pk::Outcome::existing);
}

pk::Result<pk::EncodedRequest> ToltAdapter::encode_deactivate(std::string_view partner_id,
                                                              const pk::DeactivateOptions& options,
                                                              const pk::VendorConfig& config) const {
  if (auto e = check_request(config, partner_id)) return *e;
  if (options.permanent)
    return pk::Error::make(pk::errc::invalid_input, "tolt has no permanent deactivate (only suspend)",
                           "permanent");
  json::object body;
  if (!options.reason.empty()) body["suspension_reason"] = options.reason;
  pk::EncodedRequest out;
  out.request.method = "POST";
  out.request.url =
      request_url(config, default_base_url, path) + "/" + url_component(partner_id) + "/suspend";
  out.request.headers = json_headers(config.api_key);
  out.request.body = json::serialize(body);
  return out;
}

pk::Result<pk::Partner> ToltAdapter::decode_deactivate(const pk::HttpResponse& response,
                                                       const pk::DecodeContext& context) const {
  return checked(decode(response, context), response, context.partner_id, pk::Outcome::updated);
}

pk::Capabilities ToltAdapter::capabilities() const {
  pk::Capabilities c;
  c.fields = {"email",       "name",    "first_name", "last_name", "company",         "referral_key",
              "external_id", "country", "group",      "invite",    "vendor_overrides"};
  c.mappings = {
      {"email", "email"},
      {"name", "first_name + last_name (split once at the first space); display_name when both are given"},
      {"first_name", "first_name"},
      {"last_name", "last_name"},
      {"company", "company_name"},
      {"referral_key", "link.value"},
      {"external_id", "external_id"},
      {"country", "country_code"},
      {"group", "group_id"},
      {"invite", "notify_partner"},
      {"vendor_overrides", "vendor_overrides.tolt merged into the body last"},
  };
  c.create = pk::CreateSemantics::create;
  c.error_shape = R"({"success":false,"message","code","doc_url","errors":[{"field","message"}]})";
  c.rate_limit_headers = {"Retry-After"};
  c.rate_limit = pk::RateLimit::per_second(25);
  c.notes =
      "POST /v2/partners creates (409 already_exists naming email, link.value or external_id). program_id "
      "comes from settings.program_id. 25 requests/s per API key (Tolt's documented limit).";
  c.default_base_url = std::string(default_base_url);
  c.operations.find_by_external_id = true;
  c.operations.find_by_vendor_id = true;
  c.operations.get = true;
  c.operations.deactivate = true;
  c.operations.deactivate_semantics =
      "suspend: POST /v2/partners/{id}/suspend with the reason as suspension_reason (reversible in Tolt); "
      "no permanent form";
  return c;
}

}  // namespace tolt
