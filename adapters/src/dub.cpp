#include <partnerkit/adapters/dub.hpp>
#include <partnerkit/http_errors.hpp>
#include <partnerkit/validation.hpp>

#include "common.hpp"
#include "json_writer.hpp"

#include <charconv>

namespace partnerkit {
namespace {

using namespace adapters_detail;

constexpr std::size_t max_name_units = 190;  // 201 schema: name, email maxLength 190

// Splits "linkProps.tagNames.1" / "linkProps.tagNames[1]" into segments; an index segment is "[1]".
std::vector<std::string_view> path_segments(std::string_view path) {
  std::vector<std::string_view> segs;
  std::size_t i = 0;
  while (i < path.size()) {
    if (path[i] == '.') {
      ++i;
      continue;
    }
    if (path[i] == '[') {
      const auto close = path.find(']', i);
      if (close == std::string_view::npos) break;
      segs.push_back(path.substr(i, close - i + 1));
      i = close + 1;
      continue;
    }
    std::size_t j = i;
    while (j < path.size() && path[j] != '.' && path[j] != '[') ++j;
    segs.push_back(path.substr(i, j - i));
    i = j;
  }
  return segs;
}

bool all_digits(std::string_view s) {
  if (s.empty()) return false;
  for (char c : s)
    if (c < '0' || c > '9') return false;
  return true;
}

// "1" or "[1]" as "[1]"; anything else empty.
std::string index_of(std::string_view seg) {
  if (seg.size() > 2 && seg.front() == '[' && seg.back() == ']' && all_digits(seg.substr(1, seg.size() - 2)))
    return std::string(seg);
  if (all_digits(seg)) return "[" + std::string(seg) + "]";
  return {};
}

std::optional<PartnerStatus> status_from_dub(std::string_view s) {
  if (s == "approved") return PartnerStatus::active;
  if (s == "pending") return PartnerStatus::pending;
  if (s == "rejected") return PartnerStatus::rejected;
  if (s == "invited") return PartnerStatus::invited;
  if (s == "declined") return PartnerStatus::declined;
  if (s == "deactivated") return PartnerStatus::deactivated;
  if (s == "banned") return PartnerStatus::banned;
  if (s == "archived") return PartnerStatus::archived;
  return std::nullopt;
}

// "<zod code>: <field path>: <text>" -> the path, or empty when the message has another shape.
std::string_view zod_path(std::string_view message) {
  const auto first = message.find(": ");
  if (first == std::string_view::npos || first == 0) return {};
  for (char c : message.substr(0, first))
    if (!((c >= 'a' && c <= 'z') || c == '_')) return {};
  const auto rest = message.substr(first + 2);
  const auto second = rest.find(": ");
  if (second == std::string_view::npos || second == 0) return {};
  const auto path = rest.substr(0, second);
  for (char c : path)
    if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
          c == '.' || c == '[' || c == ']'))
      return {};
  return path;
}

