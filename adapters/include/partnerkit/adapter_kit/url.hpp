// Request URLs: the configured (or default) base URL joined with a path, and path/query escaping.
#pragma once

#include <partnerkit/adapter.hpp>
#include <partnerkit/adapter_kit/auth.hpp>
#include <partnerkit/error.hpp>
#include <partnerkit/text/encoding.hpp>

#include <optional>
#include <string>
#include <string_view>

namespace partnerkit::adapter_kit {

// config.base_url (or the vendor's default when empty) without trailing '/', then path.
inline std::string request_url(const VendorConfig& config, std::string_view default_base_url,
                               std::string_view path) {
  std::string_view base = config.base_url.empty() ? default_base_url : std::string_view(config.base_url);
  while (!base.empty() && base.back() == '/') base.remove_suffix(1);
  std::string url;
  url.reserve(base.size() + path.size());
  url.append(base).append(path);
  return url;
}

// text percent-encoded so it is one URL path segment or query value (everything but RFC 3986 unreserved,
// a space as %20).
inline std::string url_component(std::string_view s) { return text::percent_encoded(s); }

// One partner's resource: request_url(config, default_base_url, path) + "/" + the id as a path segment.
inline std::string resource_url(const VendorConfig& config, std::string_view default_base_url,
                                std::string_view path, std::string_view id) {
  return request_url(config, default_base_url, path) + "/" + url_component(id);
}

// Error when a partner id can't address a path (empty): invalid_input, field "partner_id".
inline std::optional<Error> check_partner_id(std::string_view vendor, std::string_view partner_id) {
  if (partner_id.empty())
    return Error::make(errc::invalid_input, std::string(vendor) + ": no partner id given", "partner_id");
  return std::nullopt;
}

// What every operation on one partner (get, update, deactivate) checks first: the key, then the id.
inline std::optional<Error> check_partner_request(std::string_view vendor, const VendorConfig& config,
                                                  std::string_view partner_id) {
  if (auto e = check_api_key(vendor, config.api_key)) return e;
  return check_partner_id(vendor, partner_id);
}

}  // namespace partnerkit::adapter_kit
