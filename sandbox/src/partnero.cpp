// The Partnero simulator: POST /v1/partners and POST /v1/partners:invite
// (developers.partnero.com/reference/partners).
#include <partnerkit/sandbox/simulator_kit.hpp>
#include <partnerkit/text/ascii.hpp>
#include <partnerkit/text/utf8.hpp>

#include <boost/json/object.hpp>

#include <map>
#include <unordered_map>

namespace partnerkit::sandbox {
namespace json = boost::json;
using kit::nullable;

namespace {

std::string attribute(std::string_view field) {
  std::string out(field);
  for (auto& c : out)
    if (c == '_') c = ' ';
  return out;
}

// Laravel's validator: messages per field, in rule order, the first failure of each field only.
class LaravelErrors {
 public:
  std::vector<std::pair<std::string, std::string>> errors;  // field, message

  bool has(std::string_view field) const {
    for (const auto& e : errors)
      if (e.first == field) return true;
    return false;
  }
  void add(std::string field, std::string message) {
    if (!has(field)) errors.emplace_back(std::move(field), std::move(message));
  }

  // nullable|string|max:255 (required when asked). Returns the string when present and valid.
  std::optional<std::string> string_field(const json::object& o, std::string_view key, bool required,
                                          std::size_t max = 255, const std::string& prefix = {}) {
    const std::string field = prefix + std::string(key);
    auto it = o.find(key);
    if (it == o.end() || it->value().is_null() ||
        (it->value().is_string() && it->value().get_string().empty())) {
      if (required) add(field, "The " + attribute(field) + " field is required.");
      return std::nullopt;
    }
    if (!it->value().is_string()) {
      add(field, "The " + attribute(field) + " field must be a string.");
      return std::nullopt;
    }
    std::string s(it->value().get_string());
    if (text::code_points(s) > max) {  // Laravel counts characters (mb_strlen)
      add(field, "The " + attribute(field) + " field must not be greater than " + std::to_string(max) +
                     " characters.");
      return std::nullopt;
    }
    return s;
  }

  // The first "already been taken" error, if any.
  const std::string* taken() const {
    for (const auto& e : errors)
      if (e.second.find("already been taken") != std::string::npos) return &e.second;
    return nullptr;
  }

