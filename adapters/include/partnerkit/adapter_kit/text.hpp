// Text helpers for adapters: ASCII case-insensitive comparison, UTF-8 checks and cutting vendor text to a
// bound. The ASCII and UTF-8 rules themselves live once in <partnerkit/text/{ascii,utf8}.hpp>; this file
// names them for adapters and adds what decoding needs on top. Header-only.
#pragma once

#include <partnerkit/text/ascii.hpp>
#include <partnerkit/text/utf8.hpp>

#include <cstddef>
#include <string>
#include <string_view>

namespace partnerkit::adapter_kit {

using text::ascii_lower;
using text::code_points;  // a vendor's "1 to 150 characters"
using text::icontains;
using text::iequals;  // locale-independent: vendor codes and emails are ASCII-cased
using text::is_valid_utf8;

// Vendor messages kept in Error::message are cut at this many bytes (on a UTF-8 boundary).
inline constexpr std::size_t max_message_bytes = 1024;

// Whether an answer's email names the partner sent: equal ignoring ASCII case and surrounding blanks.
// Every decoder checks it, so an answer about someone else is never taken for ours.
inline bool same_email(std::string_view sent, std::string_view answered) noexcept {
  return iequals(text::trim(sent, text::ows), text::trim(answered, text::ows));
}

// Whether the text is empty or only whitespace (an answer "without a body").
inline bool is_blank(std::string_view s) noexcept { return text::trim(s).empty(); }

// text cut to at most max bytes without splitting a UTF-8 sequence ("..." appended when cut).
inline std::string capped(std::string_view s, std::size_t max = max_message_bytes) {
  if (s.size() <= max) return std::string(s);
  std::string out(text::utf8_prefix(s, max));
  out.append("...");
  return out;
}

}  // namespace partnerkit::adapter_kit
