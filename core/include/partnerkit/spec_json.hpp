// PartnerSpec and Partner to and from JSON (snake_case names of DESIGN.md).
#pragma once

#include <partnerkit/error.hpp>
#include <partnerkit/partner.hpp>
#include <partnerkit/partner_spec.hpp>

#include <boost/json/value.hpp>

#include <string>
#include <string_view>

namespace partnerkit {

// Parses a spec. An unknown field, a wrong type or bad JSON is invalid_input naming the field.
// JSON null is taken as absent.
Result<PartnerSpec> spec_from_json(const boost::json::value& v);
Result<PartnerSpec> spec_from_json(std::string_view text);
// Text overloads, so a literal or a std::string is not ambiguous between the two above.
inline Result<PartnerSpec> spec_from_json(const char* text) { return spec_from_json(std::string_view(text)); }
inline Result<PartnerSpec> spec_from_json(const std::string& text) {
  return spec_from_json(std::string_view(text));
}

// The spec as JSON; the password is written only when include_secrets is true.
boost::json::value to_json(const PartnerSpec& spec, bool include_secrets = false);

boost::json::value to_json(const Partner& partner);
boost::json::value to_json(const Error& error);

}  // namespace partnerkit
