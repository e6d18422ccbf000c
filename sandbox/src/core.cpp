#include <partnerkit/sandbox/core.hpp>

#include <partnerkit/sandbox/simulator_kit.hpp>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include <array>
#include <functional>
#include <mutex>
#include <stdexcept>

namespace partnerkit::sandbox {
namespace json = boost::json;

json::object Counters::to_json() const {
  json::object f;
  for (const auto& [k, v] : faults) f[k] = v;
  return json::object{
      {"requests", requests},
      {"answered", json::object{{"2xx", answered_2xx}, {"4xx", answered_4xx}, {"5xx", answered_5xx}}},
      {"rate_limited", rate_limited},
      {"faults", std::move(f)}};
}

namespace {

std::string echo_base64(std::string_view in) {
  static constexpr char a[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  std::size_t i = 0;
  for (; i + 3 <= in.size(); i += 3) {
    const unsigned v = (static_cast<unsigned char>(in[i]) << 16) |
                       (static_cast<unsigned char>(in[i + 1]) << 8) | static_cast<unsigned char>(in[i + 2]);
    for (int shift = 18; shift >= 0; shift -= 6) out.push_back(a[(v >> shift) & 63]);
  }
  const std::size_t rest = in.size() - i;
  if (rest) {
    unsigned v = static_cast<unsigned char>(in[i]) << 16;
    if (rest == 2) v |= static_cast<unsigned char>(in[i + 1]) << 8;
    out.push_back(a[(v >> 18) & 63]);
    out.push_back(a[(v >> 12) & 63]);
    out.push_back(rest == 2 ? a[(v >> 6) & 63] : '=');
    out.push_back('=');
  }
  return out;
}

std::string echo_url_encoded(std::string_view in) {
  static constexpr char hex[] = "0123456789ABCDEF";
  std::string out;
  for (char ch : in) {
    const auto c = static_cast<unsigned char>(ch);
    if ((c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '-' || c == '.' ||
        c == '_' || c == '~') {
      out.push_back(ch);
    } else {
      out += {'%', hex[c >> 4], hex[c & 15]};
    }
  }
  return out;
}

std::string echo_html(std::string_view in) {
  std::string out;
  for (char c : in) {
    switch (c) {
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '&':
        out += "&amp;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&#39;";
        break;
      default:
        out.push_back(c);
    }
  }
  return out;
}

// The "echo" fault: a hostile vendor that reflects the whole request in its 422 (see faults.hpp).
HttpResponse echo_response(const HttpRequest& request) {
  const std::string auth(request.header("Authorization"));
  std::string header_dump;
  for (const auto& [k, v] : request.headers) header_dump += k + ": " + v + "\r\n";
  json::object errors;
  std::string form;
  boost::system::error_code ec;
  json::value body = json::parse(request.body, ec);
  std::function<void(const json::object&, const std::string&, int)> walk =
      [&](const json::object& o, const std::string& prefix, int depth) {
        for (const auto& kv : o) {
          const std::string name = prefix + std::string(kv.key());
          if (kv.value().is_object() && depth < 4) {
            walk(kv.value().get_object(), name + ".", depth + 1);
            continue;
          }
          const std::string value =
              kv.value().is_string() ? std::string(kv.value().get_string()) : json::serialize(kv.value());
          errors[name] = json::array{"The " + name + " " + value + " has appeared in a data leak."};
          form += (form.empty() ? "" : "&") + echo_url_encoded(name) + "=" + echo_url_encoded(value);
        }
      };
  if (!ec && body.is_object()) walk(body.get_object(), "", 0);
  const std::string message = "The given data was invalid: " + request.body + " (sent with " + auth +
                              "; debug " + echo_base64(request.body) + "; form " + form + ")";
  json::object o{
      {"message", message},
      {"errors", std::move(errors)},
      {"error", json::object{{"code", "unprocessable_entity"}, {"message", message}}},
      {"request", request.body},
      {"request_headers", header_dump},
      {"request_base64", echo_base64(request.body)},
      {"basic", "Basic " + echo_base64("user:" + auth)},
      {"request_urlencoded", form},
      {"html", "<html><body><h1>422</h1><pre>" + echo_html(request.body) + "</pre></body></html>"},
  };
  HttpResponse r = kit::json_response(422, o);
  r.headers.emplace_back("X-Echo-Authorization", auth);
  r.headers.emplace_back("X-Echo-Request", echo_base64(request.body));
  return r;
}
Clock or_system(Clock c) {
  if (c) return c;
  return [] { return std::chrono::system_clock::now(); };
}
json::object rate_json(const RateLimitOptions& r) {
  return json::object{{"requests_per_second", r.requests_per_second}, {"burst", r.capacity()}};
}
}  // namespace

struct SandboxCore::Impl {
  SandboxConfig config;
  Clock clock;
  DubSimulator dub;
  PartneroSimulator partnero;
  JourneyBeeSimulator journeybee;
  std::vector<std::unique_ptr<VendorSimulator>> plugins;  // made from config.plugin_simulators
  std::vector<VendorSimulator*> vendors;                  // built-ins first, then plugins

  mutable std::mutex mutex;  // guards everything below
  std::map<std::pair<std::string, std::string>, TokenBucket, std::less<>> buckets;
  std::map<std::string, std::map<std::string, Counters, std::less<>>, std::less<>> counters;
  FaultInjector injector;
  std::uint64_t unrouted = 0;

  explicit Impl(SandboxConfig c)
      : config(std::move(c)),
        clock(or_system(config.clock)),
        dub(config.dub, clock, config.seed),
        partnero(config.partnero, clock, config.seed),
        journeybee(config.journeybee, clock, config.seed),
        vendors{&dub, &partnero, &journeybee},
        injector(config.faults, config.seed) {
    for (const auto& ps : config.plugin_simulators) {
      auto sim = make_plugin_simulator(ps, SimulatorParams{clock, config.seed});
      for (const auto* v : vendors)
        if (v->name() == sim->name())
          throw std::invalid_argument("partnerkit sandbox: two simulators named '" +
                                      std::string(sim->name()) + "'");
      vendors.push_back(sim.get());
      plugins.push_back(std::move(sim));
    }
  }

  RateLimitOptions limit_of(std::string_view vendor) const {
    if (auto it = config.vendor_rate_limits.find(vendor); it != config.vendor_rate_limits.end())
      return it->second;
    return config.rate_limit;
  }

  Counters& counter(std::string_view vendor, std::string_view label) {
    auto& per_vendor = counters[std::string(vendor)];
    auto it = per_vendor.find(label);
    if (it == per_vendor.end()) it = per_vendor.emplace(std::string(label), Counters{}).first;
    return it->second;
  }

  void count_answer(Counters& c, int status) {
    if (status >= 500)
      ++c.answered_5xx;
    else if (status >= 400)
      ++c.answered_4xx;
    else
      ++c.answered_2xx;
  }
};

SandboxCore::SandboxCore(SandboxConfig config) : impl_(std::make_unique<Impl>(std::move(config))) {}
SandboxCore::~SandboxCore() = default;

Disposition SandboxCore::handle(const HttpRequest& request, const RequestContext& context) {
  Disposition out;
  const std::string_view path = request_path(request.url);

  if (path.starts_with("/__sandbox/")) {
    if (!context.peer_is_loopback) {
      out.response =
          kit::json_response(403, json::object{{"error", "The sandbox state is served to loopback only"}});
    } else if (path != "/__sandbox/state") {
      out.response = kit::json_response(404, json::object{{"error", "Not Found"}});
    } else if (request.method == "GET") {
      const bool include_partners = request.url.find("partners=false") == std::string::npos &&
                                    request.url.find("partners=0") == std::string::npos;
      out.response = kit::json_response(200, state(include_partners));
    } else if (request.method == "DELETE") {
      reset();
      out.response.status = 204;
    } else {
      out.response = kit::json_response(405, json::object{{"error", "Method Not Allowed"}});
      out.response.headers.emplace_back("Allow", "GET, DELETE");
    }
    if (context.body_too_large) out.close = true;
    return out;
  }

  VendorSimulator* vendor = nullptr;
  VendorSimulator::RouteMatch match = VendorSimulator::RouteMatch::none;
  for (auto* v : impl_->vendors) {
    match = v->match(request.method, path);
    if (match != VendorSimulator::RouteMatch::none) {
      vendor = v;
      break;
    }
  }
  if (!vendor || match == VendorSimulator::RouteMatch::method_not_allowed) {
    {
      std::lock_guard lock(impl_->mutex);
      ++impl_->unrouted;
    }
    if (!vendor) {
      out.response = kit::json_response(404, json::object{{"error", "Not Found"}});
    } else {
      out.response = kit::json_response(405, json::object{{"error", "Method Not Allowed"}});
      out.response.headers.emplace_back("Allow", "POST");
    }
    out.close = context.body_too_large;
    return out;
  }
  out.vendor = std::string(vendor->name());
  out.delay = impl_->config.faults.latency;  // every answer of a vendor route, refusals included

  KeyIdentity identity;
  auto auth_error = vendor->authenticate(request, identity);
  if (context.body_too_large) {
    out.response = vendor->payload_too_large(impl_->config.max_body_bytes);
    out.close = true;
  } else if (auth_error) {
    out.response = std::move(*auth_error);
  }
  if (out.response.status != 0) {
    std::lock_guard lock(impl_->mutex);
    auto& c = impl_->counter(out.vendor, identity.label);
    ++c.requests;
    impl_->count_answer(c, out.response.status);
    return out;
  }

  const auto now = impl_->clock();
  const RateLimitOptions limit = impl_->limit_of(out.vendor);
  std::optional<TokenBucket::Decision> decision;
  FaultInjector::Draw draw;
  {
    std::lock_guard lock(impl_->mutex);
    auto& c = impl_->counter(out.vendor, identity.label);
    ++c.requests;
    if (limit.enabled()) {
      auto key = std::make_pair(out.vendor, identity.label);
      auto it = impl_->buckets.find(key);
      if (it == impl_->buckets.end()) it = impl_->buckets.emplace(key, TokenBucket(limit, now)).first;
      decision = it->second.take(now);
      if (!decision->allowed) {
        ++c.rate_limited;
        ++c.answered_4xx;
        out.response = vendor->rate_limited(*decision, now);
        return out;
      }
    }
    draw = impl_->injector.draw();
    if (draw.kind != FaultKind::none) ++c.faults[std::string(to_string(draw.kind))];
  }
  out.fault = draw.kind;

  switch (draw.kind) {
    case FaultKind::server_error:
      out.response = vendor->server_error(draw.status);
      break;
    case FaultKind::reset:
      out.action = Action::reset;
      return out;
    case FaultKind::stall:
      out.action = Action::stall;
      return out;
    case FaultKind::echo:
      out.response = echo_response(request);
      break;
    case FaultKind::apply_then_drop:
      out.action = Action::drop;
      out.response = vendor->apply(request, path, identity);
      return out;
    case FaultKind::truncate:
      out.action = Action::truncate;
      out.response = vendor->apply(request, path, identity);
      break;
    case FaultKind::early_hints:
      out.early_hints = true;
      out.response = vendor->apply(request, path, identity);
      break;
    case FaultKind::apply_then_5xx:
      // The backend acted; the gateway's answer says it did not (as far as the client can tell).
      (void)vendor->apply(request, path, identity);
      out.response = vendor->server_error(draw.status);
      break;
    case FaultKind::none:
      out.response = vendor->apply(request, path, identity);
      break;
  }
  if (decision) vendor->add_rate_limit_headers(out.response, *decision, now);
  if (out.action == Action::respond) {
    std::lock_guard lock(impl_->mutex);
    impl_->count_answer(impl_->counter(out.vendor, identity.label), out.response.status);
  }
  return out;
}

json::object SandboxCore::state(bool include_partners) const {
  json::object vendors;
  std::map<std::string, std::map<std::string, Counters, std::less<>>, std::less<>> counters;
  std::uint64_t unrouted;
  {
    std::lock_guard lock(impl_->mutex);
    counters = impl_->counters;
    unrouted = impl_->unrouted;
  }
  for (const auto* v : impl_->vendors) {
    json::object c;
    if (auto it = counters.find(v->name()); it != counters.end())
      for (const auto& [label, counter] : it->second) c[label] = counter.to_json();
    json::object entry;
    if (include_partners) {
      entry["partners"] = v->partners();
      if (v == &impl_->partnero) entry["invites"] = impl_->partnero.invites();
    } else {
      entry["partner_count"] = v->partner_count();
    }
    entry["counters"] = std::move(c);
    json::object limit = rate_json(impl_->limit_of(v->name()));
    entry["rate_limit"] = std::move(limit);
    vendors[v->name()] = std::move(entry);
  }
  return json::object{{"vendors", std::move(vendors)},
                      {"unrouted", unrouted},
                      {"faults", impl_->config.faults.to_string()},
                      {"seed", impl_->config.seed}};
}

Counters SandboxCore::counters(std::string_view vendor, std::string_view key_label) const {
  std::lock_guard lock(impl_->mutex);
  auto v = impl_->counters.find(vendor);
  if (v == impl_->counters.end()) return {};
  auto k = v->second.find(key_label);
  return k == v->second.end() ? Counters{} : k->second;
}

void SandboxCore::reset() {
  for (auto* v : impl_->vendors) v->clear();
  std::lock_guard lock(impl_->mutex);
  impl_->counters.clear();
  impl_->buckets.clear();
  impl_->unrouted = 0;
}

VendorSimulator& SandboxCore::vendor(std::string_view name) {
  for (auto* v : impl_->vendors)
    if (v->name() == name) return *v;
  throw std::out_of_range("partnerkit sandbox: unknown vendor '" + std::string(name) + "'");
}

const VendorSimulator& SandboxCore::vendor(std::string_view name) const {
  return const_cast<SandboxCore*>(this)->vendor(name);
}

DubSimulator& SandboxCore::dub() noexcept { return impl_->dub; }
PartneroSimulator& SandboxCore::partnero() noexcept { return impl_->partnero; }
JourneyBeeSimulator& SandboxCore::journeybee() noexcept { return impl_->journeybee; }
std::string SandboxCore::api_key(std::string_view name) const { return vendor(name).default_key(); }

std::vector<std::string> SandboxCore::vendor_names() const {
  std::vector<std::string> out;
  for (const auto* v : impl_->vendors) out.emplace_back(v->name());
  return out;
}

boost::json::object SandboxCore::client_settings(std::string_view vendor) const {
  for (const auto& ps : impl_->config.plugin_simulators)
    if (ps.vendor == vendor) return ps.client_settings;
  return {};
}
const SandboxConfig& SandboxCore::config() const noexcept { return impl_->config; }

std::unique_ptr<VendorSimulator> make_plugin_simulator(const PluginSimulator& ps,
                                                       const SimulatorParams& params) {
  if (!ps.factory)
    throw std::invalid_argument("partnerkit sandbox: plugin simulator '" + ps.vendor + "' has no factory");
  auto made = ps.factory(params);
  if (!made)
    throw std::invalid_argument("partnerkit sandbox: plugin simulator '" + ps.vendor +
                                "' factory returned null");
  std::unique_ptr<VendorSimulator> sim(dynamic_cast<VendorSimulator*>(made.get()));
  if (!sim)
    throw std::invalid_argument("partnerkit sandbox: plugin simulator '" + ps.vendor +
                                "' factory made no sandbox::VendorSimulator");
  (void)made.release();  // owned by sim now
  return sim;
}

}  // namespace partnerkit::sandbox
