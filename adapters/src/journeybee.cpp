#include <partnerkit/adapters/journeybee.hpp>
#include <partnerkit/http_errors.hpp>
#include <partnerkit/validation.hpp>

#include <partnerkit/adapter_kit.hpp>

#include <charconv>
#include <limits>

namespace partnerkit {
namespace {

using namespace adapter_kit;

constexpr Carried carried[] = {
    {"email", "emails[0].email"},
    {"name", "emails[0].firstName / lastName (split once at the first space); name when no company"},
    {"first_name", "emails[0].firstName"},
    {"last_name", "emails[0].lastName"},
    {"company", "name (falls back to the full name, then the email domain)"},
    {"country", "countryId via settings.country_ids"},
    {"tags", "tags via settings.tag_ids"},
    {"group", "tierId via settings.tier_ids"},
    {"partner_type", "partnerType (default referral)"},
    {"contacts", "emails[1..] {email, firstName, lastName}"},
    {"invite", "inactive = !invite"},
    {"custom_fields", "customFields [{customFieldId, type, value}]"},
    {"vendor_overrides", "vendor_overrides.journeybee merged into the body last"}};

// Whether a success body names partners (an "email", or "emails" [{email}], at the top or under
// "data" / "partnership") none of which is the one sent: an answer about someone else. Linear.
bool names_another_partner(const boost::json::object& body, std::string_view sent) {
  bool named = false;
  bool ours = false;
  const auto scan = [&](const boost::json::object& o) {
    if (const auto* e = string_member(o, "email")) {
      named = true;
      ours = ours || same_email(sent, *e);
    }
    if (const auto* a = o.if_contains("emails"); a && a->is_array())
      for (const auto& c : a->get_array())
        if (const auto* co = c.if_object())
          if (const auto* e = string_member(*co, "email")) {
            named = true;
            ours = ours || same_email(sent, *e);
          }
  };
  scan(body);
  for (const char* key : {"data", "partnership"})
    if (const auto* inner = body.if_contains(key); inner && inner->is_object()) scan(inner->get_object());
  return named && !ours;
}

// The partnership name: company, else the person's full name, else the email's domain.
std::string partnership_name(const PartnerSpec& spec) {
  if (spec.company) return *spec.company;
  if (auto n = full_name(spec)) return *n;
  const auto at = spec.email.rfind('@');
  return at == std::string::npos ? spec.email : spec.email.substr(at + 1);
}

// One id map of the settings ("country_ids", "tag_ids", "tier_ids").
struct IdMap {
  const boost::json::object* map = nullptr;
  std::string setting;  // "settings.country_ids"
};

enum class Lookup { found, missing, bad };

// Looks up key (case-insensitively when ci) in the map; the id must be an integer (or a string of digits).
Lookup lookup_id(const IdMap& m, std::string_view key, bool ci, std::int64_t& out) {
  if (!m.map) return Lookup::missing;
  const boost::json::value* v = m.map->if_contains(boost::json::string_view(key.data(), key.size()));
  if (!v && ci) {
    for (const auto& kv : *m.map)
      if (iequals(std::string_view(kv.key().data(), kv.key().size()), key)) {
        v = &kv.value();
        break;
      }
  }
  if (!v) return Lookup::missing;
  if (v->is_int64()) {
    out = v->get_int64();
    return Lookup::found;
  }
  if (v->is_uint64() &&
      v->get_uint64() <= static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max())) {
    out = static_cast<std::int64_t>(v->get_uint64());
    return Lookup::found;
  }
  if (const auto* s = v->if_string(); s && !s->empty()) {
    auto r = std::from_chars(s->data(), s->data() + s->size(), out);
    if (r.ec == std::errc{} && r.ptr == s->data() + s->size()) return Lookup::found;
  }
  return Lookup::bad;
}

Error bad_setting(std::string field, std::string message) {
  Error e = Error::make(errc::invalid_input, message, field);
  e.issues.push_back(FieldIssue{std::move(field), std::move(message)});
  return e;
}

// settings[name] as an object map; an error when it is set to anything else.
Result<IdMap> id_map(const VendorConfig& config, std::string_view name) {
  IdMap m;
  m.setting = "settings." + std::string(name);
  const auto* v = config.settings.if_contains(boost::json::string_view(name.data(), name.size()));
  if (!v || v->is_null()) return m;
  if (!v->is_object()) return bad_setting(m.setting, m.setting + " must be an object of name -> integer id");
  m.map = &v->get_object();
  return m;
}

Error bad_id(const IdMap& m, std::string_view key) {
  std::string field = m.setting + "." + std::string(key);
  return bad_setting(field, field + " must be an integer id");
}

// The id `key` has in settings[setting] (compared case-insensitively when ci). A key the map lacks (or no
// map) is dropped as `field` with `message`: nullopt. A malformed map or id is invalid_input.
Result<std::optional<std::int64_t>> mapped_id(const VendorConfig& config, std::string_view setting,
                                              std::string_view key, bool ci, Dropper& drop, std::string field,
                                              std::string message) {
  auto m = id_map(config, setting);
  if (!m) return m.error();
  std::int64_t id = 0;
  switch (lookup_id(*m, key, ci, id)) {
    case Lookup::found:
      return std::optional<std::int64_t>(id);
    case Lookup::bad:
      return bad_id(*m, key);
    case Lookup::missing:
      break;
  }
  drop.drop(std::move(field), std::move(message));
  return std::optional<std::int64_t>();
}

void write_contact(JsonWriter& w, std::string_view email, std::optional<std::string_view> first,
                   std::optional<std::string_view> last) {
  w.string_object({{"email", email}, {"firstName", first}, {"lastName", last}});
}

}  // namespace

