// Reading a request as a vendor's server does: its body (JSON or form-encoded, size-capped), its
// query parameters and its headers.
#pragma once

#include <partnerkit/http.hpp>

#include <boost/json/value.hpp>

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace partnerkit::sandbox::kit {

// The first header of that name (ASCII case-insensitive), or null when absent — unlike
// HttpRequest::header, an empty header and a missing one differ.
const std::string* header_ptr(const HttpHeaders& headers, std::string_view name) noexcept;

// The value of one query parameter of a URL (absolute or origin-form), percent-decoded with '+' as
// a space; nullopt when absent or not decodable.
std::optional<std::string> query_value(std::string_view url, std::string_view name);

struct JsonBody {
  enum class Problem { none, too_large, not_json };
  Problem problem = Problem::none;
  boost::json::value value;  // the parsed body when problem == none
  bool ok() const noexcept { return problem == Problem::none; }
  bool is_object() const noexcept { return ok() && value.is_object(); }
};
// Parses a JSON body of at most max_bytes, nested at most max_depth deep (a simulator sets its own
// limits, whatever the server in front of it capped).
JsonBody parse_json_body(std::string_view body, std::size_t max_bytes = std::size_t{1} << 20,
                         std::size_t max_depth = 32);

// An application/x-www-form-urlencoded body (WHATWG URL's form decoding: '&'-separated, '+' is a
// space, percent-decoded), in order, repeated names kept. nullopt when a percent escape is broken.
using FormFields = std::vector<std::pair<std::string, std::string>>;
std::optional<FormFields> parse_form(std::string_view body);
// The first value of `name`; nullopt when absent.
std::optional<std::string> form_value(const FormFields& fields, std::string_view name);

}  // namespace partnerkit::sandbox::kit
