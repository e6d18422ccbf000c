// Dub, decoding answers: the created/enrolled partner, the outcome from createdAt, Dub's error body and
// its zod field paths mapped back to PartnerSpec paths.
#include <partnerkit/adapters/dub.hpp>
#include <partnerkit/http_errors.hpp>
#include <partnerkit/validation.hpp>

#include "dub/partner_json.hpp"

#include <partnerkit/adapter_kit.hpp>
#include <partnerkit/adapter_kit/json_pick.hpp>

#include <chrono>
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
namespace {

// The members of a partner object the checks read, from the tree or a JsonPick: a string's text, or
// null when absent or not a string. (Pointers, not optionals: GCC 12 warns on optional<string_view>.)
struct Members {
  const std::string_view *id, *email, *name, *status, *created;
};

// The tree's texts of the members Members reads, in its order.
struct TreeTexts {
  std::string_view text[5];
  bool present[5] = {};
  explicit TreeTexts(const boost::json::object& o) {
    constexpr std::string_view keys[] = {"id", "email", "name", "status", "createdAt"};
    for (std::size_t i = 0; i < 5; ++i)
      if (const auto* s = string_member(o, keys[i])) {
        text[i] = *s;
        present[i] = true;
      }
  }
  const std::string_view* at(std::size_t i) const { return present[i] ? &text[i] : nullptr; }
  Members members() const { return {at(0), at(1), at(2), at(3), at(4)}; }
};

std::optional<std::string_view> text_of(const PickedValue& v) {
  if (const auto* s = v.string()) return *s;
  return std::nullopt;
}

using Millis = std::chrono::sys_time<std::chrono::milliseconds>;

// The contract's checks, the same for both readers, in the order their messages are chosen; `created`
// gets createdAt's time (finish_create compares it; parsed once).
std::optional<Error> partner_error(const Members& m, JsonKind links, const HttpResponse& response,
                                   const std::string& what, Millis* created) {
  if (!m.id || m.id->empty()) return protocol_error(response, "dub: " + what + " has no string \"id\"");
  if (!m.email) return protocol_error(response, "dub: " + what + " has no string \"email\"");
  if (!m.name) return protocol_error(response, "dub: " + what + " has no string \"name\"");
  // A text's UTF-16 length is at most its size in bytes: counted only past 190 bytes.
  if ((m.name->size() > max_name_units && utf16_length(*m.name) > max_name_units) ||
      (m.email->size() > max_name_units && utf16_length(*m.email) > max_name_units))
    return protocol_error(response,
                          "dub: " + what + "'s name or email is longer than the 190 the contract allows");
  if (!m.status) return protocol_error(response, "dub: " + what + " has no string \"status\"");
  if (!m.created) return protocol_error(response, "dub: " + what + " has no string \"createdAt\"");
  const auto time = parse_iso8601(*m.created);
  if (!time)
    return protocol_error(response, "dub: " + what + "'s \"createdAt\" is not an ISO 8601 date-time");
  if (links != JsonKind::absent && links != JsonKind::null && links != JsonKind::array)
    return protocol_error(response, "dub: " + what + "'s \"links\" is neither an array nor null");
  if (created) *created = *time;
  return std::nullopt;
}

// The Partner of an answer partner_error passed, built in the result (one return: no Partner moves, each
// ~260 instructions); links and optionals constructed in place (append_link), plain strings constructed
// then moved (cheaper than an assignment's _M_replace). for_each_link(f) calls f with each element's link
// members (null for a non-object).
template <class ForEachLink>
Result<Partner> built_partner(const Members& m, JsonKind links, std::size_t link_count,
                              ForEachLink&& for_each_link) {
  // Default-initialized through a conversion, not value-initialized: Partner() zero-fills its 300 bytes
  // before constructing them (~45 instructions a decode).
  struct NewPartner {
    operator Partner() const {
      Partner p;
      return p;
    }
  };
  Result<Partner> r(boost::system::in_place_value, NewPartner{});
  Partner& p = *r;
  p.vendor = std::string(DubAdapter::vendor);
  if (links == JsonKind::array) {
    p.links.reserve(link_count);
    std::size_t i = 0;
    for_each_link([&](const LinkTexts* link) {
      // An empty or absent shortLink is skipped whatever else the link has (and one with nothing at all).
      if (!link || link->url.value_or("").empty())
        p.warnings.push_back("dub: links[" + std::to_string(i) + "] has no shortLink; skipped");
      else
        append_link(p.links, *link);
      ++i;
    });
  }
  set_status(p, DubAdapter::vendor, std::optional<std::string_view>(*m.status), statuses);
  p.id.emplace(*m.id);
  p.email = std::string(*m.email);
  p.name = std::string(*m.name);
  p.created_at.emplace(*m.created);
  p.outcome = Outcome::existing;
  return r;
}

// The checks and the Partner. `links` is the kind of "links".
template <class ForEachLink>
Result<Partner> checked_partner(const Members& m, JsonKind links, std::size_t link_count,
                                ForEachLink&& for_each_link, const HttpResponse& response,
                                const std::string& what, Millis* created = nullptr) {
  auto e = partner_error(m, links, response, what, created);
  // Both prvalues: the result is built where the caller wants it.
  return e ? Result<Partner>(std::move(*e)) : built_partner(m, links, link_count, for_each_link);
}

JsonKind kind_of(const boost::json::value* v) {
  if (!v) return JsonKind::absent;
  if (v->is_null()) return JsonKind::null;
  if (v->is_array()) return JsonKind::array;
  return JsonKind::object;  // any other kind: refused alike
}

// What the 201 fast path reads (DubAdapter::decode without keep_raw), in PickPlan order.
constexpr std::string_view picked_members[] = {"id", "email", "name", "status", "createdAt", "tenantId"};
enum Picked : std::size_t { m_id, m_email, m_name, m_status, m_created, m_tenant };
constexpr std::string_view picked_link_members[] = {"shortLink", "id", "key", "domain"};
// Indexed at compile time: a decode builds no lookup table.
constexpr PickKeys picked_keys(PickPlan{
    .members = picked_members, .array = "links", .element_members = picked_link_members});

}  // namespace

