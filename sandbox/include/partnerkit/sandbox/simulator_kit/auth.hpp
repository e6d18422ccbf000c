// The credentials a request carries, read as the vendor's server reads them. The simulator then
// looks the key up (VendorSimulator::identify) and words its own 400/401.
#pragma once

#include <partnerkit/http.hpp>

#include <string>
#include <string_view>

namespace partnerkit::sandbox::kit {

enum class AuthStatus {
  missing,    // no Authorization header
  malformed,  // a header that is not this scheme, or an empty credential
  ok,
};

enum class BearerParsing {
  // Exactly "Bearer <token>", the scheme in that case, no white space in the token (Dub's
  // server compares the header's prefix; anything else is its 400 bad_request).
  strict,
  // RFC 9110: the scheme in any case, white space around the token ignored (Laravel, Express).
  lenient,
};

struct BearerToken {
  AuthStatus status = AuthStatus::missing;
  std::string token;  // status ok: the token
};
BearerToken read_bearer(const HttpRequest& request, BearerParsing parsing = BearerParsing::strict);

// RFC 7617: "Basic base64(user ':' password)"; the scheme in any case. Malformed: another scheme,
// bad base64, or no ':' in the decoded text.
struct BasicCredentials {
  AuthStatus status = AuthStatus::missing;
  std::string user, password;
};
BasicCredentials read_basic(const HttpRequest& request);

// Constant-time equality for keys and passwords (the time depends on the lengths only).
bool secure_equals(std::string_view a, std::string_view b) noexcept;

}  // namespace partnerkit::sandbox::kit