Result<std::string> JourneyBeeAdapter::encode_body(const PartnerSpec& spec, const VendorConfig& config,
                                                   std::vector<std::string>* warnings) {
  Dropper drop(vendor, config.strict, warnings);
  drop.drop_undeclared(spec, carried);

  // Ids through the configured maps; a value a map lacks is dropped (a warning, or strict's error).
  std::optional<std::int64_t> country_id;
  if (spec.country) {
    auto id =
        mapped_id(config, "country_ids", *spec.country, true, drop, "country",
                  "journeybee has no countryId for country \"" + *spec.country + "\" (settings.country_ids)");
    if (!id) return id.error();
    country_id = *id;
  }
  std::optional<std::int64_t> tier_id;
  if (spec.group) {
    auto id = mapped_id(config, "tier_ids", *spec.group, false, drop, "group",
                        "journeybee has no tierId for group \"" + *spec.group + "\" (settings.tier_ids)");
    if (!id) return id.error();
    tier_id = *id;
  }
  std::vector<std::int64_t> tag_ids;
  tag_ids.reserve(spec.tags.size());
  for (std::size_t i = 0; i < spec.tags.size(); ++i) {
    auto id = mapped_id(config, "tag_ids", spec.tags[i], false, drop, "tags[" + std::to_string(i) + "]",
                        "journeybee has no tag id for tag \"" + spec.tags[i] + "\" (settings.tag_ids)");
    if (!id) return id.error();
    if (*id) tag_ids.push_back(**id);
  }
  if (drop.failed()) return drop.error();

  std::string body;
  body.reserve(160 + spec.email.size());
  BodyWriter b(body, overrides_for(spec, vendor));
  JsonWriter& w = b.json();
  if (b.member("name")) w.string(partnership_name(spec));
  if (b.member("emails")) {
    w.begin_array();
    const NameParts names = split_name(spec);
    write_contact(w, spec.email, names.first, names.last);
    for (const auto& c : spec.contacts) {
      std::optional<std::string_view> f, l;
      if (c.first_name) f = *c.first_name;
      if (c.last_name) l = *c.last_name;
      write_contact(w, c.email, f, l);
    }
    w.end_array();
  }
  b.string_member("partnerType", to_string(spec.partner_type.value_or(PartnerType::referral)));
  if (tier_id && b.member("tierId")) w.int64(*tier_id);
  if (spec.invite && b.member("inactive")) w.boolean(!*spec.invite);
  if (country_id && b.member("countryId")) w.int64(*country_id);
  if (!tag_ids.empty() && b.member("tags")) {
    w.begin_array();
    for (auto id : tag_ids) w.int64(id);
    w.end_array();
  }
  if (!spec.custom_fields.empty() && b.member("customFields")) {
    w.begin_array();
    for (const auto& cf : spec.custom_fields) {
      w.begin_object();
      w.key("customFieldId");
      w.int64(cf.id);
      w.key("type");
      w.string(cf.type);
      w.key("value");
      w.begin_object();
      w.key(cf.type);
      w.value(cf.value);
      w.end_object();
      w.end_object();
    }
    w.end_array();
  }
  b.finish();
  if (!w.utf8_ok()) {
    const std::string_view k = w.bad_utf8_key();
    std::string field = k == "name"        ? (spec.company ? "company" : "name")
                        : k == "email"     ? "email"
                        : k == "firstName" ? "first_name"
                        : k == "lastName"  ? "last_name"
                                           : std::string(k);
    return bad_utf8_error(vendor, std::move(field));
  }
  return body;
}

