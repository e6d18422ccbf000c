// The JourneyBee simulator: POST /api/v1/partnerships and /api/v1/companies/{id}/partnerships
// (docs.journeybee.io/api-reference, the legacy API on app.journeybee.io).
#include <partnerkit/sandbox/vendors.hpp>

#include <partnerkit/sandbox/simulator_kit.hpp>
#include <partnerkit/text/ascii.hpp>

#include <boost/json/object.hpp>

#include <algorithm>
#include <array>
#include <unordered_map>

namespace partnerkit::sandbox {
namespace json = boost::json;

namespace {

HttpResponse jb_error(int status, std::string_view text) {
  return kit::json_response(status, json::object{{"error", text}});
}

bool is_free_mail(std::string_view domain) {
  static constexpr std::array<std::string_view, 14> free = {
      "gmail.com", "googlemail.com", "yahoo.com", "hotmail.com", "outlook.com",
      "live.com",  "icloud.com",     "aol.com",   "proton.me",   "protonmail.com",
      "gmx.com",   "gmx.de",         "mail.com",  "yandex.com"};
  return std::find(free.begin(), free.end(), domain) != free.end();
}

bool is_numbers(const json::value& v) {
  return v.is_array() && std::all_of(v.get_array().begin(), v.get_array().end(),
                                     [](const json::value& e) { return e.is_number(); });
}

// The first problem of a body, or empty when it is valid (400 {"error": problem}).
std::string first_problem(const json::object& body) {
  auto it = body.find("name");
  if (it == body.end() || !it->value().is_string() || text::trim(it->value().get_string()).empty())
    return "Missing required field: name";
  it = body.find("emails");
  if (it == body.end() || !it->value().is_array() || it->value().get_array().empty())
    return "Missing required field: emails (a non-empty array of contact objects)";
  const auto& emails = it->value().get_array();
  for (std::size_t i = 0; i < emails.size(); ++i) {
    const std::string path = "emails[" + std::to_string(i) + "]";
    if (!emails[i].is_object()) return "Invalid field: " + path + " must be an object";
    const auto& e = emails[i].get_object();
    auto em = e.find("email");
    if (em == e.end() || !em->value().is_string() || em->value().get_string().empty())
      return "Missing required field: " + path + ".email";
    // 004 documents only "must be valid business email": the shape every rule shares.
    if (!kit::plausible_email(em->value().get_string())) return "Invalid email format: " + path + ".email";
    for (const char* k : {"firstName", "lastName"})
      if (auto f = e.find(k); f != e.end() && !f->value().is_string() && !f->value().is_null())
        return "Invalid field: " + path + "." + k + " must be a string";
    if (auto f = e.find("tags"); f != e.end() && !is_numbers(f->value()))
      return "Invalid field: " + path + ".tags must be an array of tag IDs";
  }
  it = body.find("partnerType");
  if (it == body.end() || it->value().is_null()) return "Missing required field: partnerType";
  if (!it->value().is_string() ||
      (it->value().get_string() != "referral" && it->value().get_string() != "reseller"))
    return "Invalid partnerType: must be one of referral, reseller";
  for (const char* k : {"tierId", "categoryId", "countryId"})
    if (auto f = body.find(k); f != body.end() && !f->value().is_number())
      return std::string("Invalid field: ") + k + " must be a number";
  for (const char* k : {"stageUuid", "emailDomain"})
    if (auto f = body.find(k); f != body.end() && !f->value().is_string())
      return std::string("Invalid field: ") + k + " must be a string";
  if (auto f = body.find("inactive"); f != body.end() && !f->value().is_bool())
    return "Invalid field: inactive must be a boolean";
  if (auto f = body.find("reseller"); f != body.end()) {
    if (!f->value().is_string() ||
        (f->value().get_string() != "company" && f->value().get_string() != "partner"))
      return "Invalid field: reseller must be one of company, partner";
  }
  for (const char* k : {"assignedUsers", "tags"})
    if (auto f = body.find(k); f != body.end() && !is_numbers(f->value()))
      return std::string("Invalid field: ") + k + " must be an array of IDs";
  if (auto f = body.find("customFields"); f != body.end()) {
    if (!f->value().is_array()) return "Invalid field: customFields must be an array";
    const auto& arr = f->value().get_array();
    static constexpr std::array<std::string_view, 7> types = {"text",    "textarea", "number",      "date",
                                                              "boolean", "select",   "multi_select"};
    for (std::size_t i = 0; i < arr.size(); ++i) {
      const std::string path = "customFields[" + std::to_string(i) + "]";
      if (!arr[i].is_object()) return "Invalid field: " + path + " must be an object";
      const auto& cf = arr[i].get_object();
      auto id = cf.find("customFieldId");
      if (id == cf.end() || !id->value().is_number())
        return "Missing required field: " + path + ".customFieldId";
      auto type = cf.find("type");
      if (type == cf.end() || !type->value().is_string() ||
          std::find(types.begin(), types.end(), std::string_view(type->value().get_string())) == types.end())
        return "Invalid field: " + path +
               ".type must be one of text, textarea, number, date, boolean, select, "
               "multi_select";
      auto value = cf.find("value");
      if (value == cf.end() || !value->value().is_object())
        return "Missing required field: " + path + ".value";
    }
  }
  return {};
}

}  // namespace

struct JourneyBeeSimulator::Impl {
  struct Partnership {
    std::string company, first_email, partner_type, created_at, created_by;
    std::optional<std::string> company_id;  // from /api/v1/companies/{id}/partnerships
    json::value request;                    // the body as sent
  };
  mutable std::mutex mutex;
  std::vector<Partnership> partnerships;
  std::unordered_map<std::string, std::size_t> by_company;  // lower-cased, trimmed
  std::unordered_map<std::string, std::size_t> by_email;    // lower-cased first email
};

JourneyBeeSimulator::JourneyBeeSimulator(JourneyBeeOptions options, Clock clock, std::uint64_t)
    : VendorSimulator(options.keys, std::move(clock)),
      options_(std::move(options)),
      impl_(std::make_unique<Impl>()) {}

JourneyBeeSimulator::~JourneyBeeSimulator() = default;

namespace {
// "/api/v1/companies/{digits}/partnerships" -> the digits; else empty.
std::string_view company_id_of(std::string_view path) {
  constexpr std::string_view head = "/api/v1/companies/", tail = "/partnerships";
  if (!path.starts_with(head) || !path.ends_with(tail) || path.size() <= head.size() + tail.size()) return {};
  std::string_view id = path.substr(head.size(), path.size() - head.size() - tail.size());
  for (char c : id)
    if (c < '0' || c > '9') return {};
  return id;
}
}  // namespace

VendorSimulator::RouteMatch JourneyBeeSimulator::match(std::string_view method, std::string_view path) const {
  if (path != "/api/v1/partnerships" && company_id_of(path).empty()) return RouteMatch::none;
  return method == "POST" ? RouteMatch::ok : RouteMatch::method_not_allowed;
}

std::optional<HttpResponse> JourneyBeeSimulator::authenticate(const HttpRequest& request,
                                                              KeyIdentity& identity) const {
  const kit::BearerToken bearer = kit::read_bearer(request, kit::BearerParsing::lenient);
  if (bearer.status != kit::AuthStatus::ok) {
    identity = KeyIdentity{};
    return jb_error(401, "Invalid API key or insufficient permissions");
  }
  identity = identify(bearer.token);
  if (!identity.known) return jb_error(401, "Invalid API key or insufficient permissions");
  return std::nullopt;
}

HttpResponse JourneyBeeSimulator::apply(const HttpRequest& request, std::string_view path,
                                        const KeyIdentity& identity) {
  if (identity.read_only) return jb_error(403, "Write access required for this operation");
  const kit::JsonBody parsed = kit::parse_json_body(request.body);
  if (!parsed.is_object()) return jb_error(400, "Invalid request body: expected a JSON object");
  const json::object& body = parsed.value.get_object();
  if (auto problem = first_problem(body); !problem.empty()) return jb_error(400, problem);

  const auto& emails = body.at("emails").get_array();
  const std::string first_email(emails[0].get_object().at("email").get_string());
  const std::string domain = kit::email_domain(first_email);
  bool domains_ok = true;
  for (const auto& e : emails)
    if (kit::email_domain(e.get_object().at("email").get_string()) != domain) domains_ok = false;
  if (auto f = body.find("emailDomain");
      f != body.end() && text::ascii_lower(f->value().get_string()) != domain)
    domains_ok = false;
  if (!options_.own_domain.empty() && domain == text::ascii_lower(options_.own_domain)) domains_ok = false;
  if (options_.reject_free_email && is_free_mail(domain)) domains_ok = false;
  if (!domains_ok) return jb_error(406, "Invalid email domains or attempting to partner with self");

  const std::string company(text::trim(body.at("name").get_string()));
  const std::string company_key = text::ascii_lower(company);
  const std::string email_key = text::ascii_lower(first_email);
  std::lock_guard lock(impl_->mutex);
  if (impl_->by_company.contains(company_key) || impl_->by_email.contains(email_key))
    return jb_error(409, "Partnership already exists with this company");
  Impl::Partnership p;
  p.company = company;
  p.first_email = first_email;
  p.partner_type = std::string(body.at("partnerType").get_string());
  p.created_at = kit::iso8601(now(), 3);
  p.created_by = identity.label;
  if (auto id = company_id_of(path); !id.empty()) p.company_id = std::string(id);
  p.request = parsed.value;
  const std::size_t index = impl_->partnerships.size();
  impl_->by_company.emplace(company_key, index);
  impl_->by_email.emplace(email_key, index);
  impl_->partnerships.push_back(std::move(p));

  if (options_.empty_201) return kit::empty_response(201);
  return kit::json_response(
      201, json::object{{"status", "created"}, {"message", "Partnership created successfully"}});
}

HttpResponse JourneyBeeSimulator::rate_limited(const TokenBucket::Decision& d, time_point) const {
  auto r = jb_error(429, "Too many requests, please try again later.");
  r.headers.emplace_back("Retry-After", kit::delta_seconds(d.retry_after, true));
  r.headers.emplace_back("X-RateLimit-Limit", std::to_string(d.per_minute()));  // per minute (004)
  r.headers.emplace_back("X-RateLimit-Remaining", "0");
  r.headers.emplace_back("X-RateLimit-Reset", kit::delta_seconds(d.retry_after, true));
  return r;
}

void JourneyBeeSimulator::add_rate_limit_headers(HttpResponse& r, const TokenBucket::Decision& d,
                                                 time_point) const {
  r.headers.emplace_back("X-RateLimit-Limit", std::to_string(d.per_minute()));  // per minute (004)
  r.headers.emplace_back("X-RateLimit-Remaining", std::to_string(d.remaining));
  r.headers.emplace_back("X-RateLimit-Reset", kit::delta_seconds(d.reset, false));
}

HttpResponse JourneyBeeSimulator::server_error(int status) const {
  if (status == 500) return jb_error(500, "Internal server error");
  return kit::edge_page(status, kit::EdgeStyle::html);
}

HttpResponse JourneyBeeSimulator::payload_too_large(std::size_t) const {
  return jb_error(413, "Request body too large");
}

json::array JourneyBeeSimulator::partners() const {
  std::lock_guard lock(impl_->mutex);
  json::array out;
  for (const auto& p : impl_->partnerships) {
    json::value company_id = nullptr;
    if (p.company_id) company_id = *p.company_id;
    out.push_back(json::object{{"name", p.company},
                               {"email", p.first_email},
                               {"partnerType", p.partner_type},
                               {"companyId", company_id},
                               {"createdAt", p.created_at},
                               {"request", p.request},
                               {"createdBy", p.created_by}});
  }
  return out;
}

std::size_t JourneyBeeSimulator::partner_count() const {
  std::lock_guard lock(impl_->mutex);
  return impl_->partnerships.size();
}

void JourneyBeeSimulator::clear() {
  std::lock_guard lock(impl_->mutex);
  impl_->partnerships.clear();
  impl_->by_company.clear();
  impl_->by_email.clear();
}

}  // namespace partnerkit::sandbox
