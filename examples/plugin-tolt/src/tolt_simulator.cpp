// The Tolt simulator, on partnerkit's simulator kit: only Tolt's own rules live here (routes, field
// rules, uniqueness per program, answer shapes), read from docs.tolt.com/api-reference.
#include <tolt/tolt_simulator.hpp>

#include <partnerkit/sandbox/simulator_kit.hpp>
#include <partnerkit/text/ascii.hpp>
#include <partnerkit/text/utf8.hpp>

#include <algorithm>
#include <mutex>

namespace tolt {

namespace pk = partnerkit;
namespace kit = partnerkit::sandbox::kit;
namespace json = boost::json;
using pk::HttpRequest;
using pk::HttpResponse;

namespace {

constexpr std::string_view partners_path = "/v2/partners";
constexpr std::string_view partner_prefix = "/v2/partners/";

// link.value: 1..64 of [a-z0-9_-] once lower-cased.
bool valid_slug(std::string_view s) {
  return !s.empty() && s.size() <= 64 && std::all_of(s.begin(), s.end(), [](char c) {
    return pk::text::is_digit(c) || pk::text::is_lower(c) || c == '_' || c == '-';
  });
}

}  // namespace

struct ToltSimulator::Impl {
  mutable std::mutex mutex;
  std::uint64_t next_id;
  kit::Records partners;  // unique per program: ("email" | "link" | "external_id", "<program>\n<value>")
};

ToltSimulator::ToltSimulator(ToltSimulatorOptions options, pk::sandbox::Clock clock, std::uint64_t seed)
    : VendorSimulator(options.keys, std::move(clock)),
      options_(std::move(options)),
      impl_(std::make_unique<Impl>()) {
  impl_->next_id = 1000 + seed % 1000;
}

ToltSimulator::~ToltSimulator() = default;

HttpResponse ToltSimulator::error(int status, std::string_view code, std::string_view message,
                                  const std::vector<std::pair<std::string, std::string>>& errors) {
  json::object o{{"success", false}, {"message", message}, {"code", code}};
  o["doc_url"] = "https://docs.tolt.com/api-reference/errors#" + std::string(code);
  if (!errors.empty()) {
    json::array a;
    for (const auto& [f, m] : errors) a.push_back(json::object{{"field", f}, {"message", m}});
    o["errors"] = std::move(a);
  }
  return kit::json_response(status, o);
}

// POST and GET /v2/partners (create; list), GET /v2/partners/{id}, POST /v2/partners/{id}/suspend.
ToltSimulator::RouteMatch ToltSimulator::match(std::string_view method, std::string_view path) const {
  if (path == partners_path)
    return method == "POST" || method == "GET" ? RouteMatch::ok : RouteMatch::method_not_allowed;
  if (!path.starts_with(partner_prefix)) return RouteMatch::none;
  const std::string_view rest = path.substr(partner_prefix.size());
  const auto slash = rest.find('/');
  if (slash == 0 || rest.empty()) return RouteMatch::none;
  if (slash == std::string_view::npos)
    return method == "GET" ? RouteMatch::ok : RouteMatch::method_not_allowed;
  if (rest.substr(slash) != "/suspend") return RouteMatch::none;
  return method == "POST" ? RouteMatch::ok : RouteMatch::method_not_allowed;
}

// GET /v2/partners[?external_id=][&limit=][&starting_after=]: a page (limit 10 by default, at most
// 100, as Tolt pages its lists); GET /v2/partners/{id}.
HttpResponse ToltSimulator::lookup(const HttpRequest& request, std::string_view path) const {
  std::lock_guard lock(impl_->mutex);
  if (path == partners_path) {
    const auto external_id = kit::query_value(request.url, "external_id");
    const json::array matched =
        external_id ? impl_->partners.where("external_id", *external_id) : impl_->partners.all();
    kit::Page page = kit::page_after(matched, kit::query_limit(request.url, 10, 100),
                                     kit::query_value(request.url, "starting_after"));
    return kit::json_response(
        200, json::object{{"success", true}, {"data", std::move(page.data)}, {"has_more", page.has_more}});
  }
  if (const auto* p = impl_->partners.find("id", path.substr(partner_prefix.size())))
    return kit::json_response(200, json::object{{"success", true}, {"data", *p}});
  return error(404, "not_found", "No partner with this id");
}

// Suspension is reversible in Tolt (a partner can be reactivated); the partner keeps its links.
HttpResponse ToltSimulator::suspend(const HttpRequest& request, std::string_view path,
                                    const pk::sandbox::KeyIdentity& identity) {
  if (identity.read_only) return error(403, "forbidden", "This API key is not allowed to change partners.");
  std::string_view id = path.substr(partner_prefix.size());
  id = id.substr(0, id.find('/'));
  json::value reason = nullptr;
  if (!request.body.empty()) {
    const kit::JsonBody body = kit::parse_json_body(request.body);
    if (!body.is_object()) return error(400, "bad_request", "The request body must be a JSON object.");
    if (const auto* r = body.value.as_object().if_contains("suspension_reason")) {
      if (!r->is_string())
        return error(400, "validation_error", "suspension_reason: Invalid input: expected string",
                     {{"suspension_reason", "Invalid input: expected string"}});
      reason = *r;
    }
  }
  std::lock_guard lock(impl_->mutex);
  json::object* p = impl_->partners.find("id", id);
  if (!p) return error(404, "not_found", "No partner with this id");
  (*p)["status"] = "suspended";
  (*p)["suspension_reason"] = reason;
  (*p)["updated_at"] = kit::iso8601(now());
  return kit::json_response(200, json::object{{"success", true}, {"data", *p}});
}

std::optional<HttpResponse> ToltSimulator::authenticate(const HttpRequest& request,
                                                        pk::sandbox::KeyIdentity& identity) const {
  const kit::BearerToken bearer = kit::read_bearer(request);
  identity = {};
  if (bearer.status == kit::AuthStatus::missing)
    return error(401, "unauthorized", "Missing API key. Send it as a bearer token.");
  if (bearer.status == kit::AuthStatus::malformed)
    return error(401, "unauthorized", "Malformed Authorization header. Use: Bearer <API key>.");
  identity = identify(bearer.token);
  if (!identity.known) return error(401, "unauthorized", "Invalid or revoked API key.");
  return std::nullopt;
}

HttpResponse ToltSimulator::apply(const HttpRequest& request, std::string_view path,
                                  const pk::sandbox::KeyIdentity& identity) {
  if (request.method == "GET") return lookup(request, path);
  if (path != partners_path) return suspend(request, path, identity);
  if (identity.read_only) return error(403, "forbidden", "This API key is not allowed to create partners.");
  const kit::JsonBody parsed = kit::parse_json_body(request.body);
  if (!parsed.is_object()) return error(400, "bad_request", "The request body must be a JSON object.");
  const json::object& o = parsed.value.get_object();

  std::vector<std::pair<std::string, std::string>> problems;
  // A string member of min..max code points (Tolt's OpenAPI minLength/maxLength, which count code
  // points, as the adapter's validate does); nullopt when absent or failing.
  auto text = [&](std::string_view key, std::size_t min, std::size_t max, bool required = false) {
    const json::value* v = o.if_contains(key);
    std::optional<std::string> s;
    if (!v || !v->is_string()) {
      if (v || required)
        problems.emplace_back(
            key, v ? "Invalid input: expected string" : "Invalid input: expected string, received undefined");
    } else if (const std::size_t n = pk::text::code_points(v->get_string()); n < min || n > max) {
      problems.emplace_back(
          key, "Must be between " + std::to_string(min) + " and " + std::to_string(max) + " characters");
    } else {
      s = std::string(v->get_string());
    }
    return s;
  };
  auto email = text("email", 1, 254, true);
  if (email && !kit::plausible_email(*email)) {  // the OpenAPI's format: email
    problems.emplace_back("email", "Invalid email address");
    email.reset();
  }
  const auto program = text("program_id", 1, 255, true);
  const auto first = text("first_name", 1, 150), last = text("last_name", 1, 150);
  const auto display = text("display_name", 1, 150), company = text("company_name", 1, 255);
  auto country = text("country_code", 2, 2);
  if (country && !(pk::text::is_alpha((*country)[0]) && pk::text::is_alpha((*country)[1]))) {
    problems.emplace_back("country_code", "Must match ^[A-Za-z]{2}$");
    country.reset();
  }
  const auto external_id = text("external_id", 1, 255), group = text("group_id", 1, 255);
  std::optional<std::string> link_value;
  if (const json::value* l = o.if_contains("link")) {
    const json::value* value = l->is_object() ? l->as_object().if_contains("value") : nullptr;
    if (!l->is_object())
      problems.emplace_back("link", "Invalid input: expected object");
    else if (value && (!value->is_string() || !valid_slug(pk::text::ascii_lower(value->as_string()))))
      problems.emplace_back("link.value", "Must be 1 to 64 of a-z, 0-9, _ and -");
    else if (value)
      link_value = pk::text::ascii_lower(value->as_string());
  }
  const json::value* notify = o.if_contains("notify_partner");
  if (notify && !notify->is_bool())
    problems.emplace_back("notify_partner", "Invalid input: expected boolean");
  if (!problems.empty())
    return error(400, "validation_error", problems.front().first + ": " + problems.front().second, problems);
  if (std::find(options_.program_ids.begin(), options_.program_ids.end(), *program) ==
      options_.program_ids.end())
    return error(400, "invalid_reference", "program_id: No program with this id in your organization",
                 {{"program_id", "No program with this id in your organization"}});

  std::lock_guard lock(impl_->mutex);
  const std::string scope = *program + "\n";
  auto& store = impl_->partners;
  auto conflict = [](std::string field, std::string message) {
    return error(409, "already_exists", message, {{std::move(field), message}});
  };
  if (store.taken("email", scope + pk::text::ascii_lower(*email)))
    return conflict("email", "A partner with this email already exists in this program");
  if (link_value && store.taken("link", scope + *link_value))
    return conflict("link.value", "This link value is already taken");
  if (external_id && store.taken("external_id", scope + *external_id))
    return conflict("external_id", "A partner with this external_id already exists in this program");
  if (!link_value) {  // a slug of the name, or of the email before the @, made unique
    std::string base = kit::slugify(
        first || last ? first.value_or("") + " " + last.value_or("") : email->substr(0, email->find('@')),
        48);
    if (base.empty()) base = "partner";
    link_value = base;
    for (int n = 2; store.taken("link", scope + *link_value); ++n)
      link_value = base + "-" + std::to_string(n);
  }

  const std::string n = std::to_string(impl_->next_id++), stamp = kit::iso8601(now());
  json::object partner{
      {"id", "part_sbx" + n},
      {"status", "active"},
      {"first_name", kit::nullable(first)},
      {"last_name", kit::nullable(last)},
      {"display_name", kit::nullable(display)},
      {"company_name", kit::nullable(company)},
      {"email", *email},
      {"country_code", kit::nullable(country)},
      {"external_id", kit::nullable(external_id)},
      {"program_id", *program},
      {"organization_id", "org_sandbox"},
      {"group_id", group.value_or("grp_default")},
      {"notify_partner", notify && notify->as_bool()},
      {"created_at", stamp},
      {"updated_at", stamp},
      {"link", json::object{{"id", "lnk_sbx" + n}, {"param", "ref"}, {"value", *link_value}}}};
  store.claim("email", scope + pk::text::ascii_lower(*email));
  store.claim("link", scope + *link_value);
  if (external_id) store.claim("external_id", scope + *external_id);
  return kit::json_response(201, json::object{{"success", true}, {"data", store.add(std::move(partner))}});
}

HttpResponse ToltSimulator::rate_limited(const pk::sandbox::TokenBucket::Decision& d, time_point) const {
  auto r = kit::json_response(
      429, json::object{{"success", false},
                        {"error", json::object{{"message", "Too many requests. Please try again."},
                                               {"type", "rate_limit_error"}}}});
  r.headers.emplace_back("Retry-After", kit::delta_seconds(d.retry_after));
  return r;
}

HttpResponse ToltSimulator::server_error(int status) const {
  if (status == 500) return error(500, "internal_error", "Something went wrong on our side.");
  return kit::edge_page(status, kit::EdgeStyle::html);
}

HttpResponse ToltSimulator::payload_too_large(std::size_t) const {
  return error(413, "payload_too_large", "The request body is over 1 MB.");
}

json::array ToltSimulator::partners() const {
  std::lock_guard lock(impl_->mutex);
  return impl_->partners.all();
}

std::size_t ToltSimulator::partner_count() const {
  std::lock_guard lock(impl_->mutex);
  return impl_->partners.size();
}

void ToltSimulator::clear() {
  std::lock_guard lock(impl_->mutex);
  impl_->partners.clear();
}

}  // namespace tolt
