// Locale-independent ASCII helpers for protocol text: header names, tokens, enum words, e-mail
// domains, CSV headers. One home for them (core, transport, sandbox, pg, tools and adapters used to
// keep copies, some on `std::tolower`, whose answer depends on the process locale). Header-only, so a
// plugin can use them without linking anything new.
#pragma once

#include <string>
#include <string_view>

namespace partnerkit::text {

// The C locale's white space: what `std::isspace` matches when nobody called setlocale.
inline constexpr std::string_view whitespace = " \t\n\v\f\r";
// HTTP's optional white space (RFC 9110 section 5.6.3).
inline constexpr std::string_view ows = " \t";

constexpr char ascii_lower(char c) noexcept { return c >= 'A' && c <= 'Z' ? static_cast<char>(c + 32) : c; }
constexpr char ascii_upper(char c) noexcept { return c >= 'a' && c <= 'z' ? static_cast<char>(c - 32) : c; }

inline std::string ascii_lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = ascii_lower(c);
  return out;
}

inline std::string ascii_upper(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = ascii_upper(c);
  return out;
}

// Equal but for ASCII letter case; bytes >= 0x80 compare as they are.
constexpr bool iequals(std::string_view a, std::string_view b) noexcept {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i)
    if (ascii_lower(a[i]) != ascii_lower(b[i])) return false;
  return true;
}

// Whether needle stands somewhere in haystack, ASCII letter case aside.
constexpr bool icontains(std::string_view haystack, std::string_view needle) noexcept {
  if (needle.size() > haystack.size()) return false;
  for (std::size_t i = 0; i + needle.size() <= haystack.size(); ++i)
    if (iequals(haystack.substr(i, needle.size()), needle)) return true;
  return false;
}

constexpr bool is_space(char c) noexcept { return whitespace.find(c) != std::string_view::npos; }
constexpr bool is_digit(char c) noexcept { return c >= '0' && c <= '9'; }
constexpr bool is_upper(char c) noexcept { return c >= 'A' && c <= 'Z'; }
constexpr bool is_lower(char c) noexcept { return c >= 'a' && c <= 'z'; }
constexpr bool is_alpha(char c) noexcept { return is_upper(c) || is_lower(c); }
constexpr bool is_alnum(char c) noexcept { return is_digit(c) || is_alpha(c); }

// s without the leading and trailing characters that are in `chars` (white space unless told).
constexpr std::string_view trim(std::string_view s, std::string_view chars = whitespace) noexcept {
  while (!s.empty() && chars.find(s.front()) != std::string_view::npos) s.remove_prefix(1);
  while (!s.empty() && chars.find(s.back()) != std::string_view::npos) s.remove_suffix(1);
  return s;
}

// RFC 9110 token characters (header names, methods, parameter names).
constexpr bool is_token_char(unsigned char c) noexcept {
  if (c >= '0' && c <= '9') return true;
  if ((c | 0x20) >= 'a' && (c | 0x20) <= 'z') return true;
  return std::string_view("!#$%&'*+-.^_`|~").find(static_cast<char>(c)) != std::string_view::npos;
}

}  // namespace partnerkit::text
