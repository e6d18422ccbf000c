// The environment variables partnerkit reads for a vendor, named from the vendor's registered name
// alone, so core, the CLI, the worker and plugins agree and no code lists vendors.
#pragma once

#include <partnerkit/text/ascii.hpp>

#include <string>
#include <string_view>

namespace partnerkit {

// "my-vendor.io" -> "MY_VENDOR_IO": ASCII letters upper-cased, ASCII digits kept, every other byte
// (UTF-8 included) '_'. Never std::toupper: its answer depends on the process's locale.
inline std::string env_name_part(std::string_view name) {
  std::string out;
  out.reserve(name.size());
  for (char c : name) out.push_back(text::is_alnum(c) ? text::ascii_upper(c) : '_');
  return out;
}

// The vendor's API key: "acme-partners" -> "ACME_PARTNERS_API_KEY".
inline std::string api_key_variable(std::string_view vendor) { return env_name_part(vendor) + "_API_KEY"; }

// The vendor's base URL override: "acme" -> "PARTNERKIT_ACME_BASE_URL".
inline std::string base_url_variable(std::string_view vendor) {
  return "PARTNERKIT_" + env_name_part(vendor) + "_BASE_URL";
}

}  // namespace partnerkit