// A partner object of Dub's (EnrolledPartner): the contract's required members, status and links.
// `what` names the answer in messages ("the partner", "partners[2]").
Result<Partner> partner_from(boost::json::value v, const HttpResponse& response, const std::string& what,
                             bool keep_raw) {
  auto* obj = v.if_object();
  if (!obj) return protocol_error(response, "dub: " + what + " is not a JSON object");
  const TreeTexts texts(*obj);
  const auto* links_v = obj->if_contains("links");
  const auto* links = links_v ? links_v->if_array() : nullptr;
  auto p = checked_partner(
      texts.members(), kind_of(links_v), links ? links->size() : 0,
      [&](auto&& f) {
        for (const auto& lv : *links) {
          const auto* lo = lv.if_object();
          const LinkTexts t = lo ? link_texts(*lo, {.url = "shortLink"}) : LinkTexts{};
          f(lo ? &t : nullptr);
        }
      },
      response, what);
  if (p && keep_raw) p->raw = std::move(v);  // a copy when v's resource is not the default one
  return p;
}

namespace {

// The same Partner as partner_from on the tree, read by a JsonPick of picked_members and links.
Result<Partner> partner_from_pick(const JsonPick& pick, const HttpResponse& response, const std::string& what,
                                  Millis* created) {
  const Members m{pick.member(m_id).string(), pick.member(m_email).string(), pick.member(m_name).string(),
                  pick.member(m_status).string(), pick.member(m_created).string()};
  return checked_partner(
      m, pick.array().kind, pick.elements(),
      [&](auto&& f) {
        for (std::size_t e = 0; e < pick.elements(); ++e) {
          if (pick.element_kind(e) != JsonKind::object) {
            f(nullptr);
            continue;
          }
          const LinkTexts t{text_of(pick.element_member(e, 0)), text_of(pick.element_member(e, 1)),
                            text_of(pick.element_member(e, 2)), text_of(pick.element_member(e, 3))};
          f(&t);
        }
      },
      response, what, created);
}

}  // namespace

