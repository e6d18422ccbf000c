// The Dub simulator: POST /partners, an upsert by email (vendor-docs 002 + README facts).
#include <partnerkit/sandbox/vendors.hpp>
#include <partnerkit/validation.hpp>

#include "detail/common.hpp"

#include <boost/json/object.hpp>
#include <boost/json/serialize.hpp>

#include <algorithm>
#include <optional>
#include <unordered_map>
#include <unordered_set>

namespace partnerkit::sandbox {
namespace json = boost::json;
using detail::json_type_name;

namespace {

// One zod issue, rendered "<code>: <path>: <message>" (the first issue only, as Dub does).
struct Issue {
  std::string code, path, message;
};

std::string render(const Issue& i) {
  if (i.path.empty()) return i.code + ": " + i.message;
  return i.code + ": " + i.path + ": " + i.message;
}

std::string number_text(double v) {
  json::value jv(v);
  if (v == static_cast<double>(static_cast<long long>(v))) return std::to_string(static_cast<long long>(v));
  return json::serialize(jv);
}

// Zod-style checks on one object. Each returns false after recording the first issue.
class ZodChecker {
 public:
  std::optional<Issue> issue;

  // A string field: optional, maybe nullable, with UTF-16 length bounds (after trim when asked).
  bool string_field(const json::object& o, std::string_view key, const std::string& path, bool nullable,
                    std::size_t min_len = 0, std::size_t max_len = 0, bool trim = false) {
    auto it = o.find(key);
    if (it == o.end()) return true;
    const json::value& v = it->value();
    if (v.is_null() && nullable) return true;
    if (!v.is_string())
      return fail("invalid_type", path, "Expected string, received " + std::string(json_type_name(v)));
    std::string_view s = v.get_string();
    if (trim) s = text::trim(s);
    std::size_t len = utf16_length(s);
    if (min_len > 0 && len < min_len)
      return fail("too_small", path,
                  "String must contain at least " + std::to_string(min_len) + " character(s)");
    if (max_len > 0 && len > max_len)
      return fail("too_big", path,
                  "String must contain at most " + std::to_string(max_len) + " character(s)");
    return true;
  }

  bool bool_field(const json::object& o, std::string_view key, const std::string& path) {
    auto it = o.find(key);
    if (it == o.end() || it->value().is_bool()) return true;
    return fail("invalid_type", path,
                "Expected boolean, received " + std::string(json_type_name(it->value())));
  }

  bool number_field(const json::object& o, std::string_view key, const std::string& path,
                    std::optional<double> min, std::optional<double> max, bool nullable = false) {
    auto it = o.find(key);
    if (it == o.end()) return true;
    const json::value& v = it->value();
    if (v.is_null() && nullable) return true;
    if (!v.is_number())
      return fail("invalid_type", path, "Expected number, received " + std::string(json_type_name(v)));
    double d = v.to_number<double>();
    if (min && d < *min)
      return fail("too_small", path, "Number must be greater than or equal to " + number_text(*min));
    if (max && d > *max)
      return fail("too_big", path, "Number must be less than or equal to " + number_text(*max));
    return true;
  }

  // string | string[] (zod union: "invalid_union", "Invalid input").
  bool string_or_strings(const json::object& o, std::string_view key, const std::string& path) {
    auto it = o.find(key);
    if (it == o.end()) return true;
    const json::value& v = it->value();
    if (v.is_string()) return true;
    if (v.is_array() && std::all_of(v.get_array().begin(), v.get_array().end(),
                                    [](const json::value& e) { return e.is_string(); }))
      return true;
    return fail("invalid_union", path, "Invalid input");
  }

