// Local validation of a PartnerSpec: every problem, each with its field path.
#pragma once

#include <partnerkit/error.hpp>
#include <partnerkit/partner_spec.hpp>

#include <string_view>
#include <vector>

namespace partnerkit {

// Returns every problem found (empty when valid). Checks required fields, lengths (counted in
// UTF-16 code units as Dub does), Dub's email pattern, ISO 3166-1 alpha-2 countries, URL fields,
// that a referrer names one of id/key/email, link key_length 3..190, custom field types.
std::vector<FieldIssue> validate(const PartnerSpec& spec);

// validate(), then normalize in place (country upper-cased, strings trimmed where the vendors
// trim). On problems: Error{invalid_input, field = first problem's path, issues = all}.
Result<PartnerSpec> validated(PartnerSpec spec);

// Dub's email pattern from its OpenAPI (vendor-docs 002), max 190.
bool is_valid_email(std::string_view email) noexcept;
// Whether code is an ISO 3166-1 alpha-2 code of Dub's list (upper case expected).
bool is_iso_country(std::string_view code) noexcept;
// Length in UTF-16 code units; invalid UTF-8 counts each bad byte as one unit.
std::size_t utf16_length(std::string_view utf8) noexcept;

}  // namespace partnerkit
