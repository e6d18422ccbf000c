#include <tolt/tolt_simulator.hpp>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <cstdio>
#include <ctime>
#include <mutex>
#include <set>

namespace tolt {

namespace pk = partnerkit;
namespace json = boost::json;
using pk::HttpRequest;
using pk::HttpResponse;

namespace {

HttpResponse json_response(int status, const json::object& body) {
  return HttpResponse{status, {{"Content-Type", "application/json"}}, json::serialize(body)};
}

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

std::size_t code_points(std::string_view s) {
  std::size_t n = 0;
  for (unsigned char c : s)
    if ((c & 0xC0) != 0x80) ++n;
  return n;
}

bool valid_email(std::string_view e) {
  if (e.empty() || e.size() > 254) return false;
  auto at = e.find('@');
  if (at == 0 || at == std::string_view::npos || e.find('@', at + 1) != std::string_view::npos) return false;
  auto domain = e.substr(at + 1);
  auto dot = domain.find('.');
  if (dot == std::string_view::npos || dot == 0 || domain.back() == '.') return false;
  return std::none_of(e.begin(), e.end(), [](char c) { return std::isspace(static_cast<unsigned char>(c)); });
}

bool valid_slug(std::string_view s) {
  return !s.empty() && s.size() <= 64 && std::all_of(s.begin(), s.end(), [](char c) {
    return std::isdigit(static_cast<unsigned char>(c)) || (c >= 'a' && c <= 'z') || c == '_' || c == '-';
  });
}

std::string slugify(std::string_view text) {
  std::string out;
  for (char c : text) {
    unsigned char u = static_cast<unsigned char>(c);
    if (std::isalnum(u))
      out.push_back(static_cast<char>(std::tolower(u)));
    else if (!out.empty() && out.back() != '-')
      out.push_back('-');
  }
  while (!out.empty() && out.back() == '-') out.pop_back();
  if (out.size() > 48) out.resize(48);
  return out.empty() ? "partner" : out;
}

std::string iso8601(std::chrono::system_clock::time_point t) {
  auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count();
  std::time_t secs = static_cast<std::time_t>(ms / 1000);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[64];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900, tm.tm_mon + 1,
                tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, static_cast<int>(ms % 1000));
  return buf;
}

std::string seconds_text(std::chrono::milliseconds d) {
  auto s = (d.count() + 999) / 1000;
  return std::to_string(s < 1 ? 1 : s);
}

}  // namespace

struct ToltSimulator::Impl {
  mutable std::mutex mutex;
  std::uint64_t next_id;
  json::array partners;                               // creation order
  std::set<std::string> emails, links, external_ids;  // per program: "<program>\n<value>"
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
  json::object o;
  o["success"] = false;
  o["message"] = message;
  o["code"] = code;
  o["doc_url"] = "https://docs.tolt.com/api-reference/errors#" + std::string(code);
  if (!errors.empty()) {
    json::array a;
    for (const auto& [f, m] : errors) a.push_back(json::object{{"field", f}, {"message", m}});
    o["errors"] = std::move(a);
  }
  return json_response(status, o);
}

// POST and GET /v2/partners (create; list, ?external_id= exact), GET /v2/partners/{id},
// POST /v2/partners/{id}/suspend.
ToltSimulator::RouteMatch ToltSimulator::match(std::string_view method, std::string_view path) const {
  if (path == "/v2/partners")
    return method == "POST" || method == "GET" ? RouteMatch::ok : RouteMatch::method_not_allowed;
  constexpr std::string_view prefix = "/v2/partners/";
  if (path.substr(0, prefix.size()) != prefix) return RouteMatch::none;
  const std::string_view rest = path.substr(prefix.size());
  const auto slash = rest.find('/');
  if (slash == 0 || rest.empty()) return RouteMatch::none;
  if (slash == std::string_view::npos)
    return method == "GET" ? RouteMatch::ok : RouteMatch::method_not_allowed;
  if (rest.substr(slash) != "/suspend") return RouteMatch::none;
  return method == "POST" ? RouteMatch::ok : RouteMatch::method_not_allowed;
}

