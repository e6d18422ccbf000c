#include <partnerkit/http.hpp>
#include <partnerkit/secrets.hpp>

#include <algorithm>
#include <cctype>

namespace partnerkit {
namespace {

bool iequals(std::string_view a, std::string_view b) noexcept {
  return a.size() == b.size() &&
         std::equal(a.begin(), a.end(), b.begin(),
                    [](unsigned char x, unsigned char y) { return std::tolower(x) == std::tolower(y); });
}

}  // namespace

std::string_view find_header(const HttpHeaders& headers, std::string_view name) noexcept {
  for (const auto& [k, v] : headers)
    if (iequals(k, name)) return v;
  return {};
}

HttpRequest redacted(const HttpRequest& request) { return redacted(request, Scrubber()); }

}  // namespace partnerkit