Result<EncodedRequest> JourneyBeeAdapter::encode(const PartnerSpec& spec, const VendorConfig& config) const {
  if (auto e = check_api_key(vendor, config.api_key)) return *e;
  std::string p(path);
  if (const auto* cid = config.settings.if_contains("company_id"); cid && !cid->is_null()) {
    std::string id;
    if (const auto* s = cid->if_string(); s && !s->empty())
      id = url_component(*s);
    else if (cid->is_int64())
      id = std::to_string(cid->get_int64());
    else if (cid->is_uint64())
      id = std::to_string(cid->get_uint64());
    else
      return bad_setting("settings.company_id",
                         "settings.company_id must be a non-empty string or an integer");
    p = "/api/v1/companies/" + id + "/partnerships";
  }
  EncodedRequest out;
  auto body = encode_body(spec, config, &out.warnings);
  if (!body) return body.error();
  out.request = {"POST", request_url(config, default_base_url, p), json_headers(config.api_key),
                 std::move(*body)};
  return out;
}

Error JourneyBeeAdapter::decode_error(const HttpResponse& response, const DecodeContext& context) {
  ErrorAnswer answer = error_answer(response, context);
  Error& e = answer.error;
  if (response.status == 406) {
    e.code = errc::rejected;  // invalid email domains, or partnering with oneself
    e.retryable = false;
  } else if (response.status == 409) {
    e.code = errc::already_exists;  // a partnership with this company exists
    e.retryable = false;
  }
  const auto* obj = answer.object();
  if (!obj) return e;
  if (const auto* inner = object_member(*obj, "error")) {  // the newer API's {"error":{"code","message"}}
    read_error_members(e, *inner, {.doc_url = ""});
  } else {  // {"error":"..."}, else {"message":"..."}
    read_error_members(e, *obj, {.code = "", .doc_url = ""});
    read_error_members(e, *obj, {.message = "error", .code = "", .doc_url = ""});
  }
  return e;
}

Result<Partner> JourneyBeeAdapter::decode(const HttpResponse& response, const DecodeContext& context) const {
  if (response.status < 200 || response.status > 299) return decode_error(response, context);
  Partner p;
  p.vendor = std::string(vendor);
  if (!is_blank(response.body)) {
    boost::json::value v;
    if (!parse_json(response.body, v))
      return protocol_error(response,
                            "journeybee: the success body is not JSON, or is too large or too deeply nested");
    if (!v.is_object()) return protocol_error(response, "journeybee: the success body is not a JSON object");
    // The documented 201 names no partner; an answer that does must name the one sent.
    if (context.spec && names_another_partner(v.get_object(), context.spec->email))
      return protocol_error(
          response, "journeybee: the partnership returned has another email than the one sent", "email");
    p.raw = std::move(v);
  }
  const PartnerSpec* spec = context.spec;
  if (spec) {
    p.email = spec->email;
    p.name = partnership_name(*spec);
  }
  // Created inactive sends no invitation: pending. Otherwise the invitation awaits the partner.
  const bool inactive = spec && spec->invite && !*spec->invite;
  p.status = inactive ? PartnerStatus::pending : PartnerStatus::invited;
  p.outcome = Outcome::created;
  return p;
}

std::vector<FieldIssue> JourneyBeeAdapter::validate(const PartnerSpec& spec) const {
  // vendor-docs 004: each custom field's value matches its type.
  std::vector<FieldIssue> issues;
  for (std::size_t i = 0; i < spec.custom_fields.size(); ++i)
    rules::custom_field(issues, i, spec.custom_fields[i]);
  return issues;
}

Capabilities JourneyBeeAdapter::capabilities() const {
  Capabilities c;
  declare_fields(c, carried);
  c.create = CreateSemantics::create;
  c.error_shape = R"({"error":"..."})";
  c.rate_limit_headers = {"Retry-After"};
  c.rate_limit = RateLimit::per_minute(100);
  c.notes =
      "Legacy API of app.journeybee.io: 100 requests/minute, 429 when exceeded. Create returns no "
      "partnership id (201 with no body or {\"status\",\"message\"}); a retried create is reconciled "
      "by its 409. country, tags and group need the settings maps country_ids, tag_ids, tier_ids; "
      "company_id selects /api/v1/companies/{id}/partnerships.";
  c.default_base_url = std::string(default_base_url);
  return c;
}

}  // namespace partnerkit
