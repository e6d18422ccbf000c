// ISO 3166-1 alpha-2 codes: the officially assigned ones, plus XK (Kosovo), which vendors' country
// enums carry too.
#pragma once

#include <string_view>

namespace partnerkit::detail {

// Whether code is exactly two upper-case letters naming a country of the list.
bool is_listed_country(std::string_view code) noexcept;
// How many codes the list holds (250).
std::size_t listed_country_count() noexcept;

}  // namespace partnerkit::detail
