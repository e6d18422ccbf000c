#include <partnerkit/adapters/partnero.hpp>
#include <partnerkit/http_errors.hpp>
#include <partnerkit/validation.hpp>

#include <partnerkit/adapter_kit.hpp>

#include <unordered_set>

namespace partnerkit {
namespace {

using namespace adapter_kit;

constexpr Carried carried[] = {{"email", "email"},
                               {"name", "name + surname (split once at the first space)"},
                               {"first_name", "name"},
                               {"last_name", "surname"},
                               {"referral_key", "key"},
                               {"external_id", "id"},
                               {"tags", "tags"},
                               {"referrer", "referring_partner {id, key, email}"},
                               {"invite", "true: POST /v1/partners:invite (email, name, surname only)"},
                               {"password", "password (secret, never logged)"},
                               {"vendor_overrides", "vendor_overrides.partnero merged into the body last"}};

// A deleted partner no longer takes part in the program: deactivated is the closest normalized status.
constexpr VendorStatus statuses[] = {{"active", PartnerStatus::active},
                                     {"pending", PartnerStatus::pending},
                                     {"archived", PartnerStatus::archived},
                                     {"deleted", PartnerStatus::deactivated}};

bool is_invite(const PartnerSpec* spec) { return spec && spec->invite.value_or(false); }

bool says_duplicate(std::string_view text) {
  return icontains(text, "already exists") || icontains(text, "already been taken") ||
         icontains(text, "already taken");
}

// A partner built from what was sent, for an invite answered without partner data.
Partner from_spec(const PartnerSpec* spec) {
  Partner p;
  p.vendor = std::string(PartneroAdapter::vendor);
  if (spec) {
    p.email = spec->email;
    p.name = full_name(*spec).value_or("");
  }
  p.status = PartnerStatus::invited;
  p.outcome = Outcome::created;
  return p;
}

constexpr std::size_t min_password = 8;  // vendor-docs 003

}  // namespace

std::vector<FieldIssue> PartneroAdapter::validate(const PartnerSpec& spec) const {
  std::vector<FieldIssue> issues;
  // An invite carries no password and no referrer (encode drops them): their rules don't apply.
  if (spec.invite.value_or(false)) return issues;
  if (spec.password) rules::password_policy(issues, *spec.password, min_password);
  if (spec.referrer && !spec.referrer->id && !spec.referrer->key && !spec.referrer->email)
    issues.push_back({"referrer", "referrer must have at least one of id, key, email"});
  return issues;
}

std::string PartneroAdapter::spec_field(std::string_view f, const PartnerSpec* spec) {
  if (f == "name") return (spec && spec->name && !spec->first_name) ? "name" : "first_name";
  if (f == "surname")
    return (spec && spec->name && !spec->first_name && !spec->last_name) ? "name" : "last_name";
  if (f.starts_with("tags.")) return "tags[" + std::string(f.substr(5)) + "]";
  if (f == "referring_partner") return "referrer";
  if (f.starts_with("referring_partner.")) return "referrer." + std::string(f.substr(18));
  return std::string(carried_field(carried, f).value_or(f));  // email, id, key, tags
}

Result<std::string> PartneroAdapter::encode_body(const PartnerSpec& spec, bool strict,
                                                 std::vector<std::string>* warnings) {
  const bool invite = spec.invite.value_or(false);
  Dropper drop(vendor, strict, warnings);
  drop.drop_undeclared(spec, carried);
  if (invite) {
    // POST /v1/partners:invite takes email, name and surname only.
    const auto invite_drop = [&](const char* field) {
      drop.drop(field, std::string("partnero invite cannot carry ") + field);
    };
    if (spec.password) invite_drop("password");
    if (spec.external_id) invite_drop("external_id");
    if (spec.referral_key) invite_drop("referral_key");
    if (!spec.tags.empty()) invite_drop("tags");
    if (spec.referrer) invite_drop("referrer");
  }
  if (drop.failed()) return drop.error();

  const NameParts names = split_name(spec);
  if (invite && (!names.first || names.first->empty())) {
    Error e = Error::make(errc::invalid_input,
                          "partnero invite needs the partner's first name (name or first_name)",
                          spec.last_name ? "first_name" : "name");
    e.issues.push_back(FieldIssue{e.field, "required by partnero's invite"});
    return e;
  }

  std::string body;
  body.reserve(128 + spec.email.size());
  BodyWriter b(body, overrides_for(spec, vendor));
  JsonWriter& w = b.json();
  b.string_member("email", spec.email);
  if (names.first) b.string_member("name", *names.first);
  if (names.last) b.string_member("surname", *names.last);
  if (!invite) {
    if (spec.password) b.string_member("password", *spec.password);
    if (spec.external_id) b.string_member("id", *spec.external_id);
    if (spec.referral_key) b.string_member("key", *spec.referral_key);
    if (!spec.tags.empty() && b.member("tags")) {
      w.begin_array();
      for (const auto& t : spec.tags) w.string(t);
      w.end_array();
    }
    if (const auto& r = spec.referrer; r && (r->id || r->key || r->email) && b.member("referring_partner"))
      w.string_object({{"id", r->id}, {"key", r->key}, {"email", r->email}});
  }
  b.finish();
  if (!w.utf8_ok()) {
    std::string_view k = w.bad_utf8_key();
    // Nested referring_partner keys collide with top-level names: say referrer for those.
    return bad_utf8_error(vendor, spec_field(k, &spec));
  }
  return body;
}

Result<EncodedRequest> PartneroAdapter::encode(const PartnerSpec& spec, const VendorConfig& config) const {
  if (auto e = check_api_key(vendor, config.api_key)) return *e;
  EncodedRequest out;
  auto body = encode_body(spec, config.strict, &out.warnings);
  if (!body) return body.error();
  out.request = {"POST",
                 request_url(config, default_base_url, spec.invite.value_or(false) ? invite_path : path),
                 json_headers(config.api_key), std::move(*body)};
  return out;
}

Error PartneroAdapter::decode_error(const HttpResponse& response, const DecodeContext& context) {
  ErrorAnswer answer = error_answer(response, context);
  Error& e = answer.error;
  const auto* obj = answer.object();
  if (!obj) return e;

  const PartnerSpec* spec = context.spec;
  std::string all_text;  // every message, to recognise duplicates and unknown referrers
  if (const auto* msg = string_member(*obj, "message"); msg && !msg->empty()) {
    e.vendor_message = capped(*msg);
    all_text.append(*msg).append("\n");
  } else if (const auto* err = string_member(*obj, "error"); err && !err->empty()) {
    e.vendor_message = capped(*err);
    all_text.append(*err).append("\n");
  }
  if (const auto* code = string_member(*obj, "code")) e.vendor_code = capped(*code, 128);

  std::string duplicate_field;
  if (const auto* ev = obj->if_contains("errors"); ev && ev->is_object()) {
    for (const auto& kv : ev->get_object()) {
      std::string_view text;
      if (const auto* s = kv.value().if_string()) {
        text = *s;
      } else if (const auto* a = kv.value().if_array(); a && !a->empty() && a->front().is_string()) {
        text = a->front().get_string();
      }
      std::string field = spec_field(std::string_view(kv.key().data(), kv.key().size()), spec);
      if (says_duplicate(text) && duplicate_field.empty()) duplicate_field = field;
      all_text.append(text).append("\n");
      if (e.issues.size() < 32) e.issues.push_back(FieldIssue{field, capped(text, 256)});
    }
    if (!e.issues.empty()) e.field = e.issues.front().field;
  }

  const bool duplicate = response.status == 409 || (response.status == 422 && says_duplicate(all_text));
  if (duplicate) {
    e.code = errc::already_exists;
    e.retryable = false;
    if (!duplicate_field.empty()) {
      e.field = duplicate_field;
    } else if (e.field.empty()) {
      // "Email already exists", "ID already exists", "Key already exists" (vendor-docs 003).
      if (icontains(e.vendor_message, "email"))
        e.field = "email";
      else if (icontains(e.vendor_message, "key"))
        e.field = "referral_key";
      else if (icontains(e.vendor_message, "id ") || icontains(e.vendor_message, "id already"))
        e.field = "external_id";
    }
  } else if ((response.status == 400 || response.status == 404) && icontains(all_text, "referring partner") &&
             icontains(all_text, "not found")) {
    e.code = errc::not_found;
    e.retryable = false;
    e.field = "referrer";
  }
  return e;
}

Result<Partner> PartneroAdapter::decode(const HttpResponse& response, const DecodeContext& context) const {
  if (response.status < 200 || response.status > 299) return decode_error(response, context);
  const bool invite = is_invite(context.spec);

  if (is_blank(response.body)) {
    if (invite) {
      Partner p = from_spec(context.spec);
      p.warnings.push_back("partnero: the invite was answered without a body");
      return p;
    }
    return protocol_error(response, "partnero: the success answer has no body");
  }
  boost::json::value v;
  if (!parse_json(response.body, v))
    return protocol_error(response,
                          "partnero: the success body is not JSON, or is too large or too deeply nested");
  auto* obj = v.if_object();
  if (!obj) return protocol_error(response, "partnero: the success body is not a JSON object");
  const auto* data_v = obj->if_contains("data");
  const auto* data = data_v ? data_v->if_object() : nullptr;
  if (!data) {
    if (invite) {
      Partner p = from_spec(context.spec);
      p.warnings.push_back("partnero: the invite was answered without partner data");
      p.raw = std::move(v);
      return p;
    }
    return protocol_error(response, "partnero: the success body has no \"data\" object");
  }

  Partner p;
  p.vendor = std::string(vendor);
  if (const auto* idv = data->if_contains("id")) {
    if (const auto* s = idv->if_string(); s && !s->empty())
      p.id = std::string(*s);
    else if (idv->is_int64())
      p.id = std::to_string(idv->get_int64());
    else if (idv->is_uint64())
      p.id = std::to_string(idv->get_uint64());
  }
  if (!p.id && !invite) return protocol_error(response, "partnero: the partner has no \"id\"");

  if (const auto* email = string_member(*data, "email")) {
    p.email = std::string(*email);
  } else if (invite && context.spec) {
    p.email = context.spec->email;
  } else {
    return protocol_error(response, "partnero: the partner has no string \"email\"");
  }

  if (auto e = check_sent_email(response, context, vendor, p.email)) return std::move(*e);
  p.name = joined_name(string_member(*data, "name"), string_member(*data, "surname"));
  if (const auto* status = string_member(*data, "status"); status || !invite)
    set_status(p, vendor, status, statuses);
  else
    p.status = PartnerStatus::invited;

  // De-duplicated through a hash set: linear in the number of links (a 1 MiB answer holds ~100,000).
  std::unordered_set<std::string_view> seen;
  const auto add_link = [&](std::string_view url) {
    if (url.empty() || !seen.insert(url).second) return;
    ReferralLink link;
    link.url = std::string(url);
    p.links.push_back(std::move(link));
  };
  if (const auto* l = string_member(*data, "referral_link")) add_link(*l);
  if (const auto* lv = data->if_contains("referral_links"); lv && lv->is_array())
    for (const auto& e : lv->get_array())
      if (const auto* s = e.if_string()) add_link(*s);

  if (const auto* c = string_member(*data, "created_at")) p.created_at = std::string(*c);
  p.outcome = Outcome::created;
  p.raw = std::move(v);
  return p;
}

// ---- operations beyond create ----

namespace {

std::string partner_url(const VendorConfig& config, std::string_view id) {
  return resource_url(config, PartneroAdapter::default_base_url, PartneroAdapter::path, id);
}

// A decode of a partner object outside create: no spec to compare, the id addressed must come back.
Result<Partner> decode_partner(const PartneroAdapter& adapter, const HttpResponse& response,
                               const DecodeContext& context, Outcome outcome) {
  DecodeContext plain = context;
  plain.spec = nullptr;  // never an invite: data.id and data.email are required
  auto p = adapter.decode(response, plain);
  if (!p) return p;
  if (auto e = check_addressed_id(response, context, PartneroAdapter::vendor, p->id)) return std::move(*e);
  p->outcome = outcome;
  return p;
}

}  // namespace

Result<EncodedRequest> PartneroAdapter::encode_find(const FindQuery& query,
                                                    const VendorConfig& config) const {
  if (query.key == FindQuery::Key::email)
    return Error::make(errc::unsupported_operation,
                       "partnero documents no lookup by email; find by external_id (sent as partnero's id)",
                       "query");
  return encode_get(query.value, config);
}

Result<std::vector<Partner>> PartneroAdapter::decode_find(const HttpResponse& response,
                                                          const DecodeContext& context) const {
  return find_through_get(*this, response, context);  // partnero's id is our external_id
}

Result<EncodedRequest> PartneroAdapter::encode_get(std::string_view partner_id,
                                                   const VendorConfig& config) const {
  if (auto e = check_partner_request(vendor, config, partner_id)) return *e;
  return bodiless_request("GET", partner_url(config, partner_id), bearer_auth(config.api_key));
}

Result<Partner> PartneroAdapter::decode_get(const HttpResponse& response,
                                            const DecodeContext& context) const {
  return decode_partner(*this, response, context, Outcome::existing);
}

Result<EncodedRequest> PartneroAdapter::encode_update(std::string_view partner_id, const PartnerSpec& changes,
                                                      const VendorConfig& config) const {
  if (auto e = check_partner_request(vendor, config, partner_id)) return *e;
  EncodedRequest out;
  Dropper drop(vendor, config.strict, &out.warnings);
  const auto cannot_update = [&](const char* field) {
    drop.drop(field, std::string("partnero update cannot change ") + field);
  };
  if (changes.external_id) cannot_update("external_id");
  if (changes.referrer) cannot_update("referrer");
  if (changes.invite) cannot_update("invite");
  drop.drop_undeclared(changes, carried);
  if (drop.failed()) return drop.error();

  std::string body;
  JsonWriter w(body);
  w.begin_object();
  w.key("update");
  w.begin_object();
  // An update's email is the new address: sent only when set (PartnerSpec::email is required at create).
  if (!changes.email.empty()) {
    w.key("email");
    w.string(changes.email);
  }
  const NameParts names = split_name(changes);
  if (names.first) {
    w.key("name");
    w.string(*names.first);
  }
  if (names.last) {
    w.key("surname");
    w.string(*names.last);
  }
  if (changes.password) {
    w.key("password");
    w.string(*changes.password);
  }
  if (changes.referral_key) {
    w.key("key");
    w.string(*changes.referral_key);
  }
  if (!changes.tags.empty()) {
    w.key("tags");
    w.begin_array();
    for (const auto& t : changes.tags) w.string(t);
    w.end_array();
  }
  w.end_object();
  w.end_object();
  if (!w.utf8_ok()) return bad_utf8_error(vendor, spec_field(w.bad_utf8_key(), &changes));
  out.request.method = "PUT";
  out.request.url = partner_url(config, partner_id);
  out.request.headers = json_headers(config.api_key);
  out.request.body = std::move(body);
  return out;
}

Result<Partner> PartneroAdapter::decode_update(const HttpResponse& response,
                                               const DecodeContext& context) const {
  return decode_partner(*this, response, context, Outcome::updated);
}

Result<EncodedRequest> PartneroAdapter::encode_deactivate(std::string_view partner_id,
                                                          const DeactivateOptions& options,
                                                          const VendorConfig& config) const {
  if (auto e = check_partner_request(vendor, config, partner_id)) return *e;
  if (options.permanent)
    return bodiless_request("DELETE", partner_url(config, partner_id), bearer_auth(config.api_key));
  return bodiless_request("POST", partner_url(config, partner_id) + "/archive", bearer_auth(config.api_key));
}

Result<Partner> PartneroAdapter::decode_deactivate(const HttpResponse& response,
                                                   const DecodeContext& context) const {
  if (response.status < 200 || response.status > 299) return decode_error(response, context);
  boost::json::value v;
  if (!is_blank(response.body)) {
    if (!parse_json(response.body, v))
      return protocol_error(response,
                            "partnero: the answer is not JSON, or is too large or too deeply nested");
    const auto* obj = v.if_object();
    const auto* st = obj ? obj->if_contains("status") : nullptr;
    if (st && ((st->is_int64() && st->get_int64() != 1) || (st->is_bool() && !st->get_bool())))
      return protocol_error(response, "partnero: a 2xx answer with \"status\" other than 1");
  }
  Partner p;
  p.vendor = std::string(vendor);
  if (!context.partner_id.empty()) p.id = std::string(context.partner_id);
  const bool deleted = context.deactivate && context.deactivate->permanent;
  p.status = deleted ? PartnerStatus::deactivated : PartnerStatus::archived;
  p.status_raw = deleted ? "deleted" : "archived";
  p.outcome = Outcome::updated;
  p.raw = std::move(v);
  return p;
}

Capabilities PartneroAdapter::capabilities() const {
  Capabilities c;
  declare_fields(c, carried);
  c.create = CreateSemantics::create;
  c.error_shape = R"({"message","errors":{"<field>":["..."]}})";
  c.rate_limit_headers = {"Retry-After"};
  c.rate_limit = RateLimit::per_second(2);
  c.notes =
      "Creates (422 or 409 on a duplicate email, id or key: already_exists). Partnero documents no "
      "rate limit numbers or headers: 2 requests/s is a conservative guess, and Retry-After is "
      "honoured if sent. invite=true uses POST /v1/partners:invite (email, name, surname only).";
  c.default_base_url = std::string(default_base_url);
  c.operations.find_by_external_id = true;
  c.operations.find_by_email = false;
  c.operations.find_by_vendor_id = true;
  c.operations.get = true;
  c.operations.update = true;
  c.operations.updatable_fields = {"email",    "name",         "first_name", "last_name",
                                   "password", "referral_key", "tags"};
  c.operations.deactivate = true;
  c.operations.deactivate_semantics =
      "archive: POST /v1/partners/{id}/archive (the partner loses portal access; reversible with "
      "POST /v1/partners/{id}/revoke-archive); permanent: DELETE /v1/partners/{id} (irreversible).";
  return c;
}

}  // namespace partnerkit