  bool fail(std::string code, std::string path, std::string message) {
    if (!issue) issue = Issue{std::move(code), std::move(path), std::move(message)};
    return false;
  }
};

// Dub's link-key rule for usernames: letters, digits, '_', '/', '-', '.', non-ASCII; not starting
// with '_'; not ".well-known"; not ending in ".php".
bool valid_username(std::string_view u) {
  if (u.empty()) return true;
  if (u.front() == '_') return false;
  if (text::iequals(u, ".well-known") || u.starts_with(".well-known/")) return false;
  if (u.size() >= 4 && text::iequals(u.substr(u.size() - 4), ".php")) return false;
  for (unsigned char c : u) {
    if (c >= 0x80) continue;
    if (std::isalnum(c) || c == '_' || c == '/' || c == '-' || c == '.') continue;
    return false;
  }
  return true;
}

// A username from a name or an email's local part, as Dub derives one (its slugify transliterates):
// lower-case ASCII letters and digits, Latin-1 letters folded to ASCII ("Zoé" -> "zoe"), anything
// else a single '-'.
std::string slugify(std::string_view s) {
  // U+00C0..U+00FF folded; "" for the two symbols (multiplication, division signs).
  static constexpr const char* latin1[64] = {
      "a", "a", "a", "a", "a", "a", "ae", "c", "e", "e", "e", "e", "i", "i", "i",  "i",
      "d", "n", "o", "o", "o", "o", "o",  "",  "o", "u", "u", "u", "u", "y", "th", "ss",
      "a", "a", "a", "a", "a", "a", "ae", "c", "e", "e", "e", "e", "i", "i", "i",  "i",
      "d", "n", "o", "o", "o", "o", "o",  "",  "o", "u", "u", "u", "u", "y", "th", "y"};
  std::string out;
  auto separator = [&] {
    if (!out.empty() && out.back() != '-') out += '-';
  };
  for (std::size_t i = 0; i < s.size(); ++i) {
    const auto c = static_cast<unsigned char>(s[i]);
    if (std::isalnum(c)) {
      out += static_cast<char>(std::tolower(c));
    } else if (c == 0xC3 && i + 1 < s.size() && (static_cast<unsigned char>(s[i + 1]) & 0xC0) == 0x80) {
      const char* folded = latin1[static_cast<unsigned char>(s[++i]) - 0x80];
      if (*folded)
        out += folded;
      else
        separator();
    } else {
      separator();
    }
  }
  while (!out.empty() && out.back() == '-') out.pop_back();
  if (out.size() > 90) out.resize(90);
  return out;
}

std::optional<std::string> opt_string(const json::object& o, std::string_view key) {
  auto it = o.find(key);
  if (it == o.end() || !it->value().is_string()) return std::nullopt;
  return std::string(it->value().get_string());
}

json::value nullable(const std::optional<std::string>& s) {
  if (!s) return nullptr;
  return json::value(*s);
}

}  // namespace

namespace {

struct DubPartner {
  std::string id, name, email, key, link_id, created_at;
  std::optional<std::string> image, description, country, tenant_id, group_id;
  json::value link_props;
  std::string created_by;           // the key label that created it (state only)
  std::string status = "approved";  // deactivated / banned after those operations
  // State only: create requests that named this partner (its email), and those of them that came
  // after a lookup (GET) had answered with it: a client that reconciles by lookup sends none.
  std::uint64_t creates = 1;
  std::uint64_t creates_after_found = 0;
  mutable bool found = false;
};

json::object partner_json(const DubOptions& options_, const DubPartner& p);

}  // namespace

struct DubSimulator::Impl {
  using Partner = DubPartner;

  mutable std::mutex mutex;
  detail::IdGenerator ids;
  std::vector<Partner> partners;
  std::unordered_map<std::string, std::size_t> by_email;   // lower-cased email
  std::unordered_map<std::string, std::size_t> by_tenant;  // exact tenantId
  std::unordered_set<std::string> keys;                    // lower-cased link keys

