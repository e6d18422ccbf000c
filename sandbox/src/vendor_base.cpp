#include <partnerkit/sandbox/vendors.hpp>

#include <partnerkit/sandbox/simulator_kit.hpp>

#include <boost/json/object.hpp>

namespace partnerkit::sandbox {

std::string_view request_path(std::string_view url) noexcept {
  auto scheme = url.find("://");
  if (scheme != std::string_view::npos && url.find('/') > scheme) {
    url.remove_prefix(scheme + 3);
    auto slash = url.find('/');
    if (slash == std::string_view::npos) return "/";
    url.remove_prefix(slash);
  }
  auto end = url.find_first_of("?#");
  if (end != std::string_view::npos) url = url.substr(0, end);
  if (url.empty()) return "/";
  return url;
}

VendorSimulator::VendorSimulator(std::vector<ApiKey> keys, Clock clock)
    : keys_(std::move(keys)), clock_(std::move(clock)) {
  if (!clock_) clock_ = [] { return std::chrono::system_clock::now(); };
}

std::string VendorSimulator::default_key() const {
  for (const auto& k : keys_)
    if (!k.read_only) return k.key;
  return keys_.empty() ? std::string() : keys_.front().key;
}

KeyIdentity VendorSimulator::identify(std::string_view token) const {
  KeyIdentity id;
  id.label = "(unknown)";
  for (const auto& k : keys_) {
    if (kit::secure_equals(token, k.key)) {
      id.label = k.key;
      id.known = true;
      id.read_only = k.read_only;
      break;
    }
  }
  return id;
}

void VendorSimulator::add_rate_limit_headers(HttpResponse&, const TokenBucket::Decision&, time_point) const {}

HttpResponse VendorSimulator::server_error(int status) const {
  if (status == 500) return kit::json_response(500, boost::json::object{{"error", kit::reason_phrase(500)}});
  return kit::edge_page(status, kit::EdgeStyle::html);
}

HttpResponse VendorSimulator::payload_too_large(std::size_t) const {
  return kit::edge_page(413, kit::EdgeStyle::html);
}

HttpResponse VendorSimulator::handle(const HttpRequest& request) {
  std::string_view path = request_path(request.url);
  switch (match(request.method, path)) {
    case RouteMatch::none:
      return kit::json_response(404, boost::json::object{{"error", "Not Found"}});
    case RouteMatch::method_not_allowed: {
      auto r = kit::json_response(405, boost::json::object{{"error", "Method Not Allowed"}});
      r.headers.emplace_back("Allow", "POST");
      return r;
    }
    case RouteMatch::ok:
      break;
  }
  KeyIdentity identity;
  if (auto rejected = authenticate(request, identity)) return std::move(*rejected);
  return apply(request, path, identity);
}

}  // namespace partnerkit::sandbox