  HttpResponse response(int duplicate_status) const {
    if (duplicate_status == 409)
      if (const std::string* t = taken()) return kit::json_response(409, json::object{{"message", *t}});
    json::object errs;
    for (const auto& [field, message] : errors) errs[field] = json::array{json::value(message)};
    std::string message = errors.front().second;
    if (errors.size() > 1) {
      auto more = errors.size() - 1;
      message += " (and " + std::to_string(more) + (more == 1 ? " more error)" : " more errors)");
    }
    return kit::json_response(422, json::object{{"message", message}, {"errors", std::move(errs)}});
  }
};

HttpResponse message(int status, std::string_view text) {
  return kit::json_response(status, json::object{{"message", text}});
}

}  // namespace

struct PartneroSimulator::Impl {
  struct Partner {
    std::string id, key, email, created_at, created_by;
    std::optional<std::string> name, surname;
    std::vector<std::string> tags;
    bool password_set = false;
    std::optional<std::string> referred_by;  // the referring partner's id
    std::string status = "active";           // archived, deleted
    // State only: create requests that named this partner (its email or id), and those of them that
    // came after a GET had answered with it: a client that reconciles by lookup sends none.
    std::uint64_t creates = 1;
    std::uint64_t creates_after_found = 0;
    mutable bool found = false;
  };
  struct Invite {
    std::string email, created_at, created_by;
    std::string name;
    std::optional<std::string> surname;
  };
  mutable std::mutex mutex;
  kit::IdGenerator ids;
  std::vector<Partner> partners;
  std::vector<Invite> invites;
  std::unordered_map<std::string, std::size_t> by_email, by_id, by_key;  // email lower-cased
  std::unordered_map<std::string, std::size_t> invite_by_email;
  explicit Impl(std::uint64_t seed) : ids(seed) {}
};

PartneroSimulator::PartneroSimulator(PartneroOptions options, Clock clock, std::uint64_t seed)
    : VendorSimulator(options.keys, std::move(clock)),
      options_(std::move(options)),
      impl_(std::make_unique<Impl>(seed ^ 0x9A27E550ull)) {}

PartneroSimulator::~PartneroSimulator() = default;

namespace {

// "/v1/partners/{id}[/archive|/revoke-archive]" -> {id, action}; id empty when the path is not one.
std::pair<std::string_view, std::string_view> partner_route(std::string_view path) {
  constexpr std::string_view prefix = "/v1/partners/";
  if (!path.starts_with(prefix) || path.size() == prefix.size()) return {};
  std::string_view rest = path.substr(prefix.size());
  const auto slash = rest.find('/');
  if (slash == std::string_view::npos) return {rest, {}};
  std::string_view action = rest.substr(slash + 1);
  if (slash == 0 || (action != "archive" && action != "revoke-archive")) return {};
  return {rest.substr(0, slash), action};
}

}  // namespace

VendorSimulator::RouteMatch PartneroSimulator::match(std::string_view method, std::string_view path) const {
  if (path == "/v1/partners" || path == "/v1/partners:invite")
    return method == "POST" ? RouteMatch::ok : RouteMatch::method_not_allowed;
  const auto [id, action] = partner_route(path);
  if (id.empty()) return RouteMatch::none;
  if (!action.empty()) return method == "POST" ? RouteMatch::ok : RouteMatch::method_not_allowed;
  return method == "GET" || method == "PUT" || method == "DELETE" ? RouteMatch::ok
                                                                  : RouteMatch::method_not_allowed;
}

std::optional<HttpResponse> PartneroSimulator::authenticate(const HttpRequest& request,
                                                            KeyIdentity& identity) const {
  const kit::BearerToken bearer = kit::read_bearer(request, kit::BearerParsing::lenient);
  if (bearer.status != kit::AuthStatus::ok) {
    identity = KeyIdentity{};
    return message(401, "Unauthenticated.");
  }
  identity = identify(bearer.token);
  if (!identity.known) return message(401, "Unauthenticated.");
  return std::nullopt;
}

HttpResponse PartneroSimulator::apply(const HttpRequest& request, std::string_view path,
                                      const KeyIdentity& identity) {
  if (const auto [id, action] = partner_route(path); !id.empty()) {
    if (request.method == "GET") return get(id);
    if (identity.read_only) return message(403, "This action is unauthorized.");
    if (request.method == "PUT") return update(request, id);
    if (request.method == "DELETE") return remove(id);
    return archive(id, action == "archive");
  }
  if (identity.read_only) return message(403, "This action is unauthorized.");
  const kit::JsonBody parsed = kit::parse_json_body(request.body);
  json::object empty;
  // Laravel reads a body that is not a JSON object as no input at all.
  const json::object& body = parsed.is_object() ? parsed.value.get_object() : empty;
  const bool invite = path == "/v1/partners:invite";

  LaravelErrors v;
  auto email = v.string_field(body, "email", true);
  if (email && !kit::laravel_email(*email)) {
    v.add("email", "The email field must be a valid email address.");
    email.reset();
  }
  auto name = v.string_field(body, "name", invite);
  auto surname = v.string_field(body, "surname", false);

  std::lock_guard lock(impl_->mutex);
  const std::string email_key = email ? text::ascii_lower(*email) : std::string();
  if (!invite) {
    std::optional<std::size_t> same;
    if (auto f = impl_->by_email.find(email_key); email && f != impl_->by_email.end()) same = f->second;
    if (const auto* idv = body.if_contains("id"); !same && idv && idv->is_string())
      if (auto f = impl_->by_id.find(std::string(idv->get_string())); f != impl_->by_id.end())
        same = f->second;
    if (same) {
      auto& p = impl_->partners[*same];
      ++p.creates;
      if (p.found) ++p.creates_after_found;
    }
  }
  if (email && (impl_->by_email.contains(email_key) || impl_->invite_by_email.contains(email_key)))
    v.add("email", "The email has already been taken.");

  if (invite) {
    if (!v.errors.empty()) return v.response(options_.duplicate_status);
    Impl::Invite inv{*email, kit::iso8601(now(), 6), identity.label, *name, surname};
    impl_->invite_by_email.emplace(email_key, impl_->invites.size());
    impl_->invites.push_back(inv);
    return kit::json_response(201, json::object{{"data", json::object{{"email", inv.email},
                                                                      {"name", inv.name},
                                                                      {"surname", nullable(inv.surname)},
                                                                      {"status", "pending"},
                                                                      {"created_at", inv.created_at},
                                                                      {"updated_at", inv.created_at}}},
                                                {"status", 1}});
  }

  bool password_set = false;
  if (auto it = body.find("password"); it != body.end() && !it->value().is_null()) {
    password_set = true;
    if (!it->value().is_string()) {
      v.add("password", "The password field must be a string.");
    } else {
      std::string_view pw = it->value().get_string();
      bool lower = false, upper = false, digit = false;
      for (unsigned char c : pw) {
        lower |= std::islower(c) != 0;
        upper |= std::isupper(c) != 0;
        digit |= std::isdigit(c) != 0;
      }
      if (text::code_points(pw) < 8)
        v.add("password", "The password field must be at least 8 characters.");
      else if (!lower || !upper)
        v.add("password", "The password field must contain at least one uppercase and one lowercase letter.");
      else if (!digit)
        v.add("password", "The password field must contain at least one number.");
    }
  }
  auto id = v.string_field(body, "id", false);
  if (id && impl_->by_id.contains(*id)) v.add("id", "The id has already been taken.");
  auto key = v.string_field(body, "key", false);
  if (key && impl_->by_key.contains(text::ascii_lower(*key))) v.add("key", "The key has already been taken.");

  std::vector<std::string> tags;
  if (auto it = body.find("tags"); it != body.end() && !it->value().is_null()) {
    if (!it->value().is_array()) {
      v.add("tags", "The tags field must be an array.");
    } else {
      const auto& arr = it->value().get_array();
      for (std::size_t i = 0; i < arr.size(); ++i) {
        if (arr[i].is_string())
          tags.emplace_back(arr[i].get_string());
        else
          v.add("tags." + std::to_string(i), "The tags." + std::to_string(i) + " field must be a string.");
      }
    }
  }
  std::optional<std::string> ref_id, ref_key, ref_email;
  if (auto it = body.find("referring_partner"); it != body.end() && !it->value().is_null()) {
    if (!it->value().is_object()) {
      v.add("referring_partner", "The referring partner field must be an array.");
    } else {
      const auto& ref = it->value().get_object();
      ref_id = v.string_field(ref, "id", false, 255, "referring_partner.");
      ref_key = v.string_field(ref, "key", false, 255, "referring_partner.");
      ref_email = v.string_field(ref, "email", false, 255, "referring_partner.");
    }
  }
  if (!v.errors.empty()) return v.response(options_.duplicate_status);

  std::optional<std::string> referred_by;
  if (ref_id || ref_key || ref_email) {
    std::optional<std::size_t> found;
    if (ref_id)
      if (auto f = impl_->by_id.find(*ref_id); f != impl_->by_id.end()) found = f->second;
    if (!found && ref_key)
      if (auto f = impl_->by_key.find(text::ascii_lower(*ref_key)); f != impl_->by_key.end())
        found = f->second;
    if (!found && ref_email)
      if (auto f = impl_->by_email.find(text::ascii_lower(*ref_email)); f != impl_->by_email.end())
        found = f->second;
    if (!found) return message(400, "Referring partner not found");
    referred_by = impl_->partners[*found].id;
  }

  Impl::Partner p;
  p.email = *email;
  p.name = name;
  p.surname = surname;
  p.id = id ? *id : impl_->ids.alnum(10, true);
  while (!id && impl_->by_id.contains(p.id)) p.id = impl_->ids.alnum(10, true);
  p.key = key ? *key : impl_->ids.alnum(8, true);
  while (!key && impl_->by_key.contains(p.key)) p.key = impl_->ids.alnum(8, true);
  p.tags = tags;
  p.password_set = password_set;
  p.referred_by = referred_by;
  p.created_at = kit::iso8601(now(), 6);
  p.created_by = identity.label;
  const std::size_t index = impl_->partners.size();
  impl_->by_email.emplace(email_key, index);
  impl_->by_id.emplace(p.id, index);
  impl_->by_key.emplace(text::ascii_lower(p.key), index);
  impl_->partners.push_back(p);

  return kit::json_response(201, json::object{{"data", partner_data(index)}, {"status", 1}});
}

json::object PartneroSimulator::partner_data(std::size_t index) const {
  const auto& p = impl_->partners[index];
  const std::string sep = options_.referral_url.find('?') == std::string::npos ? "?" : "&";
  const std::string link = options_.referral_url + sep + "aff=" + p.key;
  json::array tag_values;
  for (const auto& t : p.tags) tag_values.push_back(json::object{{"value", t}});
  json::object data{{"email", p.email},
                    {"created_at", p.created_at},
                    {"updated_at", p.created_at},
                    {"name", nullable(p.name)},
                    {"id", p.id},
                    {"surname", nullable(p.surname)},
                    {"tos", false},
                    {"approved", true},
                    {"status", p.status},
                    {"custom_fields", json::array{}},
                    {"referrals_count", 0},
                    {"tags", std::move(tag_values)},
                    {"referral_link", link},
                    {"referral_links", json::array{json::value(link)}}};
  return data;
}

std::optional<std::size_t> PartneroSimulator::find_partner(std::string_view id) const {
  auto it = impl_->by_id.find(std::string(id));
  if (it == impl_->by_id.end()) return std::nullopt;
  return it->second;
}

HttpResponse PartneroSimulator::get(std::string_view id) const {
  std::lock_guard lock(impl_->mutex);
  auto index = find_partner(id);
  if (!index) return message(404, "Partner not found");
  impl_->partners[*index].found = true;
  return kit::json_response(200, json::object{{"data", partner_data(*index)}, {"status", 1}});
}

// PUT /v1/partners/{id} {"update":{email, name, surname, password, key, tags}}: the same rules as a
// create, uniqueness against the other partners; tags [] removes all, null leaves them.
HttpResponse PartneroSimulator::update(const HttpRequest& request, std::string_view id) {
  const kit::JsonBody parsed = kit::parse_json_body(request.body);
  json::object empty;
  const json::object& body = parsed.is_object() ? parsed.value.get_object() : empty;
  std::lock_guard lock(impl_->mutex);
  auto index = find_partner(id);
  if (!index) return message(404, "Partner not found");
  const json::object* upd = nullptr;
  if (auto it = body.find("update"); it != body.end() && it->value().is_object())
    upd = &it->value().get_object();
  LaravelErrors v;
  if (!upd) {
    v.add("update", "The update field is required.");
    return v.response(422);
  }
  auto email = v.string_field(*upd, "email", false, 255, "update.");
  if (email && !kit::laravel_email(*email)) {
    v.add("update.email", "The update.email field must be a valid email address.");
    email.reset();
  }
  if (email) {
    auto other = impl_->by_email.find(text::ascii_lower(*email));
    if (other != impl_->by_email.end() && other->second != *index)
      v.add("update.email", "The update.email has already been taken.");
  }
  auto name = v.string_field(*upd, "name", false, 255, "update.");
  auto surname = v.string_field(*upd, "surname", false, 255, "update.");
  bool password_set = false;
  if (auto it = upd->find("password"); it != upd->end() && !it->value().is_null()) {
    password_set = true;
    std::string_view pw =
        it->value().is_string() ? std::string_view(it->value().get_string()) : std::string_view{};
    bool lower = false, upper = false, digit = false;
    for (unsigned char c : pw) {
      lower |= std::islower(c) != 0;
      upper |= std::isupper(c) != 0;
      digit |= std::isdigit(c) != 0;
    }
    if (!it->value().is_string() || text::code_points(pw) < 8 || !lower || !upper || !digit)
      v.add("update.password",
            "The update.password field must be at least 8 characters and contain at least "
            "one uppercase and one lowercase letter and one number.");
  }
  auto key = v.string_field(*upd, "key", false, 255, "update.");
  if (key) {
    auto other = impl_->by_key.find(text::ascii_lower(*key));
    if (other != impl_->by_key.end() && other->second != *index)
      v.add("update.key", "The update.key has already been taken.");
  }
  std::optional<std::vector<std::string>> tags;
  if (auto it = upd->find("tags"); it != upd->end() && !it->value().is_null()) {
    if (!it->value().is_array()) {
      v.add("update.tags", "The update.tags field must be an array.");
    } else {
      tags.emplace();
      for (const auto& t : it->value().get_array()) {
        if (t.is_string())
          tags->emplace_back(t.get_string());
        else
          v.add("update.tags", "The update.tags field must be an array of strings.");
      }
    }
  }
  if (!v.errors.empty()) return v.response(options_.duplicate_status);
  auto& p = impl_->partners[*index];
  if (email) {
    impl_->by_email.erase(text::ascii_lower(p.email));
    p.email = *email;
    impl_->by_email[text::ascii_lower(p.email)] = *index;
  }
  if (name) p.name = name;
  if (surname) p.surname = surname;
  if (password_set) p.password_set = true;
  if (key) {
    impl_->by_key.erase(text::ascii_lower(p.key));
    p.key = *key;
    impl_->by_key[text::ascii_lower(p.key)] = *index;
  }
  if (tags) p.tags = *tags;
  return kit::json_response(200, json::object{{"data", partner_data(*index)}, {"status", 1}});
}

// POST .../archive and .../revoke-archive: {"status":1}; 400 "Action failed" when already (not) archived.
HttpResponse PartneroSimulator::archive(std::string_view id, bool archive) {
  std::lock_guard lock(impl_->mutex);
  auto index = find_partner(id);
  if (!index) return message(404, "Partner not found");
  auto& p = impl_->partners[*index];
  if ((p.status == "archived") == archive) return message(400, "Action failed");
  p.status = archive ? "archived" : "active";
  return kit::json_response(200, json::object{{"status", 1}});
}

// DELETE /v1/partners/{id}: gone for good (its email, id and key are free again).
HttpResponse PartneroSimulator::remove(std::string_view id) {
  std::lock_guard lock(impl_->mutex);
  auto index = find_partner(id);
  if (!index) return message(404, "Partner not found");
  auto& p = impl_->partners[*index];
  impl_->by_email.erase(text::ascii_lower(p.email));
  impl_->by_id.erase(p.id);
  impl_->by_key.erase(text::ascii_lower(p.key));
  p.status = "deleted";
  return kit::json_response(200, json::object{{"status", 1}});
}

HttpResponse PartneroSimulator::rate_limited(const TokenBucket::Decision& d, time_point) const {
  auto r = message(429, "Too Many Attempts.");
  r.headers.emplace_back("Retry-After", kit::delta_seconds(d.retry_after, true));
  r.headers.emplace_back("X-RateLimit-Limit", std::to_string(d.limit));
  r.headers.emplace_back("X-RateLimit-Remaining", "0");
  r.headers.emplace_back("X-RateLimit-Reset", kit::delta_seconds(d.retry_after, true));
  return r;
}

void PartneroSimulator::add_rate_limit_headers(HttpResponse& r, const TokenBucket::Decision& d,
                                               time_point) const {
  r.headers.emplace_back("X-RateLimit-Limit", std::to_string(d.limit));
  r.headers.emplace_back("X-RateLimit-Remaining", std::to_string(d.remaining));
  r.headers.emplace_back("X-RateLimit-Reset", kit::delta_seconds(d.reset, false));
}

HttpResponse PartneroSimulator::server_error(int status) const {
  if (status == 500) return message(500, "Server Error");
  return kit::edge_page(status, kit::EdgeStyle::nginx);
}

HttpResponse PartneroSimulator::payload_too_large(std::size_t) const {
  return kit::edge_page(413, kit::EdgeStyle::nginx);
}

json::array PartneroSimulator::partners() const {
  std::lock_guard lock(impl_->mutex);
  json::array out;
  for (const auto& p : impl_->partners) {
    json::array tags;
    for (const auto& t : p.tags) tags.push_back(json::value(t));
    out.push_back(json::object{{"id", p.id},
                               {"key", p.key},
                               {"email", p.email},
                               {"name", nullable(p.name)},
                               {"surname", nullable(p.surname)},
                               {"tags", std::move(tags)},
                               {"password_set", p.password_set},
                               {"referring_partner_id", nullable(p.referred_by)},
                               {"status", p.status},
                               {"created_at", p.created_at},
                               {"createdBy", p.created_by},
                               {"creates", p.creates},
                               {"createsAfterFound", p.creates_after_found}});
  }
  return out;
}

json::array PartneroSimulator::invites() const {
  std::lock_guard lock(impl_->mutex);
  json::array out;
  for (const auto& i : impl_->invites)
    out.push_back(json::object{{"email", i.email},
                               {"name", i.name},
                               {"surname", nullable(i.surname)},
                               {"created_at", i.created_at},
                               {"createdBy", i.created_by}});
  return out;
}

std::size_t PartneroSimulator::partner_count() const {
  std::lock_guard lock(impl_->mutex);
  return impl_->partners.size();
}

void PartneroSimulator::clear() {
  std::lock_guard lock(impl_->mutex);
  impl_->partners.clear();
  impl_->invites.clear();
  impl_->by_email.clear();
  impl_->by_id.clear();
  impl_->by_key.clear();
  impl_->invite_by_email.clear();
}

}  // namespace partnerkit::sandbox
