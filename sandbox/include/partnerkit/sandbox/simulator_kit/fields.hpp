// Field rules the vendors' validators apply, counted as they count.
#pragma once

#include <boost/json/object.hpp>

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace partnerkit::sandbox::kit {

// JavaScript's String length: UTF-16 code units, what zod's .min()/.max() count (an emoji outside
// the BMP is 2). A byte that starts no valid UTF-8 sequence counts 1 (a JSON parser rejects those
// before a validator sees them).
std::size_t utf16_units(std::string_view utf8) noexcept;

// JavaScript's String.prototype.trim, what zod's .trim() calls (ECMA-262 TrimString): white space is
// WhiteSpace (TAB, VT, FF, U+FEFF and every Zs code point: SPACE, NBSP, U+1680, U+2000-U+200A,
// U+202F, U+205F, U+3000) and LineTerminator (LF, CR, U+2028, U+2029). Not U+0085 or U+180E.
std::string_view js_trim(std::string_view utf8) noexcept;

// Whether `code` is one of the 249 officially assigned ISO 3166-1 alpha-2 codes (upper case only;
// the ISO 3166 Maintenance Agency's list, as Debian's iso-codes ships it). User-assigned codes such
// as XK (Kosovo) are not; a vendor that accepts them says so in its simulator.
bool iso3166_alpha2(std::string_view code) noexcept;

// A link slug of a name or an e-mail's local part, as vendors derive one: lower-case ASCII letters
// and digits, Latin-1 letters folded to ASCII ("Zoé" -> "zoe"), any other run a single '-', no '-'
// at either end, then cut to max_length. Empty when nothing is left.
std::string slugify(std::string_view text, std::size_t max_length);

// The member as a string; nullopt when absent or not a string.
std::optional<std::string> string_member(const boost::json::object& o, std::string_view key);

}  // namespace partnerkit::sandbox::kit
