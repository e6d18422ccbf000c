// Byte encodings partnerkit writes and recognises, in one place: base64 (RFC 4648, the standard or the
// URL alphabet, with or without padding) and percent-encoding (RFC 3986 and the WHATWG form variant). The
// adapter kit's encoders (HTTP Basic, URLs, form bodies) and the secret scrubber's forms of a secret
// are these.
#pragma once

#include <string>
#include <string_view>

namespace partnerkit::text {

inline constexpr char base64_alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
inline constexpr char base64url_alphabet[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

// `in` in base64 with the given 64-character alphabet; `pad`: '=' up to a multiple of four.
inline std::string base64(std::string_view in, const char* alphabet = base64_alphabet, bool pad = true) {
  std::string out;
  out.reserve((in.size() + 2) / 3 * 4);
  std::size_t i = 0;
  for (; i + 3 <= in.size(); i += 3) {
    const unsigned v = (static_cast<unsigned char>(in[i]) << 16) |
                       (static_cast<unsigned char>(in[i + 1]) << 8) | static_cast<unsigned char>(in[i + 2]);
    for (int shift = 18; shift >= 0; shift -= 6) out.push_back(alphabet[(v >> shift) & 63]);
  }
  if (const std::size_t rest = in.size() - i; rest > 0) {
    unsigned v = static_cast<unsigned char>(in[i]) << 16;
    if (rest == 2) v |= static_cast<unsigned char>(in[i + 1]) << 8;
    out.push_back(alphabet[(v >> 18) & 63]);
    out.push_back(alphabet[(v >> 12) & 63]);
    if (rest == 2) out.push_back(alphabet[(v >> 6) & 63]);
    if (pad) out.append(rest == 2 ? "=" : "==");
  }
  return out;
}

// The characters besides ASCII letters and digits that percent-encoding keeps as they are.
inline constexpr std::string_view uri_unreserved = "-._~";   // RFC 3986: a path segment, a query value
inline constexpr std::string_view form_unreserved = "*-._";  // WHATWG application/x-www-form-urlencoded

// Every byte of `text` but ASCII letters, digits and `keep` as %XX; a space as '+' when plus_for_space
// (form bodies).
inline std::string percent_encoded(std::string_view text, std::string_view keep = uri_unreserved,
                                   bool plus_for_space = false, bool upper_hex = true) {
  const char* hex = upper_hex ? "0123456789ABCDEF" : "0123456789abcdef";
  std::string out;
  out.reserve(text.size());
  for (char ch : text) {
    const auto c = static_cast<unsigned char>(ch);
    if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
        keep.find(ch) != std::string_view::npos) {
      out.push_back(ch);
    } else if (c == ' ' && plus_for_space) {
      out.push_back('+');
    } else {
      out.push_back('%');
      out.push_back(hex[c >> 4]);
      out.push_back(hex[c & 0x0F]);
    }
  }
  return out;
}

}  // namespace partnerkit::text