  explicit Impl(std::uint64_t seed) : ids(seed) {}
};

DubSimulator::DubSimulator(DubOptions options, Clock clock, std::uint64_t seed)
    : VendorSimulator(options.keys, std::move(clock)),
      options_(std::move(options)),
      impl_(std::make_unique<Impl>(seed ^ 0xD0B5EED5ull)) {}

DubSimulator::~DubSimulator() = default;

VendorSimulator::RouteMatch DubSimulator::match(std::string_view method, std::string_view path) const {
  if (path == "/partners")
    return method == "POST" || method == "GET" ? RouteMatch::ok : RouteMatch::method_not_allowed;
  if (path == "/partners/deactivate" || path == "/partners/ban")
    return method == "POST" ? RouteMatch::ok : RouteMatch::method_not_allowed;
  if (path.starts_with("/partners/") && path.find('/', 10) == std::string_view::npos && path.size() > 10)
    return method == "GET" ? RouteMatch::ok : RouteMatch::method_not_allowed;
  return RouteMatch::none;
}

HttpResponse DubSimulator::error(int status, std::string_view code, std::string_view message) {
  std::string anchor(code);
  if (auto u = anchor.find('_'); u != std::string::npos) anchor[u] = '-';
  return detail::json_response(
      status, json::object{{"error", json::object{{"code", code},
                                                  {"message", message},
                                                  {"doc_url",
                                                   "https://dub.co/docs/api-reference/errors#" + anchor}}}});
}

std::optional<HttpResponse> DubSimulator::authenticate(const HttpRequest& request,
                                                       KeyIdentity& identity) const {
  const std::string* header = detail::header_ptr(request.headers, "Authorization");
  if (!header) {
    identity = KeyIdentity{};
    return error(401, "unauthorized", "Missing Authorization header.");
  }
  std::string_view h = *header;
  constexpr std::string_view prefix = "Bearer ";
  if (!h.starts_with(prefix) || h.size() == prefix.size() ||
      h.substr(prefix.size()).find_first_of(" \t") != std::string_view::npos) {
    identity = KeyIdentity{};
    return error(
        400, "bad_request",
        "Misconfigured authorization header. Did you forget to add 'Bearer '? Learn more: https://d.to/auth");
  }
  identity = identify(h.substr(prefix.size()));
  if (!identity.known) return error(401, "unauthorized", "Unauthorized: Invalid API key.");
  return std::nullopt;
}

HttpResponse DubSimulator::apply(const HttpRequest& request, std::string_view path,
                                 const KeyIdentity& identity) {
  if (request.method == "GET") {
    if (path == "/partners") return list(request);
    return get(path.substr(10));
  }
  if (path == "/partners/deactivate" || path == "/partners/ban") {
    if (identity.read_only)
      return error(
          403, "forbidden",
          "The provided API key does not have the required permissions for this endpoint: partners.write.");
    return deactivate(request, path == "/partners/ban");
  }
  return create(request, identity);
}

HttpResponse DubSimulator::create(const HttpRequest& request, const KeyIdentity& identity) {
  if (identity.read_only)
    return error(
        403, "forbidden",
        "The provided API key does not have the required permissions for this endpoint: partners.write.");
  json::value parsed;
  if (!detail::parse_json(request.body, parsed))
    return error(
        400, "bad_request",
        "Invalid JSON format in request body. Please ensure the request body is a valid JSON object.");
  if (!parsed.is_object())
    return error(
        422, "unprocessable_entity",
        render({"invalid_type", "", "Expected object, received " + std::string(json_type_name(parsed))}));
  const json::object& body = parsed.get_object();

  // zod, in the schema's key order; the first issue is the message.
  ZodChecker z;
  z.string_field(body, "name", "name", true, 0, 100, /*trim=*/true);
  if (auto it = body.find("email"); it == body.end()) {
    z.fail("invalid_type", "email", "Required");
  } else if (!it->value().is_string()) {
    z.fail("invalid_type", "email", "Expected string, received " + std::string(json_type_name(it->value())));
  } else {
    std::string_view e = it->value().get_string();
    if (utf16_length(e) > 190)
      z.fail("too_big", "email", "String must contain at most 190 character(s)");
    else if (!is_valid_email(e))
      z.fail("invalid_string", "email", "Invalid email");
  }
  if (z.string_field(body, "username", "username", true, 0, 100)) {
    if (auto u = opt_string(body, "username"); u && !valid_username(*u))
      z.fail("custom", "username",
             "Invalid username: use letters, numbers, '_', '/', '-' and '.' (not starting with '_').");
  }
  z.string_field(body, "image", "image", true);
  z.string_field(body, "tenantId", "tenantId", false);
  z.string_field(body, "groupId", "groupId", false);
  if (z.string_field(body, "country", "country", true) && options_.validate_country) {
    if (auto c = opt_string(body, "country"); c && !is_iso_country(*c))
      z.fail("invalid_enum_value", "country",
             "Invalid enum value. Expected a 2-letter ISO 3166-1 country code, received '" +
                 c->substr(0, 16) + "'");
  }
  z.string_field(body, "description", "description", true, 0, 5000);
  if (auto it = body.find("linkProps"); it != body.end()) {
    if (!it->value().is_object()) {
      z.fail("invalid_type", "linkProps",
             "Expected object, received " + std::string(json_type_name(it->value())));
    } else {
      const json::object& lp = it->value().get_object();
      z.number_field(lp, "keyLength", "linkProps.keyLength", 3.0, 190.0);
      z.string_field(lp, "externalId", "linkProps.externalId", true, 1, 255);
      z.string_field(lp, "tenantId", "linkProps.tenantId", true, 0, 255);
      z.string_field(lp, "prefix", "linkProps.prefix", false);
      z.bool_field(lp, "archived", "linkProps.archived");
      z.string_or_strings(lp, "tagIds", "linkProps.tagIds");
      z.string_or_strings(lp, "tagNames", "linkProps.tagNames");
      for (const char* key : {"comments", "expiresAt", "password", "title", "description", "image", "video",
                              "testStartedAt", "testCompletedAt"})
        z.string_field(lp, key, std::string("linkProps.") + key, true);
      z.string_field(lp, "expiredUrl", "linkProps.expiredUrl", true, 0, 32000);
      z.string_field(lp, "ios", "linkProps.ios", true, 0, 32000);
      z.string_field(lp, "android", "linkProps.android", true, 0, 32000);
      for (const char* key : {"proxy", "rewrite", "doIndex"})
        z.bool_field(lp, key, std::string("linkProps.") + key);
      if (auto tv = lp.find("testVariants"); tv != lp.end() && !tv->value().is_null()) {
        if (!tv->value().is_array()) {
          z.fail("invalid_type", "linkProps.testVariants",
                 "Expected array, received " + std::string(json_type_name(tv->value())));
        } else {
          const auto& arr = tv->value().get_array();
          if (arr.size() < 2)
            z.fail("too_small", "linkProps.testVariants", "Array must contain at least 2 element(s)");
          else if (arr.size() > 4)
            z.fail("too_big", "linkProps.testVariants", "Array must contain at most 4 element(s)");
          for (std::size_t i = 0; i < arr.size(); ++i) {
            std::string p = "linkProps.testVariants." + std::to_string(i);
            if (!arr[i].is_object()) {
              z.fail("invalid_type", p, "Expected object, received " + std::string(json_type_name(arr[i])));
              continue;
            }
            const auto& item = arr[i].get_object();
            if (!item.contains("url")) z.fail("invalid_type", p + ".url", "Required");
            z.string_field(item, "url", p + ".url", false);
            if (!item.contains("percentage")) z.fail("invalid_type", p + ".percentage", "Required");
            z.number_field(item, "percentage", p + ".percentage", 10.0, 90.0);
          }
        }
      }
    }
  }
  if (z.issue) return error(422, "unprocessable_entity", render(*z.issue));

  const std::string email(body.at("email").get_string());
  const std::string email_key = text::ascii_lower(text::trim(email));
  auto tenant_id = opt_string(body, "tenantId");
  auto group_id = opt_string(body, "groupId");

  std::lock_guard lock(impl_->mutex);
  if (auto it = options_.invite_states.find(email_key); it != options_.invite_states.end()) {
    if (it->second == "invite_expired") return error(410, "invite_expired", "The invite has expired.");
    if (it->second == "invite_pending")
      return error(409, "invite_pending", "An invite for this partner is already pending.");
  }
  if (options_.partner_limit > 0 && impl_->partners.size() >= options_.partner_limit)
    return error(403, options_.partner_limit_code,
                 "You have reached the maximum number of partners (" +
                     std::to_string(options_.partner_limit) +
                     ") for your plan. Please upgrade to add more partners.");
  if (group_id && !options_.groups.empty() &&
      std::find(options_.groups.begin(), options_.groups.end(), *group_id) == options_.groups.end())
    return error(404, "not_found", "Group not found.");

  auto existing = impl_->by_email.find(email_key);
  if (existing != impl_->by_email.end()) {
    auto& p = impl_->partners[existing->second];
    ++p.creates;
    if (p.found) ++p.creates_after_found;
  }
  std::optional<std::size_t> other;  // the partner holding this tenantId, when it is another one
  if (tenant_id) {
    auto t = impl_->by_tenant.find(*tenant_id);
    if (t != impl_->by_tenant.end() && (existing == impl_->by_email.end() || t->second != existing->second))
      other = t->second;
  }
  if (other && !(options_.tenant_id_describes_other && existing == impl_->by_email.end()))
    return error(409, "conflict", "A partner with this tenantId already exists in this program.");

  std::size_t index;
  if (other) {
    index = *other;  // the quirk: a 201 describing the partner that holds the tenantId, nothing stored
  } else if (existing != impl_->by_email.end()) {
    // Upsert of an existing enrollment: only tenantId changes.
    index = existing->second;
    auto& p = impl_->partners[index];
    if (tenant_id && p.tenant_id != tenant_id) {
      if (p.tenant_id) impl_->by_tenant.erase(*p.tenant_id);
      p.tenant_id = tenant_id;
      impl_->by_tenant.emplace(*tenant_id, index);
    }
  } else {
    Impl::Partner p;
    p.id = "pn_" + impl_->ids.alnum(24);
    p.link_id = "link_" + impl_->ids.alnum(24);
    p.email = std::string(text::trim(email));
    auto name = opt_string(body, "name");
    p.name = name && !text::trim(*name).empty() ? std::string(text::trim(*name)) : p.email;
    auto username = opt_string(body, "username");
    std::string key = username && !username->empty()
                          ? *username
                          : slugify(name ? p.name : p.email.substr(0, p.email.find('@')));
    if (key.empty()) key = impl_->ids.alnum(7, true);
    std::string candidate = key;
    for (int attempt = 0; impl_->keys.contains(text::ascii_lower(candidate)); ++attempt)
      candidate = key + "-" + impl_->ids.alnum(attempt < 16 ? 4 : 12, true);
    p.key = candidate;
    impl_->keys.insert(text::ascii_lower(candidate));
    p.image = opt_string(body, "image");
    p.description = opt_string(body, "description");
    p.country = opt_string(body, "country");
    p.tenant_id = tenant_id;
    p.group_id = group_id;
    if (auto lp = body.find("linkProps"); lp != body.end()) p.link_props = lp->value();
    p.created_at = detail::iso8601(now(), 3);
    p.created_by = identity.label;
    index = impl_->partners.size();
    impl_->partners.push_back(std::move(p));
    impl_->by_email.emplace(email_key, index);
    if (tenant_id) impl_->by_tenant.emplace(*tenant_id, index);
  }

  return detail::json_response(201, partner_json(options_, impl_->partners[index]));
}

namespace {

json::object partner_json(const DubOptions& options_, const DubPartner& p) {
  json::object out;
  out["id"] = p.id;
  out["name"] = p.name;
  out["companyName"] = nullptr;
  out["email"] = p.email;
  out["image"] = nullable(p.image);
  out["description"] = nullable(p.description);
  out["country"] = nullable(p.country);
  out["paypalEmail"] = nullptr;
  out["stripeConnectId"] = nullptr;
  out["payoutsEnabledAt"] = nullptr;
  out["trustedAt"] = nullptr;
  out["programId"] = options_.program_id;
  out["groupId"] = nullable(p.group_id);
  out["partnerId"] = p.id;
  out["tenantId"] = nullable(p.tenant_id);
  out["createdAt"] = p.created_at;
  out["status"] = p.status;
  out["links"] = json::array{json::object{{"id", p.link_id},
                                          {"domain", options_.link_domain},
                                          {"key", p.key},
                                          {"shortLink", "https://" + options_.link_domain + "/" + p.key},
                                          {"url", options_.program_url},
                                          {"clicks", 0},
                                          {"leads", 0},
                                          {"conversions", 0},
                                          {"sales", 0},
                                          {"saleAmount", 0}}};
  for (const char* k : {"totalCommissions", "totalClicks", "totalLeads", "totalConversions", "totalSales",
                        "totalSaleAmount", "netRevenue"})
    out[k] = 0;
  return out;
}

// The value of `name` in the URL's query, percent-decoded ('+' as a space), or nullopt.
std::optional<std::string> query_param(std::string_view url, std::string_view name) {
  const auto q = url.find('?');
  if (q == std::string_view::npos) return std::nullopt;
  std::string_view rest = url.substr(q + 1);
  if (auto hash = rest.find('#'); hash != std::string_view::npos) rest = rest.substr(0, hash);
  while (!rest.empty()) {
    const auto amp = rest.find('&');
    std::string_view pair = rest.substr(0, amp);
    rest = amp == std::string_view::npos ? std::string_view{} : rest.substr(amp + 1);
    const auto eq = pair.find('=');
    if (pair.substr(0, eq) != name) continue;
    std::string_view raw = eq == std::string_view::npos ? std::string_view{} : pair.substr(eq + 1);
    std::string out;
    for (std::size_t i = 0; i < raw.size(); ++i) {
      const auto hex = [](char c) -> int {
        if (c >= '0' && c <= '9') return c - '0';
        if (c >= 'a' && c <= 'f') return c - 'a' + 10;
        if (c >= 'A' && c <= 'F') return c - 'A' + 10;
        return -1;
      };
      if (raw[i] == '%' && i + 2 < raw.size() && hex(raw[i + 1]) >= 0 && hex(raw[i + 2]) >= 0) {
        out.push_back(static_cast<char>(hex(raw[i + 1]) * 16 + hex(raw[i + 2])));
        i += 2;
      } else {
        out.push_back(raw[i] == '+' ? ' ' : raw[i]);
      }
    }
    return out;
  }
  return std::nullopt;
}

}  // namespace

// GET /partners: tenantId takes precedence over email (Dub's getPartnersQuerySchema); both exact
// (email case-insensitively, as Dub stores it lower-cased). Without either: every partner.
HttpResponse DubSimulator::list(const HttpRequest& request) const {
  const auto tenant = query_param(request.url, "tenantId");
  const auto email = query_param(request.url, "email");
  std::lock_guard lock(impl_->mutex);
  json::array out;
  if (tenant) {
    if (auto t = impl_->by_tenant.find(*tenant); t != impl_->by_tenant.end()) {
      impl_->partners[t->second].found = true;
      out.push_back(partner_json(options_, impl_->partners[t->second]));
    }
  } else if (email) {
    if (auto e = impl_->by_email.find(text::ascii_lower(text::trim(*email))); e != impl_->by_email.end()) {
      impl_->partners[e->second].found = true;
      out.push_back(partner_json(options_, impl_->partners[e->second]));
    }
  } else {
    for (const auto& p : impl_->partners) out.push_back(partner_json(options_, p));
  }
  return detail::json_response(200, out);
}

// GET /partners/{partnerId} (the route Dub serves to API keys although its OpenAPI omits it).
HttpResponse DubSimulator::get(std::string_view id) const {
  std::lock_guard lock(impl_->mutex);
  for (const auto& p : impl_->partners)
    if (p.id == id) {
      p.found = true;
      return detail::json_response(200, partner_json(options_, p));
    }
  return error(404, "not_found", "Partner not found.");
}

// POST /partners/deactivate and /partners/ban: {partnerId | tenantId} (ban: and a reason from
// BAN_PARTNER_REASONS); answer {"partnerId"}.
HttpResponse DubSimulator::deactivate(const HttpRequest& request, bool ban) {
  json::value parsed;
  if (!detail::parse_json(request.body, parsed) || !parsed.is_object())
    return error(400, "bad_request", "Invalid JSON format in request body.");
  const json::object& body = parsed.get_object();
  const auto partner_id = opt_string(body, "partnerId");
  const auto tenant_id = opt_string(body, "tenantId");
  if (!partner_id && !tenant_id)
    return error(400, "bad_request", "You must provide a partnerId or tenantId.");
  if (ban) {
    static constexpr std::string_view reasons[] = {
        "tos_violation", "inappropriate_content", "fake_traffic", "fraud", "spam", "brand_abuse"};
    const auto reason = opt_string(body, "reason");
    if (!reason || std::find(std::begin(reasons), std::end(reasons), *reason) == std::end(reasons))
      return error(422, "unprocessable_entity",
                   "invalid_enum_value: reason: Invalid enum value. Expected 'tos_violation' | "
                   "'inappropriate_content' | 'fake_traffic' | 'fraud' | 'spam' | 'brand_abuse'");
  }
  std::lock_guard lock(impl_->mutex);
  Impl::Partner* found = nullptr;
  if (partner_id) {
    for (auto& p : impl_->partners)
      if (p.id == *partner_id) found = &p;
    if (!found) return error(404, "not_found", "Partner not found.");
  } else {
    auto t = impl_->by_tenant.find(*tenant_id);
    if (t == impl_->by_tenant.end())
      return error(404, "not_found",
                   "Partner with tenantId " + tenant_id->substr(0, 64) + " not found in program.");
    found = &impl_->partners[t->second];
  }
  if (ban) {
    found->status = "banned";
  } else {
    if (found->status == "banned") return error(400, "bad_request", "This partner is banned.");
    found->status = "deactivated";
  }
  return detail::json_response(200, json::object{{"partnerId", found->id}});
}

HttpResponse DubSimulator::rate_limited(const TokenBucket::Decision& d, time_point now) const {
  auto r = error(429, "rate_limit_exceeded", "Too many requests.");
  const auto at =
      std::chrono::duration_cast<std::chrono::milliseconds>((now + d.retry_after).time_since_epoch());
  r.headers.emplace_back("Retry-After", std::to_string(at.count()));
  r.headers.emplace_back("X-RateLimit-Limit", std::to_string(d.per_minute()));  // per minute, as Dub
  r.headers.emplace_back("X-RateLimit-Remaining", "0");
  r.headers.emplace_back("X-RateLimit-Reset", std::to_string(at.count()));
  return r;
}

void DubSimulator::add_rate_limit_headers(HttpResponse& r, const TokenBucket::Decision& d,
                                          time_point now) const {
  if (r.status < 400) return;  // a 201 carries no rate-limit headers
  const auto at = std::chrono::duration_cast<std::chrono::milliseconds>((now + d.reset).time_since_epoch());
  r.headers.emplace_back("X-RateLimit-Limit", std::to_string(d.per_minute()));  // per minute, as Dub
  r.headers.emplace_back("X-RateLimit-Remaining", std::to_string(d.remaining));
  r.headers.emplace_back("X-RateLimit-Reset", std::to_string(at.count()));
}

HttpResponse DubSimulator::server_error(int status) const {
  if (status == 500)
    return error(500, "internal_server_error",
                 "An internal server error occurred. Please contact our support if the problem persists.");
  return detail::text_response(status, "text/plain; charset=utf-8",
                               status == 502 ? "502 Bad Gateway\n" : "503 Service Unavailable\n");
}

HttpResponse DubSimulator::payload_too_large(std::size_t) const {
  return detail::text_response(413, "text/plain; charset=utf-8",
                               "Request Entity Too Large\n\nFUNCTION_PAYLOAD_TOO_LARGE\n");
}

json::array DubSimulator::partners() const {
  std::lock_guard lock(impl_->mutex);
  json::array out;
  for (const auto& p : impl_->partners) {
    out.push_back(json::object{{"id", p.id},
                               {"email", p.email},
                               {"name", p.name},
                               {"username", p.key},
                               {"tenantId", nullable(p.tenant_id)},
                               {"groupId", nullable(p.group_id)},
                               {"country", nullable(p.country)},
                               {"image", nullable(p.image)},
                               {"description", nullable(p.description)},
                               {"linkProps", p.link_props},
                               {"createdAt", p.created_at},
                               {"shortLink", "https://" + options_.link_domain + "/" + p.key},
                               {"status", p.status},
                               {"createdBy", p.created_by},
                               {"creates", p.creates},
                               {"createsAfterFound", p.creates_after_found}});
  }
  return out;
}

std::size_t DubSimulator::partner_count() const {
  std::lock_guard lock(impl_->mutex);
  return impl_->partners.size();
}

void DubSimulator::clear() {
  std::lock_guard lock(impl_->mutex);
  impl_->partners.clear();
  impl_->by_email.clear();
  impl_->by_tenant.clear();
  impl_->keys.clear();
}

}  // namespace partnerkit::sandbox
