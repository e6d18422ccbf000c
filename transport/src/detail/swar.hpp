// Eight bytes at a time for the transport's byte checks (the request's header values, the answer's
// head): the loops they replace cost 6-12 instructions a byte. Each test says only whether some byte
// of the word matches, which is exact (the borrows of the subtraction can only mark bytes above a
// true match).
#pragma once

#include <cstdint>
#include <cstring>
#include <string_view>

namespace partnerkit::detail::swar {

inline constexpr std::uint64_t ones = 0x0101010101010101u;
inline constexpr std::uint64_t highs = 0x8080808080808080u;

inline std::uint64_t load(const char* p) noexcept {
  std::uint64_t v;
  std::memcpy(&v, p, sizeof v);
  return v;
}

// Some byte < n (n <= 128).
constexpr std::uint64_t has_less(std::uint64_t v, unsigned n) noexcept { return (v - ones * n) & ~v & highs; }
// Some byte == c.
constexpr std::uint64_t has_byte(std::uint64_t v, unsigned char c) noexcept {
  return has_less(v ^ (ones * c), 1);
}
// Per-byte masks (the high bit of each byte that passes) for words without bytes >= 0x80 (check
// `v & highs` first): exact per byte, as no subtraction borrows across bytes.
// Bytes >= a (1 <= a <= 0x80).
constexpr std::uint64_t bytes_at_least(std::uint64_t v, unsigned a) noexcept {
  return ((v | highs) - ones * a) & highs;
}
// Bytes in [a, b] (b < 0x80).
constexpr std::uint64_t bytes_within(std::uint64_t v, unsigned a, unsigned b) noexcept {
  return bytes_at_least(v, a) & ~bytes_at_least(v, b + 1);
}
// SP and VCHAR (0x20-0x7e).
constexpr std::uint64_t print_bytes(std::uint64_t v) noexcept { return bytes_within(v, 0x20, 0x7e); }
// The index of the first byte whose high bit `mask` lacks (mask != highs).
inline unsigned first_miss(std::uint64_t mask) noexcept {
  return static_cast<unsigned>(__builtin_ctzll(~mask & highs)) / 8;
}

// Whether `s`, ASCII letters lowered, is `lower` (lowercase, same size, >= 8 bytes; `s` of token
// characters, where OR 0x20 maps only letters onto letters and '-' onto itself).
inline bool lowered_equals(std::string_view s, std::string_view lower) noexcept {
  constexpr std::uint64_t case_bits = ones * 0x20;
  std::size_t i = 0;
  for (; i + 8 < s.size(); i += 8)
    if ((load(s.data() + i) | case_bits) != load(lower.data() + i)) return false;
  const std::size_t at = s.size() - 8;  // the last word, overlapping the one before
  return (load(s.data() + at) | case_bits) == load(lower.data() + at);
}

}  // namespace partnerkit::detail::swar
