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

}  // namespace

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
  const bool link_has_any =
      link && (link->key_length || link->external_id || link->tenant_id || link->prefix || link->archived ||
               !link->tag_ids.empty() || link->comments);
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
    if (link && link->comments) {
      w.key("comments");
      w.string(*link->comments);
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
      // A tenantId already used by another partner's enrollment (the only conflict of this upsert).
      e.code = errc::already_exists;
      e.retryable = false;
      e.field = "external_id";
      break;
    default:
      break;
  }
  return e;
}

Result<Partner> DubAdapter::decode(const HttpResponse& response, const DecodeContext& context) const {
  if (response.status < 200 || response.status > 299) return decode_error(response, context);

  boost::json::value v;
  if (!parse_json(response.body, v))
    return protocol_error(response, "dub: the " + std::to_string(response.status) +
                                        " body is not JSON, or is too large or too deeply nested");
  auto* obj = v.if_object();
  if (!obj) return protocol_error(response, "dub: the success body is not a JSON object");

  const auto* id = string_member(*obj, "id");
  if (!id || id->empty()) return protocol_error(response, "dub: the partner has no string \"id\"");
  const auto* email = string_member(*obj, "email");
  if (!email) return protocol_error(response, "dub: the partner has no string \"email\"");
  const auto* name = string_member(*obj, "name");
  if (!name) return protocol_error(response, "dub: the partner has no string \"name\"");
  if (utf16_length(*name) > max_name_units || utf16_length(*email) > max_name_units)
    return protocol_error(response,
                          "dub: the partner's name or email is longer than the 190 the contract allows");
  const auto* status = string_member(*obj, "status");
  if (!status) return protocol_error(response, "dub: the partner has no string \"status\"");
  const auto* created = string_member(*obj, "createdAt");
  if (!created) return protocol_error(response, "dub: the partner has no string \"createdAt\"");
  const auto created_at = parse_iso8601(*created);
  if (!created_at) return protocol_error(response, "dub: \"createdAt\" is not an ISO 8601 date-time");

  Partner p;
  p.vendor = std::string(vendor);

  // Dub upserts by email: an answer about someone else means the tenantId matched another enrollment.
  const PartnerSpec* spec = context.spec;
  if (spec && !iequals(trim_spaces(spec->email), *email)) {
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

  const auto* links_v = obj->if_contains("links");
  if (links_v && !links_v->is_null()) {
    const auto* links = links_v->if_array();
    if (!links) return protocol_error(response, "dub: \"links\" is neither an array nor null");
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

  p.outcome = Outcome::created;
  if (context.sent_at != std::chrono::system_clock::time_point{}) {
    // Compared in milliseconds: a createdAt past 2262 does not fit the clock's nanoseconds.
    const auto threshold =
        std::chrono::floor<std::chrono::milliseconds>(context.sent_at - context.clock_skew);
    if (*created_at < threshold)
      p.outcome = (spec && spec->external_id) ? Outcome::updated : Outcome::existing;
  }
  if (spec && spec->external_id && p.outcome != Outcome::created) {
    const auto* tenant = string_member(*obj, "tenantId");
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

  p.id = std::string(*id);
  p.email = std::string(*email);
  p.name = std::string(*name);
  p.created_at = std::string(*created);
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
      {"link", "linkProps {keyLength, externalId, tenantId, prefix, archived, tagIds, comments}"},
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
  return c;
}

}  // namespace partnerkit