std::string_view trim_spaces(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

constexpr std::size_t max_short = 100;         // name (after trim), username
constexpr std::size_t max_email = 190;         // email
constexpr std::size_t max_description = 5000;  // description
constexpr std::size_t max_link_id = 255;       // linkProps.externalId / tenantId
constexpr std::int64_t min_key_length = 3;     // linkProps.keyLength
constexpr std::int64_t max_key_length = 190;
constexpr std::size_t max_url = 32000;  // linkProps.expiredUrl, ios, android

bool ascii_alnum(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

// Dub's username rules (vendor-docs README): letters, digits, '_', '/', '-', '.', non-ASCII; not starting
// with '_'; not ".well-known"; not ending in ".php".
void check_username(std::vector<FieldIssue>& issues, std::string_view key) {
  const std::string field = "referral_key";
  rules::max_length(issues, field, key, max_short);
  for (char ch : key) {
    const auto u = static_cast<unsigned char>(ch);
    if (u >= 0x80 || ascii_alnum(ch) || ch == '_' || ch == '/' || ch == '-' || ch == '.') continue;
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

std::string DubAdapter::spec_field(std::string_view dub_path, const PartnerSpec* spec) {
  const auto segs = path_segments(dub_path);
  if (segs.empty()) return std::string(dub_path);
  const std::string_view top = segs[0];
  if (segs.size() == 1) {
    if (top == "name") return (spec && !spec->name && spec->first_name) ? "first_name" : "name";
    if (top == "email") return "email";
    if (top == "username") return "referral_key";
    if (top == "image") return "image";
    if (top == "tenantId") return "external_id";
    if (top == "groupId") return "group";
    if (top == "country") return "country";
    if (top == "description") return "description";
    if (top == "linkProps") return "link";
    return std::string(dub_path);
  }
  if (top != "linkProps") return std::string(dub_path);
  const std::string_view leaf = segs[1];
  std::string out;
  if (leaf == "keyLength")
    out = "link.key_length";
  else if (leaf == "externalId")
    out = "link.external_id";
  else if (leaf == "tenantId")
    out = "link.tenant_id";
  else if (leaf == "prefix")
    out = "link.prefix";
  else if (leaf == "archived")
    out = "link.archived";
  else if (leaf == "comments")
    out = "link.comments";
  else if (leaf == "tagIds")
    out = "link.tag_ids";
  else if (leaf == "tagNames")
    out = "tags";
  else if (leaf == "expiresAt")
    out = "link.expires_at";
  else if (leaf == "expiredUrl")
    out = "link.expired_url";
  else if (leaf == "password")
    out = "link.password";
  else if (leaf == "proxy")
    out = "link.proxy";
  else if (leaf == "title")
    out = "link.title";
  else if (leaf == "description")
    out = "link.description";
  else if (leaf == "image")
    out = "link.image";
  else if (leaf == "video")
    out = "link.video";
  else if (leaf == "rewrite")
    out = "link.rewrite";
  else if (leaf == "ios")
    out = "link.ios";
  else if (leaf == "android")
    out = "link.android";
  else if (leaf == "doIndex")
    out = "link.do_index";
  else if (leaf == "testVariants")
    out = "link.test_variants";
  else if (leaf == "testStartedAt")
    out = "link.test_started_at";
  else if (leaf == "testCompletedAt")
    out = "link.test_completed_at";
  else
    return std::string(dub_path);
  if (segs.size() >= 3) out += index_of(segs[2]);
  return out;
}

Result<std::string> DubAdapter::encode_body(const PartnerSpec& spec, bool strict,
                                            std::vector<std::string>* warnings) {
  Dropper drop(vendor, strict, warnings);
  if (spec.company) drop.cannot_carry("company");
  if (spec.partner_type) drop.cannot_carry("partner_type");
  if (spec.referrer) drop.cannot_carry("referrer");
  if (!spec.contacts.empty()) drop.cannot_carry("contacts");
  if (spec.invite) drop.cannot_carry("invite");
  if (spec.password) drop.cannot_carry("password");
  if (!spec.custom_fields.empty()) drop.cannot_carry("custom_fields");
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
        if (!v) return;
        w.key(key);
        w.string(*v);
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
  out.request.method = "POST";
  out.request.url = request_url(config, default_base_url, path);
  out.request.headers = json_headers(config.api_key);
  out.request.body = std::move(*body);
  return out;
}

Error DubAdapter::decode_error(const HttpResponse& response, const DecodeContext& context) {
  Error e = error_from_response(response, now_of(context));
  boost::json::value v;
  if (response.body.empty() || !parse_json(response.body, v)) return e;
  const auto* top = v.if_object();
  const auto* err_v = top ? top->if_contains("error") : nullptr;
  const auto* err = err_v ? err_v->if_object() : nullptr;
  if (!err) return e;
  if (const auto* code = string_member(*err, "code")) e.vendor_code = capped(*code, 128);
  if (const auto* msg = string_member(*err, "message"); msg && !msg->empty()) e.message = capped(*msg);
  if (const auto* doc = string_member(*err, "doc_url")) e.doc_url = capped(*doc, 512);

  const PartnerSpec* spec = context.spec;
  switch (response.status) {
    case 400:
    case 422:
      if (auto p = zod_path(e.message); !p.empty()) e.field = spec_field(p, spec);
      break;
    case 404:
      if (icontains(e.message, "group")) e.field = "group";
      break;
    case 409:
      // conflict: a tenantId already used by another partner's enrollment (the only conflict of this
      // upsert). invite_pending: the partner was invited and has not answered yet; the partner exists.
      e.code = errc::already_exists;
      e.retryable = false;
      e.field = e.vendor_code == "invite_pending" ? "email" : "external_id";
      break;
    case 403:
      // forbidden and exceeded_limit (the plan's partner limit, or a plan without the endpoint) alike:
      // permission_denied, never retried; vendor_code tells them apart.
      e.code = errc::permission_denied;
      e.retryable = false;
      break;
    case 410:
      e.code = errc::invite_expired;  // invite_expired (vendor-docs 002)
      e.retryable = false;
      break;
    default:
      break;
  }
  return e;
}

namespace {

// A partner object of Dub's (EnrolledPartner): the contract's required members, status and links.
// `what` names the answer in messages ("the partner", "partners[2]").
Result<Partner> partner_from(boost::json::value v, const HttpResponse& response, const std::string& what) {
  auto* obj = v.if_object();
  if (!obj) return protocol_error(response, "dub: " + what + " is not a JSON object");
  const auto* id = string_member(*obj, "id");
  if (!id || id->empty()) return protocol_error(response, "dub: " + what + " has no string \"id\"");
  const auto* email = string_member(*obj, "email");
  if (!email) return protocol_error(response, "dub: " + what + " has no string \"email\"");
  const auto* name = string_member(*obj, "name");
  if (!name) return protocol_error(response, "dub: " + what + " has no string \"name\"");
  if (utf16_length(*name) > max_name_units || utf16_length(*email) > max_name_units)
    return protocol_error(response,
                          "dub: " + what + "'s name or email is longer than the 190 the contract allows");
  const auto* status = string_member(*obj, "status");
  if (!status) return protocol_error(response, "dub: " + what + " has no string \"status\"");
  const auto* created = string_member(*obj, "createdAt");
  if (!created) return protocol_error(response, "dub: " + what + " has no string \"createdAt\"");
  if (!parse_iso8601(*created))
    return protocol_error(response, "dub: " + what + "'s \"createdAt\" is not an ISO 8601 date-time");

  Partner p;
  p.vendor = std::string(DubAdapter::vendor);
  const auto* links_v = obj->if_contains("links");
  if (links_v && !links_v->is_null()) {
    const auto* links = links_v->if_array();
    if (!links) return protocol_error(response, "dub: " + what + "'s \"links\" is neither an array nor null");
    p.links.reserve(links->size());
    std::size_t i = 0;
    for (const auto& lv : *links) {
      const auto* lo = lv.if_object();
      const auto* short_link = lo ? string_member(*lo, "shortLink") : nullptr;
      if (!short_link) {
        p.warnings.push_back("dub: links[" + std::to_string(i) + "] has no shortLink; skipped");
      } else {
        ReferralLink link;
        link.url = std::string(*short_link);
        if (const auto* s = string_member(*lo, "id")) link.id = std::string(*s);
        if (const auto* s = string_member(*lo, "key")) link.key = std::string(*s);
        if (const auto* s = string_member(*lo, "domain")) link.domain = std::string(*s);
        p.links.push_back(std::move(link));
      }
      ++i;
    }
  }
  if (auto st = status_from_dub(*status)) {
    p.status = *st;
  } else {
    p.status = PartnerStatus::unknown;
    p.warnings.push_back("dub: unknown partner status \"" + capped(*status, 64) + "\"");
  }
  p.status_raw = std::string(*status);
  p.id = std::string(*id);
  p.email = std::string(*email);
  p.name = std::string(*name);
  p.created_at = std::string(*created);
  p.outcome = Outcome::existing;
  p.raw = std::move(v);
  return p;
}

const boost::json::string* tenant_of(const Partner& p) {
  const auto* o = p.raw.if_object();
  return o ? string_member(*o, "tenantId") : nullptr;
}

}  // namespace

Result<Partner> DubAdapter::decode(const HttpResponse& response, const DecodeContext& context) const {
  if (response.status < 200 || response.status > 299) return decode_error(response, context);

  boost::json::value v;
  if (!parse_json(response.body, v))
    return protocol_error(response, "dub: the " + std::to_string(response.status) +
                                        " body is not JSON, or is too large or too deeply nested");
  if (!v.is_object()) return protocol_error(response, "dub: the success body is not a JSON object");
  auto parsed = partner_from(std::move(v), response, "the partner");
  if (!parsed) return parsed.error();
  Partner p = std::move(*parsed);

  // Dub upserts by email: an answer about someone else means the tenantId matched another enrollment.
  const PartnerSpec* spec = context.spec;
  if (spec && !iequals(trim_spaces(spec->email), p.email)) {
    if (spec->external_id) {
      Error e = Error::make(errc::already_exists,
                            "dub: the external_id (tenantId) sent belongs to another partner's enrollment; "
                            "dub answered with that partner, whose email is not the one sent",
                            "external_id");
      e.http_status = response.status;
      e.raw_body = sanitized_body(response.body);
      return e;
    }
    return protocol_error(response, "dub: the partner returned has another email than the one sent", "email");
  }

  p.outcome = Outcome::created;
  if (context.sent_at != std::chrono::system_clock::time_point{}) {
    // Compared in milliseconds: a createdAt past 2262 does not fit the clock's nanoseconds.
    const auto threshold =
        std::chrono::floor<std::chrono::milliseconds>(context.sent_at - context.clock_skew);
    if (*parse_iso8601(p.created_at.value_or("")) < threshold)
      p.outcome = (spec && spec->external_id) ? Outcome::updated : Outcome::existing;
  }
  if (spec && spec->external_id && p.outcome != Outcome::created) {
    const auto* tenant = tenant_of(p);
    if (!tenant || *tenant != *spec->external_id)
      p.warnings.push_back("dub: the existing enrollment kept another tenantId than the external_id sent");
  }
  // Dub swallows link errors (unknown tagIds, a duplicate link externalId) and suffixes a taken username:
  // the 201 is still a success, so say what differs from what was asked.
  if (spec && p.links.empty() && (spec->referral_key || spec->link || !spec->tags.empty())) {
    p.warnings.push_back(
        "dub: no referral link came back although link properties were sent (Dub drops links it cannot "
        "create, e.g. for unknown tagIds or a duplicate link external_id)");
  } else if (spec && spec->referral_key) {
    bool found = false;
    for (const auto& l : p.links) found = found || l.key == *spec->referral_key;
    if (!found)
      p.warnings.push_back(
          "dub: the link key is \"" + capped(p.links.front().key, 128) +
          "\", not the referral_key sent (a taken key gets a suffix; an existing enrollment keeps "
          "its key)");
  }
  return p;
}

// ---- operations beyond create ----

Result<EncodedRequest> DubAdapter::encode_find(const FindQuery& query, const VendorConfig& config) const {
  if (auto e = check_api_key(vendor, config.api_key)) return *e;
  if (query.value.empty())
    return Error::make(errc::invalid_input, "dub: find needs a value to look up", "query");
  if (query.key == FindQuery::Key::vendor_id) return encode_get(query.value, config);
  EncodedRequest out;
  out.request.method = "GET";
  // GET /partners?tenantId= takes precedence over email and search; ?email= over search (Dub's
  // getPartnersQuerySchema). pageSize 2: one is the answer, a second would be a contract breach.
  const char* param = query.key == FindQuery::Key::external_id ? "?tenantId=" : "?email=";
  out.request.url = request_url(config, default_base_url, path) + param + url_component(query.value);
  out.request.headers = accept_headers(config.api_key);
  return out;
}

Result<std::vector<Partner>> DubAdapter::decode_find(const HttpResponse& response,
                                                     const DecodeContext& context) const {
  const FindQuery* query = context.query;
  if (query && query->key == FindQuery::Key::vendor_id) {
    if (response.status == 404) return std::vector<Partner>{};
    auto p = decode_get(response, context);
    if (!p) return p.error();
    std::vector<Partner> out;
    if (p->id && *p->id == query->value) out.push_back(std::move(*p));
    return out;
  }
  if (response.status < 200 || response.status > 299) return decode_error(response, context);
  boost::json::value v;
  if (!parse_json(response.body, v))
    return protocol_error(response,
                          "dub: the partner list is not JSON, or is too large or too deeply nested");
  auto* arr = v.if_array();
  if (!arr) return protocol_error(response, "dub: the partner list is not a JSON array");
  std::vector<Partner> out;
  for (std::size_t i = 0; i < arr->size(); ++i) {
    auto p = partner_from(std::move((*arr)[i]), response, "partners[" + std::to_string(i) + "]");
    if (!p) return p.error();
    if (query) {
      // Exact on our side: Dub's filter is the database's, and a search could return near matches.
      if (query->key == FindQuery::Key::email && !iequals(p->email, query->value)) continue;
      if (query->key == FindQuery::Key::external_id) {
        const auto* tenant = tenant_of(*p);
        if (!tenant || *tenant != query->value) continue;
      }
    }
    out.push_back(std::move(*p));
  }
  return out;
}

Result<EncodedRequest> DubAdapter::encode_get(std::string_view partner_id, const VendorConfig& config) const {
  if (auto e = check_api_key(vendor, config.api_key)) return *e;
  if (auto e = check_partner_id(vendor, partner_id)) return *e;
  EncodedRequest out;
  out.request.method = "GET";
  out.request.url = request_url(config, default_base_url, path) + "/" + url_component(partner_id);
  out.request.headers = accept_headers(config.api_key);
  return out;
}

Result<Partner> DubAdapter::decode_get(const HttpResponse& response, const DecodeContext& context) const {
  if (response.status < 200 || response.status > 299) return decode_error(response, context);
  boost::json::value v;
  if (!parse_json(response.body, v))
    return protocol_error(response, "dub: the partner is not JSON, or is too large or too deeply nested");
  auto p = partner_from(std::move(v), response, "the partner");
  if (!p) return p.error();
  if (!context.partner_id.empty() && p->id != context.partner_id)
    return protocol_error(response, "dub: the partner returned has another id than the one asked for",
                          "partner_id");
  return p;
}

bool DubAdapter::is_ban_reason(std::string_view reason) noexcept {
  for (auto r : ban_reasons)
    if (r == reason) return true;
  return false;
}

Result<EncodedRequest> DubAdapter::encode_deactivate(std::string_view partner_id,
                                                     const DeactivateOptions& options,
                                                     const VendorConfig& config) const {
  if (auto e = check_api_key(vendor, config.api_key)) return *e;
  if (auto e = check_partner_id(vendor, partner_id)) return *e;
  if (options.permanent && !is_ban_reason(options.reason)) {
    std::string allowed;
    for (auto r : ban_reasons) allowed.append(allowed.empty() ? "" : ", ").append(r);
    return Error::make(errc::invalid_input,
                       "dub: a ban (permanent deactivate) needs a reason, one of " + allowed, "reason");
  }
  std::string body;
  JsonWriter w(body);
  w.begin_object();
  w.key("partnerId");
  w.string(partner_id);
  if (options.permanent) {
    w.key("reason");
    w.string(options.reason);
  }
  w.end_object();
  if (!w.utf8_ok()) return bad_utf8_error(vendor, "partner_id");
  EncodedRequest out;
  out.request.method = "POST";
  out.request.url =
      request_url(config, default_base_url, options.permanent ? "/partners/ban" : "/partners/deactivate");
  out.request.headers = json_headers(config.api_key);
  out.request.body = std::move(body);
  return out;
}

Result<Partner> DubAdapter::decode_deactivate(const HttpResponse& response,
                                              const DecodeContext& context) const {
  if (response.status < 200 || response.status > 299) return decode_error(response, context);
  boost::json::value v;
  if (!parse_json(response.body, v))
    return protocol_error(response,
                          "dub: the deactivate answer is not JSON, or is too large or too deeply nested");
  const auto* obj = v.if_object();
  const auto* id = obj ? string_member(*obj, "partnerId") : nullptr;
  if (!id || id->empty())
    return protocol_error(response, "dub: the deactivate answer has no string \"partnerId\"");
  if (!context.partner_id.empty() && *id != context.partner_id)
    return protocol_error(response, "dub: the deactivate answer names another partner", "partner_id");
  Partner p;
  p.vendor = std::string(vendor);
  p.id = std::string(*id);
  const bool ban = context.deactivate && context.deactivate->permanent;
  p.status = ban ? PartnerStatus::banned : PartnerStatus::deactivated;
  p.status_raw = ban ? "banned" : "deactivated";
  p.outcome = Outcome::updated;
  p.raw = std::move(v);
  return p;
}

Capabilities DubAdapter::capabilities() const {
  Capabilities c;
  c.fields = {"email",   "name",        "first_name", "last_name", "referral_key", "external_id",     "image",
              "country", "description", "tags",       "group",     "link",         "vendor_overrides"};
  c.mappings = {
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
       "linkProps {keyLength, externalId, tenantId, prefix, archived, tagIds, comments, expiresAt, "
       "expiredUrl, "
       "password, proxy, title, description, image, video, rewrite, ios, android, doIndex, testVariants, "
       "testStartedAt, testCompletedAt}"},
      {"vendor_overrides", "vendor_overrides.dub merged into the body last"},
  };
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
