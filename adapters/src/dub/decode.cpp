// Dub, decoding answers: the created/enrolled partner, the outcome from createdAt, Dub's error body and
// its zod field paths mapped back to PartnerSpec paths.
#include <partnerkit/adapters/dub.hpp>
#include <partnerkit/http_errors.hpp>
#include <partnerkit/validation.hpp>

#include "dub/partner_json.hpp"

#include <partnerkit/adapter_kit.hpp>

#include <boost/json/monotonic_resource.hpp>

#include <cstddef>
#include <optional>

namespace partnerkit {
namespace {

using namespace adapter_kit;

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

constexpr VendorStatus statuses[] = {
    {"approved", PartnerStatus::active},   {"pending", PartnerStatus::pending},
    {"rejected", PartnerStatus::rejected}, {"invited", PartnerStatus::invited},
    {"declined", PartnerStatus::declined}, {"deactivated", PartnerStatus::deactivated},
    {"banned", PartnerStatus::banned},     {"archived", PartnerStatus::archived}};

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

Error DubAdapter::decode_error(const HttpResponse& response, const DecodeContext& context) {
  ErrorAnswer answer = error_answer(response, context);
  Error& e = answer.error;
  const auto* err = answer.object() ? object_member(*answer.object(), "error") : nullptr;
  if (!err) return e;
  read_error_members(e, *err);

  const PartnerSpec* spec = context.spec;
  switch (response.status) {
    case 400:
    case 422:
      if (auto p = zod_path(e.vendor_message); !p.empty()) e.field = spec_field(p, spec);
      break;
    case 404:
      if (icontains(e.vendor_message, "group")) e.field = "group";
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

namespace dub_detail {

// A partner object of Dub's (EnrolledPartner): the contract's required members, status and links.
// `what` names the answer in messages ("the partner", "partners[2]").
Result<Partner> partner_from(boost::json::value v, const HttpResponse& response, const std::string& what,
                             bool keep_raw) {
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
      auto link = lo ? link_from(*lo, {.url = "shortLink"}) : std::nullopt;
      if (!link || link->url.empty())
        p.warnings.push_back("dub: links[" + std::to_string(i) + "] has no shortLink; skipped");
      else
        p.links.push_back(std::move(*link));
      ++i;
    }
  }
  set_status(p, DubAdapter::vendor, status, statuses);
  p.id = std::string(*id);
  p.email = std::string(*email);
  p.name = std::string(*name);
  p.created_at = std::string(*created);
  p.outcome = Outcome::existing;
  if (keep_raw) p.raw = std::move(v);  // from another resource than raw's: a copy onto raw's
  return p;
}

const boost::json::string* tenant_of(const Partner& p) {
  const auto* o = p.raw.if_object();
  return o ? string_member(*o, "tenantId") : nullptr;
}

}  // namespace dub_detail

using dub_detail::partner_from;

Result<Partner> DubAdapter::decode(const HttpResponse& response, const DecodeContext& context) const {
  if (response.status < 200 || response.status > 299) return decode_error(response, context);

  // The answer's tree on the stack: its ~70 nodes cost ~15k instructions on the heap (allocated,
  // then freed with Partner::raw, which the batch path drops). Copied to the heap only for raw.
  alignas(std::max_align_t) unsigned char scratch[8192];
  boost::json::monotonic_resource arena(scratch, sizeof scratch);
  auto v = success_object(response, vendor, boost::json::storage_ptr(&arena));
  if (!v) return v.error();
  // The tenantId kept, read below (raw may be left null).
  std::optional<std::string> tenant;
  if (context.spec && context.spec->external_id)
    if (const auto* t = string_member(v->get_object(), "tenantId")) tenant.emplace(*t);
  auto parsed = partner_from(std::move(*v), response, "the partner", context.keep_raw);
  if (!parsed) return parsed.error();
  Partner p = std::move(*parsed);

  // Dub upserts by email: an answer about someone else means the tenantId matched another enrollment.
  const PartnerSpec* spec = context.spec;
  if (spec && !iequals(text::trim(spec->email, text::ows), p.email)) {
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

}  // namespace partnerkit
