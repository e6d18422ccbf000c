#include <partnerkit/http.hpp>
#include <partnerkit/secrets.hpp>

#include <partnerkit/text/ascii.hpp>

namespace partnerkit {

std::string_view find_header(const HttpHeaders& headers, std::string_view name) noexcept {
  for (const auto& [k, v] : headers)
    if (text::iequals(k, name)) return v;
  return {};
}

HttpRequest redacted(const HttpRequest& request) { return redacted(request, Scrubber()); }

}  // namespace partnerkit