namespace {

// The value of one query parameter of a URL, percent-decoded; nullopt when absent.
std::optional<std::string> query_value(std::string_view url, std::string_view name) {
  const auto q = url.find('?');
  if (q == std::string_view::npos) return std::nullopt;
  std::string_view query = url.substr(q + 1);
  query = query.substr(0, query.find('#'));
  while (!query.empty()) {
    const auto amp = query.find('&');
    const std::string_view pair = query.substr(0, amp);
    query = amp == std::string_view::npos ? std::string_view() : query.substr(amp + 1);
    const auto eq = pair.find('=');
    if (pair.substr(0, eq) != name) continue;
    const std::string_view raw = eq == std::string_view::npos ? std::string_view() : pair.substr(eq + 1);
    std::string out;
    for (std::size_t i = 0; i < raw.size(); ++i) {
      if (raw[i] == '%' && i + 2 < raw.size() && std::isxdigit(static_cast<unsigned char>(raw[i + 1])) &&
          std::isxdigit(static_cast<unsigned char>(raw[i + 2]))) {
        out.push_back(static_cast<char>(std::stoi(std::string(raw.substr(i + 1, 2)), nullptr, 16)));
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

HttpResponse ToltSimulator::lookup(const HttpRequest& request, std::string_view path) const {
  std::lock_guard lock(impl_->mutex);
  if (path == "/v2/partners") {
    const auto external_id = query_value(request.url, "external_id");
    json::array data;
    for (const auto& p : impl_->partners) {
      const auto* ext = p.as_object().if_contains("external_id");
      if (!external_id || (ext && ext->is_string() && ext->as_string() == *external_id)) data.push_back(p);
    }
    return json_response(200, json::object{{"success", true}, {"data", std::move(data)}});
  }
  const std::string_view id = path.substr(std::string_view("/v2/partners/").size());
  for (const auto& p : impl_->partners)
    if (p.as_object().at("id").as_string() == id)
      return json_response(200, json::object{{"success", true}, {"data", p}});
  return error(404, "not_found", "No partner with this id");
}

// Suspension is reversible in Tolt (a partner can be reactivated); the partner keeps its links.
HttpResponse ToltSimulator::suspend(const HttpRequest& request, std::string_view path,
                                    const pk::sandbox::KeyIdentity& identity) {
  if (identity.read_only) return error(403, "forbidden", "This API key is not allowed to change partners.");
  std::string_view id = path.substr(std::string_view("/v2/partners/").size());
  id = id.substr(0, id.find('/'));
  std::optional<std::string> reason;
  if (!request.body.empty()) {
    boost::system::error_code ec;
    json::value body = json::parse(request.body, ec);
    if (ec || !body.is_object()) return error(400, "bad_request", "The request body must be a JSON object.");
    if (const auto* r = body.as_object().if_contains("suspension_reason")) {
      if (!r->is_string())
        return error(400, "validation_error", "suspension_reason: Invalid input: expected string",
                     {{"suspension_reason", "Invalid input: expected string"}});
      reason = std::string(r->as_string());
    }
  }
  std::lock_guard lock(impl_->mutex);
  for (auto& v : impl_->partners) {
    auto& p = v.as_object();
    if (p.at("id").as_string() != id) continue;
    p["status"] = "suspended";
    p["suspension_reason"] = reason ? json::value(*reason) : json::value(nullptr);
    p["updated_at"] = iso8601(now());
    return json_response(200, json::object{{"success", true}, {"data", p}});
  }
  return error(404, "not_found", "No partner with this id");
}

std::optional<HttpResponse> ToltSimulator::authenticate(const HttpRequest& request,
                                                        pk::sandbox::KeyIdentity& identity) const {
  std::string_view auth = request.header("Authorization");
  if (auth.empty()) {
    identity = {};
    return error(401, "unauthorized", "Missing API key. Send it as a bearer token.");
  }
  constexpr std::string_view prefix = "Bearer ";
  if (auth.size() <= prefix.size() || auth.substr(0, prefix.size()) != prefix) {
    identity = {};
    return error(401, "unauthorized", "Malformed Authorization header. Use: Bearer <API key>.");
  }
  identity = identify(auth.substr(prefix.size()));
  if (!identity.known) return error(401, "unauthorized", "Invalid or revoked API key.");
  return std::nullopt;
}

HttpResponse ToltSimulator::apply(const HttpRequest& request, std::string_view path,
                                  const pk::sandbox::KeyIdentity& identity) {
  if (request.method == "GET") return lookup(request, path);
  if (path != "/v2/partners") return suspend(request, path, identity);
  if (identity.read_only) return error(403, "forbidden", "This API key is not allowed to create partners.");
  boost::system::error_code ec;
  json::value body = json::parse(request.body, ec);
  if (ec || !body.is_object()) return error(400, "bad_request", "The request body must be a JSON object.");
  const json::object& o = body.as_object();

  std::vector<std::pair<std::string, std::string>> problems;
  auto string_member = [&](std::string_view key, std::size_t min, std::size_t max,
                           bool required) -> std::optional<std::string> {
    const json::value* v = o.if_contains(key);
    if (!v) {
      if (required)
        problems.emplace_back(std::string(key), "Invalid input: expected string, received undefined");
      return std::nullopt;
    }
    if (!v->is_string()) {
      problems.emplace_back(std::string(key), "Invalid input: expected string");
      return std::nullopt;
    }
    std::string s(v->as_string());
    std::size_t n = code_points(s);
    if (n < min || n > max) {
      problems.emplace_back(std::string(key), "Must be between " + std::to_string(min) + " and " +
                                                  std::to_string(max) + " characters");
      return std::nullopt;
    }
    return s;
  };

  auto email = string_member("email", 1, 254, true);
  if (email && !valid_email(*email)) {
    problems.emplace_back("email", "Invalid email address");
    email.reset();
  }
  auto program = string_member("program_id", 1, 255, true);
  auto first = string_member("first_name", 1, 150, false);
  auto last = string_member("last_name", 1, 150, false);
  auto display = string_member("display_name", 1, 150, false);
  auto company = string_member("company_name", 1, 255, false);
  auto country = string_member("country_code", 2, 2, false);
  if (country && !(std::isalpha(static_cast<unsigned char>((*country)[0])) &&
                   std::isalpha(static_cast<unsigned char>((*country)[1])))) {
    problems.emplace_back("country_code", "Must match ^[A-Za-z]{2}$");
    country.reset();
  }
  auto external_id = string_member("external_id", 1, 255, false);
  auto group = string_member("group_id", 1, 255, false);
  std::optional<std::string> link_value;
  if (const json::value* l = o.if_contains("link")) {
    const json::value* value = l->is_object() ? l->as_object().if_contains("value") : nullptr;
    if (!l->is_object())
      problems.emplace_back("link", "Invalid input: expected object");
    else if (value && (!value->is_string() || !valid_slug(lower(value->as_string()))))
      problems.emplace_back("link.value", "Must be 1 to 64 of a-z, 0-9, _ and -");
    else if (value)
      link_value = lower(value->as_string());
  }
  bool notify = false;
  if (const json::value* n = o.if_contains("notify_partner")) {
    if (!n->is_bool())
      problems.emplace_back("notify_partner", "Invalid input: expected boolean");
    else
      notify = n->as_bool();
  }
  if (!problems.empty()) {
    std::string message = problems.front().first + ": " + problems.front().second;
    return error(400, "validation_error", message, problems);
  }
  if (std::find(options_.program_ids.begin(), options_.program_ids.end(), *program) ==
      options_.program_ids.end())
    return error(400, "invalid_reference", "program_id: No program with this id in your organization",
                 {{"program_id", "No program with this id in your organization"}});

  std::lock_guard lock(impl_->mutex);
  const std::string scope = *program + "\n";
  if (impl_->emails.count(scope + lower(*email)))
    return error(409, "already_exists", "A partner with this email already exists in this program",
                 {{"email", "A partner with this email already exists in this program"}});
  if (link_value && impl_->links.count(scope + *link_value))
    return error(409, "already_exists", "This link value is already taken",
                 {{"link.value", "This link value is already taken"}});
  if (external_id && impl_->external_ids.count(scope + *external_id))
    return error(409, "already_exists", "A partner with this external_id already exists in this program",
                 {{"external_id", "A partner with this external_id already exists in this program"}});
  if (!link_value) {
    std::string base = slugify(first || last ? (first.value_or("") + " " + last.value_or(""))
                                             : email->substr(0, email->find('@')));
    std::string candidate = base;
    for (int n = 2; impl_->links.count(scope + candidate); ++n) candidate = base + "-" + std::to_string(n);
    link_value = candidate;
  }

  const std::uint64_t n = impl_->next_id++;
  const std::string stamp = iso8601(now());
  json::object partner;
  partner["id"] = "part_sbx" + std::to_string(n);
  partner["status"] = "active";
  partner["first_name"] = first ? json::value(*first) : json::value(nullptr);
  partner["last_name"] = last ? json::value(*last) : json::value(nullptr);
  partner["display_name"] = display ? json::value(*display) : json::value(nullptr);
  partner["company_name"] = company ? json::value(*company) : json::value(nullptr);
  partner["email"] = *email;
  partner["country_code"] = country ? json::value(*country) : json::value(nullptr);
  partner["external_id"] = external_id ? json::value(*external_id) : json::value(nullptr);
  partner["program_id"] = *program;
  partner["organization_id"] = "org_sandbox";
  partner["group_id"] = group ? *group : std::string("grp_default");
  partner["notify_partner"] = notify;
  partner["created_at"] = stamp;
  partner["updated_at"] = stamp;
  partner["link"] =
      json::object{{"id", "lnk_sbx" + std::to_string(n)}, {"param", "ref"}, {"value", *link_value}};

  impl_->emails.insert(scope + lower(*email));
  impl_->links.insert(scope + *link_value);
  if (external_id) impl_->external_ids.insert(scope + *external_id);
  impl_->partners.push_back(partner);
  return json_response(201, json::object{{"success", true}, {"data", std::move(partner)}});
}

HttpResponse ToltSimulator::rate_limited(const pk::sandbox::TokenBucket::Decision& d, time_point) const {
  auto r = json_response(
      429, json::object{{"success", false},
                        {"error", json::object{{"message", "Too many requests. Please try again."},
                                               {"type", "rate_limit_error"}}}});
  r.headers.emplace_back("Retry-After", seconds_text(d.retry_after));
  return r;
}

void ToltSimulator::add_rate_limit_headers(HttpResponse&, const pk::sandbox::TokenBucket::Decision&,
                                           time_point) const {
  // Tolt documents no rate-limit headers on ordinary answers.
}

HttpResponse ToltSimulator::server_error(int status) const {
  if (status == 500) return error(500, "internal_error", "Something went wrong on our side.");
  std::string title = status == 502 ? "502 Bad Gateway" : "503 Service Unavailable";
  return HttpResponse{
      status, {{"Content-Type", "text/html"}}, "<html><body><h1>" + title + "</h1></body></html>\n"};
}

HttpResponse ToltSimulator::payload_too_large(std::size_t) const {
  return error(413, "payload_too_large", "The request body is over 1 MB.");
}

json::array ToltSimulator::partners() const {
  std::lock_guard lock(impl_->mutex);
  return impl_->partners;
}

std::size_t ToltSimulator::partner_count() const {
  std::lock_guard lock(impl_->mutex);
  return impl_->partners.size();
}

void ToltSimulator::clear() {
  std::lock_guard lock(impl_->mutex);
  impl_->partners.clear();
  impl_->emails.clear();
  impl_->links.clear();
  impl_->external_ids.clear();
}

}  // namespace tolt
