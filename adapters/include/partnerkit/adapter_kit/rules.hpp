// Field rules as vendors state them, for Adapter::validate, beside the shared ones in
// <partnerkit/validation.hpp> (rules::max_length counts UTF-16 code units, as a JavaScript server's
// `.length` does).
#pragma once

#include <partnerkit/error.hpp>
#include <partnerkit/text/utf8.hpp>

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace partnerkit::adapter_kit {

// value at most max code points: a length a vendor documents as an OpenAPI / JSON Schema `maxLength`,
// which counts "characters as defined by RFC 8259" (JSON Schema Validation 2020-12, 6.3.1), that is
// code points: an emoji outside the BMP is 1, not 2.
inline void max_code_points(std::vector<FieldIssue>& issues, std::string_view field, std::string_view value,
                            std::size_t max) {
  const std::size_t n = text::code_points(value);
  if (n > max)
    issues.push_back({std::string(field), std::string(field) + " must be at most " + std::to_string(max) +
                                              " characters (code points), got " + std::to_string(n)});
}

}  // namespace partnerkit::adapter_kit
