// The Dub simulator: POST /partners, an upsert by email (dub.co/docs/api-reference, github.com/dubinc/dub).
#include <partnerkit/sandbox/vendors.hpp>

#include <partnerkit/sandbox/simulator_kit.hpp>
#include <partnerkit/text/ascii.hpp>
#include "dub_state.hpp"

#include <boost/json/object.hpp>
#include <boost/json/serialize.hpp>

#include <algorithm>
#include <optional>
#include <unordered_map>
#include <unordered_set>

namespace partnerkit::sandbox {
namespace json = boost::json;
using kit::json_type_name;
using namespace dub_detail;

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
    if (trim) s = kit::js_trim(s);  // zod's .trim(): JavaScript's, Unicode white space
    std::size_t len = kit::utf16_units(s);
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

// Dub's country enum (its API reference for POST /partners, dub.co/docs/api-reference/endpoint/
// create-a-partner): ISO 3166-1 alpha-2, upper case, plus XK (Kosovo, user-assigned in ISO 3166).
bool is_dub_country(std::string_view code) { return kit::iso3166_alpha2(code) || code == "XK"; }

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

}  // namespace

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
  return kit::json_response(
      status, json::object{{"error", json::object{{"code", code},
                                                  {"message", message},
                                                  {"doc_url",
                                                   "https://dub.co/docs/api-reference/errors#" + anchor}}}});
}

std::optional<HttpResponse> DubSimulator::authenticate(const HttpRequest& request,
                                                       KeyIdentity& identity) const {
  const kit::BearerToken bearer = kit::read_bearer(request, kit::BearerParsing::strict);
  if (bearer.status == kit::AuthStatus::missing) {
    identity = KeyIdentity{};
    return error(401, "unauthorized", "Missing Authorization header.");
  }
  if (bearer.status == kit::AuthStatus::malformed) {
    identity = KeyIdentity{};
    return error(
        400, "bad_request",
        "Misconfigured authorization header. Did you forget to add 'Bearer '? Learn more: https://d.to/auth");
  }
  identity = identify(bearer.token);
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
  const kit::JsonBody parsed_body = kit::parse_json_body(request.body);
  if (!parsed_body.ok())
    return error(
        400, "bad_request",
        "Invalid JSON format in request body. Please ensure the request body is a valid JSON object.");
  const json::value& parsed = parsed_body.value;
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
    if (kit::utf16_units(e) > 190)
      z.fail("too_big", "email", "String must contain at most 190 character(s)");
    else if (!kit::zod_email(e))
      z.fail("invalid_string", "email", "Invalid email");
  }
  if (z.string_field(body, "username", "username", true, 0, 100)) {
    if (auto u = string_member(body, "username"); u && !valid_username(*u))
      z.fail("custom", "username",
             "Invalid username: use letters, numbers, '_', '/', '-' and '.' (not starting with '_').");
  }
  z.string_field(body, "image", "image", true);
  z.string_field(body, "tenantId", "tenantId", false);
  z.string_field(body, "groupId", "groupId", false);
  if (z.string_field(body, "country", "country", true) && options_.validate_country) {
    if (auto c = string_member(body, "country"); c && !is_dub_country(*c))
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
  const std::string email_key = text::ascii_lower(kit::js_trim(email));
  auto tenant_id = string_member(body, "tenantId");
  auto group_id = string_member(body, "groupId");

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
    p.email = std::string(kit::js_trim(email));
    auto name = string_member(body, "name");
    p.name = name && !kit::js_trim(*name).empty() ? std::string(kit::js_trim(*name)) : p.email;
    auto username = string_member(body, "username");
    std::string key = username && !username->empty()
                          ? *username
                          : kit::slugify(name ? p.name : p.email.substr(0, p.email.find('@')), 90);
    if (key.empty()) key = impl_->ids.alnum(7, true);
    std::string candidate = key;
    for (int attempt = 0; impl_->keys.contains(text::ascii_lower(candidate)); ++attempt)
      candidate = key + "-" + impl_->ids.alnum(attempt < 16 ? 4 : 12, true);
    p.key = candidate;
    impl_->keys.insert(text::ascii_lower(candidate));
    p.image = string_member(body, "image");
    p.description = string_member(body, "description");
    p.country = string_member(body, "country");
    p.tenant_id = tenant_id;
    p.group_id = group_id;
    if (auto lp = body.find("linkProps"); lp != body.end()) p.link_props = lp->value();
    p.created_at = kit::iso8601(now(), 3);
    p.created_by = identity.label;
    index = impl_->partners.size();
    impl_->partners.push_back(std::move(p));
    impl_->by_email.emplace(email_key, index);
    if (tenant_id) impl_->by_tenant.emplace(*tenant_id, index);
  }

  return kit::json_response(201, partner_json(options_, impl_->partners[index]));
}

}  // namespace partnerkit::sandbox
