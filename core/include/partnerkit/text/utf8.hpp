// UTF-8 decoding by the Unicode standard's table 3-7 (no overlong forms, no surrogates, nothing above
// U+10FFFF), and cutting text at a code point boundary. One home for them: validation, the error
// messages that echo vendor text, the JSON writer and the simulators used to keep copies. Header-only,
// so a plugin can use them without linking anything new.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string_view>
#include <type_traits>

namespace partnerkit::text {

struct Utf8Decoded {
  char32_t code_point = 0;
  std::size_t length = 0;  // bytes taken; 0 when s[i] starts no valid sequence
};

// The code point that starts at s[i] (i < s.size()).
constexpr Utf8Decoded decode_utf8(std::string_view s, std::size_t i) noexcept {
  const auto byte = [&](std::size_t k) { return static_cast<unsigned char>(s[i + k]); };
  const unsigned char b0 = byte(0);
  if (b0 < 0x80) return {b0, 1};
  const auto cont = [&](std::size_t k, unsigned char lo = 0x80, unsigned char hi = 0xBF) {
    if (i + k >= s.size()) return false;
    return byte(k) >= lo && byte(k) <= hi;
  };
  const auto bits = [&](std::size_t k) { return static_cast<char32_t>(byte(k) & 0x3F); };
  if (b0 >= 0xC2 && b0 <= 0xDF) {
    if (!cont(1)) return {};
    return {(static_cast<char32_t>(b0 & 0x1F) << 6) | bits(1), 2};
  }
  if (b0 >= 0xE0 && b0 <= 0xEF) {
    const unsigned char lo = b0 == 0xE0 ? 0xA0 : 0x80;  // no overlong forms
    const unsigned char hi = b0 == 0xED ? 0x9F : 0xBF;  // no surrogates
    if (!cont(1, lo, hi) || !cont(2)) return {};
    return {(static_cast<char32_t>(b0 & 0x0F) << 12) | (bits(1) << 6) | bits(2), 3};
  }
  if (b0 >= 0xF0 && b0 <= 0xF4) {
    const unsigned char lo = b0 == 0xF0 ? 0x90 : 0x80;  // no overlong forms
    const unsigned char hi = b0 == 0xF4 ? 0x8F : 0xBF;  // nothing above U+10FFFF
    if (!cont(1, lo, hi) || !cont(2) || !cont(3)) return {};
    return {(static_cast<char32_t>(b0 & 0x07) << 18) | (bits(1) << 12) | (bits(2) << 6) | bits(3), 4};
  }
  return {};
}

// The length of the ASCII prefix of s from i on, read eight bytes at a time (most text is ASCII: the
// checks below then cost a load per word, not a branch per byte).
constexpr std::size_t ascii_run_end(std::string_view s, std::size_t i) noexcept {
  if (!std::is_constant_evaluated()) {
    for (; i + 8 <= s.size(); i += 8) {
      std::uint64_t w;
      std::memcpy(&w, s.data() + i, 8);
      if (w & 0x8080808080808080u) break;
    }
  }
  while (i < s.size() && static_cast<unsigned char>(s[i]) < 0x80) ++i;
  return i;
}

constexpr bool is_valid_utf8(std::string_view s) noexcept {
  for (std::size_t i = ascii_run_end(s, 0); i < s.size();) {
    if (static_cast<unsigned char>(s[i]) < 0x80) {
      ++i;
      continue;
    }
    const Utf8Decoded d = decode_utf8(s, i);
    if (d.length == 0) return false;
    i += d.length;
  }
  return true;
}

// Code points in s; each byte that starts no valid sequence counts as one.
constexpr std::size_t code_points(std::string_view s) noexcept {
  std::size_t n = 0;
  for (std::size_t i = 0; i < s.size(); ++n) {
    const Utf8Decoded d = decode_utf8(s, i);
    i += d.length ? d.length : 1;
  }
  return n;
}

constexpr bool is_continuation_byte(char c) noexcept {
  return (static_cast<unsigned char>(c) & 0xC0) == 0x80;
}

// The longest prefix of s of at most max bytes that does not end inside a UTF-8 sequence (it steps back
// over at most 3 continuation bytes: the longest sequence is 4 bytes).
constexpr std::string_view utf8_prefix(std::string_view s, std::size_t max) noexcept {
  if (s.size() <= max) return s;
  std::size_t cut = max;
  for (int k = 0; k < 3 && cut > 0 && is_continuation_byte(s[cut]); ++k) --cut;
  return s.substr(0, cut);
}

}  // namespace partnerkit::text
