#include <tolt/tolt_adapter.hpp>

#include <partnerkit/adapter_kit.hpp>

#include <optional>

namespace tolt {

namespace pk = partnerkit;
namespace json = boost::json;
using namespace partnerkit::adapter_kit;

namespace {

constexpr Carried carried[] = {
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
    {"vendor_overrides", "vendor_overrides.tolt merged into the body last"}};

constexpr VendorStatus statuses[] = {{"active", pk::PartnerStatus::active},
                                     {"pending", pk::PartnerStatus::pending},
                                     {"rejected", pk::PartnerStatus::rejected},
                                     {"suspended", pk::PartnerStatus::deactivated}};

constexpr VendorCode codes[] = {
    {"already_exists", pk::errc::already_exists}, {"validation_error", pk::errc::rejected},
    {"bad_request", pk::errc::rejected},          {"invalid_cursor", pk::errc::rejected},
    {"invalid_reference", pk::errc::not_found},   {"unauthorized", pk::errc::unauthenticated},
    {"forbidden", pk::errc::permission_denied},   {"rate_limited", pk::errc::rate_limited},
    {"rate_limit_error", pk::errc::rate_limited}};

// A Tolt request field ("link.value", "company_name") as a PartnerSpec path ("referral_key", "company");
// unknown names are returned unchanged.
std::string spec_field(std::string_view f) {
  if (f == "display_name") return "name";
  if (f == "program_id") return "settings.program_id";
  return std::string(carried_field(carried, f).value_or(f));
}

// A full name given beside first/last names is Tolt's display_name.
std::optional<std::string_view> display_name(const pk::PartnerSpec& spec) {
  if (spec.name && (spec.first_name || spec.last_name)) return *spec.name;
  return std::nullopt;
}

pk::Error error_from(const pk::HttpResponse& response, const pk::DecodeContext& context) {
  ErrorAnswer a = error_answer(response, context);
  const json::object* o = a.object();
  if (!o) return a.error;
  read_error_members(a.error, *o);
  if (const auto* rate = object_member(*o, "error"))  // the 429's shape
    read_error_members(a.error, *rate, {.message = "message", .code = "type", .doc_url = ""});
  if (const auto* errors = array_member(*o, "errors")) add_field_issues(a.error, *errors, spec_field);
  apply_code_table(a.error, a.error.vendor_code, codes);
  return a.error;
}

// One partner object of an answer. With context.partner_id set, it must be that partner.
pk::Result<pk::Partner> partner_from(const json::object& o, const pk::HttpResponse& response,
                                     const pk::DecodeContext& context, pk::Outcome outcome) {
  const auto* id = string_member(o, "id");
  if (!id || id->empty()) return protocol_error(response, "tolt: the partner has no id", "data.id");
  const auto* email = string_member(o, "email");
  if (!email) return protocol_error(response, "tolt: the partner has no email", "data.email");
  if (auto e = check_sent_email(response, context, ToltAdapter::vendor, *email)) return std::move(*e);
  pk::Partner p;
  p.vendor = std::string(ToltAdapter::vendor);
  p.id = std::string(*id);
  if (auto e = check_addressed_id(response, context, ToltAdapter::vendor, p.id)) return std::move(*e);
  p.email = std::string(*email);
  const auto* display = string_member(o, "display_name");
  p.name = display && !display->empty()
               ? std::string(*display)
               : joined_name(string_member(o, "first_name"), string_member(o, "last_name"));
  set_status(p, ToltAdapter::vendor, string_member(o, "status"), statuses);
  if (const auto* l = object_member(o, "link"))
    if (auto link = link_from(*l, {.key = "value", .domain = ""})) p.links.push_back(std::move(*link));
  if (const auto* c = string_member(o, "created_at")) p.created_at = std::string(*c);
  p.outcome = outcome;
  return p;
}

// {"success":true,"data":{partner}} (or v1's "data":[partner]) as a Partner, or the error answered.
pk::Result<pk::Partner> decode_partner(const pk::HttpResponse& response, const pk::DecodeContext& context,
                                       pk::Outcome outcome) {
  if (response.status < 200 || response.status > 299) return error_from(response, context);
  auto v = success_object(response, ToltAdapter::vendor);
  if (!v) return v.error();
  const json::object& root = v->get_object();
  if (const auto* s = root.if_contains("success"); s && s->is_bool() && !s->get_bool())
    return protocol_error(response, "tolt: a " + std::to_string(response.status) + " saying success false");
  const json::value* data = root.if_contains("data");
  if (const auto* list = data ? data->if_array() : nullptr; list && list->size() == 1) data = &list->front();
  const json::object* o = data ? data->if_object() : nullptr;
  if (!o) return protocol_error(response, "tolt: the answer has no data object", "data");
  auto p = partner_from(*o, response, context, outcome);
  if (p) p->raw = std::move(*v);
  return p;
}

}  // namespace

std::vector<pk::FieldIssue> ToltAdapter::validate(const pk::PartnerSpec& spec) const {
  std::vector<pk::FieldIssue> issues;  // blank names never get here: validated() drops them
  const NameParts names = split_name(spec);
  if (names.first) max_code_points(issues, spec.first_name ? "first_name" : "name", *names.first, 150);
  if (names.last) max_code_points(issues, spec.last_name ? "last_name" : "name", *names.last, 150);
  if (auto d = display_name(spec)) max_code_points(issues, "name", *d, 150);
  if (spec.company) max_code_points(issues, "company", *spec.company, 255);
  return issues;
}

pk::Result<pk::EncodedRequest> ToltAdapter::encode(const pk::PartnerSpec& spec,
                                                   const pk::VendorConfig& config) const {
  if (auto e = check_api_key(vendor, config.api_key)) return *e;
  const auto* program = string_member(config.settings, "program_id");
  if (!program || program->empty())
    return pk::Error::make(pk::errc::invalid_input,
                           "tolt needs settings.program_id: the id (prg_...) of the program partners join",
                           "settings.program_id");
  pk::EncodedRequest out;
  Dropper drop(vendor, config.strict, &out.warnings);
  drop.drop_undeclared(spec, carried);
  if (drop.failed()) return drop.error();

  const NameParts names = split_name(spec);
  std::string body;
  BodyWriter b(body, overrides_for(spec, vendor));
  b.string_member("email", spec.email);
  b.string_member("program_id", *program);
  if (names.first && !names.first->empty()) b.string_member("first_name", *names.first);
  if (names.last && !names.last->empty()) b.string_member("last_name", *names.last);
  if (auto d = display_name(spec)) b.string_member("display_name", *d);
  if (spec.company) b.string_member("company_name", *spec.company);
  if (spec.country) b.string_member("country_code", *spec.country);
  if (spec.external_id) b.string_member("external_id", *spec.external_id);
  if (spec.group) b.string_member("group_id", *spec.group);
  if (spec.referral_key && b.member("link")) b.json().string_object({{"value", *spec.referral_key}});
  if (spec.invite && b.member("notify_partner")) b.json().boolean(*spec.invite);
  b.finish();
  if (!b.json().utf8_ok()) return bad_utf8_error(vendor, spec_field(b.json().bad_utf8_key()));
  out.request = {"POST", request_url(config, default_base_url, path), json_headers(config.api_key),
                 std::move(body)};
  return out;
}

pk::Result<pk::Partner> ToltAdapter::decode(const pk::HttpResponse& response,
                                            const pk::DecodeContext& context) const {
  return decode_partner(response, context, pk::Outcome::created);  // Tolt creates; a repeat is a 409
}

pk::Result<pk::EncodedRequest> ToltAdapter::encode_find(const pk::FindQuery& query,
                                                        const pk::VendorConfig& config) const {
  if (query.key == pk::FindQuery::Key::email)
    return pk::Error::make(pk::errc::unsupported_operation,
                           "tolt: find by email is not offered; find by external_id", "query");
  if (query.key == pk::FindQuery::Key::vendor_id) return encode_get(query.value, config);
  if (auto e = check_partner_request(vendor, config, query.value)) return *e;
  return bodiless_request(
      "GET", request_url(config, default_base_url, path) + "?external_id=" + url_component(query.value),
      bearer_auth(config.api_key));
}

pk::Result<std::vector<pk::Partner>> ToltAdapter::decode_find(const pk::HttpResponse& response,
                                                              const pk::DecodeContext& context) const {
  const pk::FindQuery* query = context.query;
  if (query && query->key == pk::FindQuery::Key::vendor_id) return find_through_get(*this, response, context);
  std::vector<pk::Partner> out;
  if (response.status < 200 || response.status > 299) return error_from(response, context);
  auto v = success_object(response, vendor);
  if (!v) return v.error();
  const auto* data = array_member(v->get_object(), "data");
  if (!data) return protocol_error(response, "tolt: the partner list has no data array", "data");
  for (const auto& item : *data) {
    const auto* o = item.if_object();
    if (!o) return protocol_error(response, "tolt: an entry of the partner list is not an object", "data");
    const auto* ext = string_member(*o, "external_id");
    if (query && (!ext || *ext != query->value)) continue;  // exact on our side
    auto p = partner_from(*o, response, context, pk::Outcome::existing);
    if (!p) return p.error();
    p->raw = item;
    out.push_back(std::move(*p));
  }
  if (out.size() > 1)
    return protocol_error(response, "tolt: more than one partner for one external_id (unique per program)");
  return out;
}

pk::Result<pk::EncodedRequest> ToltAdapter::encode_get(std::string_view partner_id,
                                                       const pk::VendorConfig& config) const {
  if (auto e = check_partner_request(vendor, config, partner_id)) return *e;
  return bodiless_request("GET", resource_url(config, default_base_url, path, partner_id),
                          bearer_auth(config.api_key));
}

pk::Result<pk::Partner> ToltAdapter::decode_get(const pk::HttpResponse& response,
                                                const pk::DecodeContext& context) const {
  return decode_partner(response, context, pk::Outcome::existing);
}

pk::Result<pk::EncodedRequest> ToltAdapter::encode_deactivate(std::string_view partner_id,
                                                              const pk::DeactivateOptions& options,
                                                              const pk::VendorConfig& config) const {
  if (auto e = check_partner_request(vendor, config, partner_id)) return *e;
  if (options.permanent)
    return pk::Error::make(pk::errc::invalid_input, "tolt has no permanent deactivate (only suspend)",
                           "permanent");
  std::string body;
  BodyWriter b(body, nullptr);
  if (!options.reason.empty()) b.string_member("suspension_reason", options.reason);
  b.finish();
  if (!b.json().utf8_ok()) return bad_utf8_error(vendor, "reason");
  pk::EncodedRequest out;
  out.request = {"POST", resource_url(config, default_base_url, path, partner_id) + "/suspend",
                 json_headers(config.api_key), std::move(body)};
  return out;
}

pk::Result<pk::Partner> ToltAdapter::decode_deactivate(const pk::HttpResponse& response,
                                                       const pk::DecodeContext& context) const {
  return decode_partner(response, context, pk::Outcome::updated);
}

pk::Capabilities ToltAdapter::capabilities() const {
  pk::Capabilities c;
  declare_fields(c, carried);
  c.create = pk::CreateSemantics::create;
  c.error_shape = R"({"success":false,"message","code","doc_url","errors":[{"field","message"}]})";
  c.rate_limit_headers = {"Retry-After"};
  c.rate_limit = pk::RateLimit::per_second(25);
  c.notes =
      "POST /v2/partners creates (409 already_exists naming email, link.value or external_id). program_id "
      "comes from settings.program_id. 25 requests/s per API key (Tolt's documented limit).";
  c.default_base_url = std::string(default_base_url);
  c.operations.find_by_external_id = c.operations.find_by_vendor_id = true;
  c.operations.get = c.operations.deactivate = true;
  c.operations.deactivate_semantics =
      "suspend: POST /v2/partners/{id}/suspend with the reason as suspension_reason (reversible in Tolt); "
      "no permanent form";
  return c;
}

}  // namespace tolt