const boost::json::string* tenant_of(const Partner& p) {
  const auto* o = p.raw.if_object();
  return o ? string_member(*o, "tenantId") : nullptr;
}

}  // namespace dub_detail

namespace {

// What follows the partner's checks: the answer is about the email sent, the outcome from createdAt,
// warnings where Dub kept or dropped something asked for. `tenant`: the answer's tenantId. In place (a
// Partner's move is ~260 instructions).
std::optional<Error> finish_create(Partner& p, std::optional<std::string_view> tenant,
                                   dub_detail::Millis created, const HttpResponse& response,
                                   const DecodeContext& context) {
  // Dub upserts by email: an answer about someone else means the tenantId matched another enrollment.
  const PartnerSpec* spec = context.spec;
  // The bytes first: the answer echoes the email as it was sent (iequals costs ~15 instructions a byte).
  // Most emails have no white space at either end: trim (a memchr per end) only when one might.
  std::string_view sent;
  if (spec) {
    const std::string_view e = spec->email;
    sent = !e.empty() && e.front() > ' ' && e.back() > ' ' ? e : text::trim(e, text::ows);
  }
  if (spec && sent != p.email && !iequals(sent, p.email)) {
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
    if (created < threshold) p.outcome = (spec && spec->external_id) ? Outcome::updated : Outcome::existing;
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
    if (!found) {
      // Built in one allocation (this warning comes with most answers about an existing enrollment).
      constexpr std::string_view head = "dub: the link key is \"";
      constexpr std::string_view tail =
          "\", not the referral_key sent (a taken key gets a suffix; an existing enrollment keeps its key)";
      const std::string_view first = p.links.front().key;
      std::string long_key;  // only a key over 128 bytes is cut (capped)
      if (first.size() > 128) long_key = capped(first, 128);
      const std::string_view key = first.size() > 128 ? std::string_view(long_key) : first;
      std::string w;
      w.reserve(head.size() + key.size() + tail.size());
      w.append(head).append(key).append(tail);
      p.warnings.push_back(std::move(w));
    }
  }
  return std::nullopt;
}

// DubAdapter::decode without keep_raw: a JsonPick of the members read. One return of one result, so
// that the Partner is built where the caller receives it.
Result<Partner> decode_picked(const HttpResponse& response, const DecodeContext& context) {
  JsonPick pick(dub_detail::picked_keys);
  dub_detail::Millis created{};
  auto e = success_pick(response, DubAdapter::vendor, pick);
  Result<Partner> r = e ? Result<Partner>(std::move(*e))
                        : dub_detail::partner_from_pick(pick, response, "the partner", &created);
  if (r)
    if (auto fe = finish_create(*r, dub_detail::text_of(pick.member(dub_detail::m_tenant)), created, response,
                                context))
      r = std::move(*fe);
  return r;
}

}  // namespace

Result<Partner> DubAdapter::decode(const HttpResponse& response, const DecodeContext& context) const {
  if (response.status < 200 || response.status > 299) return decode_error(response, context);

  // The batch path: no tree at all, only the members read (the same verdicts; fuzz/decode_dub_pick).
  if (!context.keep_raw) return decode_picked(response, context);

  auto v = success_object(response, vendor);
  if (!v) return v.error();
  // The tenantId kept (v moves into raw).
  std::optional<std::string> tenant;
  if (const auto* t = string_member(v->get_object(), "tenantId")) tenant.emplace(*t);
  auto p = dub_detail::partner_from(std::move(*v), response, "the partner", true);
  if (p)
    if (auto e = finish_create(*p, tenant, *parse_iso8601(p->created_at.value_or("")), response, context))
      return std::move(*e);
  return p;
}

}  // namespace partnerkit
