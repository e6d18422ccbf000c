// Helpers shared by the vendor simulators (implementation only).
#pragma once

#include <partnerkit/http.hpp>
#include <partnerkit/text/ascii.hpp>

#include <boost/json/value.hpp>

#include <chrono>
#include <cstdint>
#include <random>
#include <string>
#include <string_view>

namespace partnerkit::sandbox::detail {

// "2025-04-30T16:44:13.123Z" (digits = 3) or "2025-04-30T16:44:13.123456Z" (digits = 6).
std::string iso8601(std::chrono::system_clock::time_point t, int digits);

// The part after '@', lower-cased; empty when there is none.
std::string email_domain(std::string_view email);

// zod's name of a JSON value's type: "string", "number", "boolean", "null", "array", "object".
std::string_view json_type_name(const boost::json::value& v) noexcept;

HttpResponse json_response(int status, const boost::json::value& body);
HttpResponse text_response(int status, std::string_view content_type, std::string body);

// The first header of that name (case-insensitive), or null when absent.
const std::string* header_ptr(const HttpHeaders& headers, std::string_view name) noexcept;

// Constant-time equality for API keys.
bool secure_equals(std::string_view a, std::string_view b) noexcept;

// Random identifiers from a seeded generator (not thread-safe; callers hold their lock).
class IdGenerator {
 public:
  explicit IdGenerator(std::uint64_t seed) : rng_(seed) {}
  // n characters of [0-9A-Za-z] (or [0-9a-z] when lower_only).
  std::string alnum(std::size_t n, bool lower_only = false);

 private:
  std::mt19937_64 rng_;
};

// Whether parsing succeeded; out holds the value.
bool parse_json(std::string_view text, boost::json::value& out);

}  // namespace partnerkit::sandbox::detail
