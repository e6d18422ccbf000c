// Local validation of a PartnerSpec: every problem, each with its field path.
#pragma once

#include <partnerkit/error.hpp>
#include <partnerkit/partner_spec.hpp>

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace partnerkit {

class Adapter;

// Returns every problem found (empty when valid). Checks required fields, lengths (counted in
// UTF-16 code units, as JavaScript-backed vendors count), the email pattern, ISO 3166-1 alpha-2
// countries, URL fields,
// that a referrer names one of id/key/email, link key_length 3..190, custom field types.
std::vector<FieldIssue> validate(const PartnerSpec& spec);

// Normalize (emails and names trimmed, country upper-cased; blank optional fields dropped as not
// given, each with a line in `warnings` when given), then validate(). On problems:
// Error{invalid_input, field = first problem's path, issues = all}.
Result<PartnerSpec> validated(PartnerSpec spec, std::vector<std::string>* warnings = nullptr);

// validated(), then the vendor's own rules (adapter.validate): what a request to that vendor needs.
Result<PartnerSpec> validated_for(const Adapter& adapter, PartnerSpec spec,
                                  std::vector<std::string>* warnings = nullptr);

// The same two on the caller's spec, normalized in place (a spec is ~1.4 KB: the batch path moved
// it six times to validate it): the error when it is invalid, nothing when it is valid.
std::optional<Error> validate_in_place(PartnerSpec& spec, std::vector<std::string>* warnings = nullptr);
std::optional<Error> validate_in_place_for(const Adapter& adapter, PartnerSpec& spec,
                                           std::vector<std::string>* warnings = nullptr);

// The invalid_input error for a non-empty list of issues ("<n> problem(s): <first>").
Error invalid_input_error(std::vector<FieldIssue> issues);

// Building blocks for Adapter::validate (the rules of one vendor live in its adapter). Each appends
// its issues to `issues`.
namespace rules {
// value at most max UTF-16 code units.
void max_length(std::vector<FieldIssue>& issues, std::string_view field, std::string_view value,
                std::size_t max);
// At least min_code_points code points, an ASCII lower-case letter, upper-case letter and digit.
// Never echoes the value.
void password_policy(std::vector<FieldIssue>& issues, std::string_view password, std::size_t min_code_points);
// The value matches the custom field's type (text, textarea, number, date, boolean, select, multi_select).
void custom_field(std::vector<FieldIssue>& issues, std::size_t index, const CustomField& field);
}  // namespace rules

// The email pattern common to the vendors' schemas (an OpenAPI `format: email` regex), max 190.
bool is_valid_email(std::string_view email) noexcept;
// Whether code is an ISO 3166-1 alpha-2 code (the assigned codes plus XK; upper case expected).
bool is_iso_country(std::string_view code) noexcept;
// Length in UTF-16 code units; invalid UTF-8 counts each bad byte as one unit.
std::size_t utf16_length(std::string_view utf8) noexcept;

}  // namespace partnerkit
