// Times in a vendor's answer: ISO 8601 / RFC 3339 parsing, and the "now" a decoder compares with.
#pragma once

#include <partnerkit/adapter.hpp>

#include <bit>
#include <chrono>
#include <cstdint>
#include <cstring>
#include <optional>
#include <string_view>

namespace partnerkit::adapter_kit {

// context.sent_at, or the system clock when the caller gave none.
inline std::chrono::system_clock::time_point now_of(const DecodeContext& context) {
  if (context.sent_at == std::chrono::system_clock::time_point{}) return std::chrono::system_clock::now();
  return context.sent_at;
}

namespace iso8601_detail {

// Reads exactly n digits at s[pos]; advances pos.
inline bool digits(std::string_view s, std::size_t& pos, std::size_t n, unsigned& out) noexcept {
  if (pos + n > s.size()) return false;
  unsigned v = 0;
  for (std::size_t i = 0; i < n; ++i) {
    const char c = s[pos + i];
    if (c < '0' || c > '9') return false;
    v = v * 10 + static_cast<unsigned>(c - '0');
  }
  pos += n;
  out = v;
  return true;
}

inline bool expect(std::string_view s, std::size_t& pos, char c) noexcept {
  if (pos < s.size() && s[pos] == c) {
    ++pos;
    return true;
  }
  return false;
}

// The time of a valid date and time of day (the checks done), less an offset in minutes.
inline std::chrono::sys_time<std::chrono::milliseconds> time_of(const std::chrono::year_month_day& date,
                                                                unsigned hour, unsigned minute,
                                                                unsigned second, std::int64_t millis,
                                                                std::int64_t offset_minutes) noexcept {
  const std::int64_t days = std::chrono::sys_days(date).time_since_epoch().count();
  const std::int64_t secs = days * 86400 + hour * 3600 + minute * 60 + second - offset_minutes * 60;
  return std::chrono::sys_time<std::chrono::milliseconds>(std::chrono::milliseconds(secs * 1000 + millis));
}

// The shape nearly every vendor sends, "YYYY-MM-DDTHH:MM:SS.mmmZ" (24 bytes), read at fixed places: a
// quarter of the general reader's ~300 instructions (Dub's createdAt on every create). nullopt when s
// has another shape; then the general reader decides (same result for this shape: tests/adapters).
inline std::optional<std::chrono::sys_time<std::chrono::milliseconds>> parse_canonical(
    std::string_view s, bool& other_shape) noexcept {
  other_shape = true;
  if (s.size() != 24) return std::nullopt;
  const auto d = [&](std::size_t i) { return static_cast<unsigned>(static_cast<unsigned char>(s[i])) - '0'; };
  if constexpr (std::endian::native == std::endian::little) {
    // Three words: the separators compared under a mask, the other bytes tested as digits (a byte b is
    // one iff b & 0xF0 == 0x30 and (b + 6) & 0xF0 == 0x30; a byte passing the first carries nothing on).
    constexpr std::uint64_t seps[3] = {0x2D00002D00000000u, 0x00003A0000540000u, 0x5A0000002E00003Au};
    constexpr std::uint64_t masks[3] = {0xFF0000FF00000000u, 0x0000FF0000FF0000u, 0xFF000000FF0000FFu};
    constexpr std::uint64_t zeros = 0x3030303030303030u, highs = 0xF0F0F0F0F0F0F0F0u,
                            sixes = 0x0606060606060606u;
    std::uint64_t bad = 0;
    for (std::size_t k = 0; k < 3; ++k) {
      std::uint64_t w;
      std::memcpy(&w, s.data() + 8 * k, 8);
      const std::uint64_t digits = (w & ~masks[k]) | (zeros & masks[k]);
      bad |= ((w & masks[k]) ^ seps[k]) | ((digits & highs) ^ zeros) | (((digits + sixes) & highs) ^ zeros);
    }
    if (bad) return std::nullopt;
  } else {
    if (s[4] != '-' || s[7] != '-' || s[10] != 'T' || s[13] != ':' || s[16] != ':' || s[19] != '.' ||
        s[23] != 'Z')
      return std::nullopt;
    for (std::size_t i : {0, 1, 2, 3, 5, 6, 8, 9, 11, 12, 14, 15, 17, 18, 20, 21, 22})
      if (d(i) > 9) return std::nullopt;
  }
  other_shape = false;
  const unsigned year = d(0) * 1000 + d(1) * 100 + d(2) * 10 + d(3), month = d(5) * 10 + d(6),
                 day = d(8) * 10 + d(9), hour = d(11) * 10 + d(12), minute = d(14) * 10 + d(15),
                 second = d(17) * 10 + d(18);
  const std::chrono::year_month_day date{std::chrono::year(static_cast<int>(year)), std::chrono::month(month),
                                         std::chrono::day(day)};
  if (!date.ok() || hour > 23 || minute > 59 || second > 60) return std::nullopt;
  return time_of(date, hour, minute, second, d(20) * 100 + d(21) * 10 + d(22), 0);
}

// parse_iso8601 for any shape (what it does past parse_canonical).
inline std::optional<std::chrono::sys_time<std::chrono::milliseconds>> parse_general(
    std::string_view s) noexcept {
  std::size_t pos = 0;
  unsigned year = 0, month = 0, day = 0, hour = 0, minute = 0, second = 0;
  if (!digits(s, pos, 4, year) || !expect(s, pos, '-') || !digits(s, pos, 2, month) || !expect(s, pos, '-') ||
      !digits(s, pos, 2, day))
    return std::nullopt;
  if (pos >= s.size() || (s[pos] != 'T' && s[pos] != 't' && s[pos] != ' ')) return std::nullopt;
  ++pos;
  if (!digits(s, pos, 2, hour) || !expect(s, pos, ':') || !digits(s, pos, 2, minute) ||
      !expect(s, pos, ':') || !digits(s, pos, 2, second))
    return std::nullopt;
  const std::chrono::year_month_day date{std::chrono::year(static_cast<int>(year)), std::chrono::month(month),
                                         std::chrono::day(day)};
  if (!date.ok() || hour > 23 || minute > 59 || second > 60) return std::nullopt;
  std::int64_t millis = 0;
  if (pos < s.size() && (s[pos] == '.' || s[pos] == ',')) {
    ++pos;
    std::size_t n = 0;
    while (pos < s.size() && s[pos] >= '0' && s[pos] <= '9') {
      if (n < 3) millis = millis * 10 + (s[pos] - '0');
      ++n;
      ++pos;
    }
    if (n == 0) return std::nullopt;
    for (std::size_t k = n; k < 3; ++k) millis *= 10;
  }
  std::int64_t offset_minutes = 0;
  if (pos < s.size()) {
    const char c = s[pos];
    if (c == 'Z' || c == 'z') {
      ++pos;
    } else if (c == '+' || c == '-') {
      ++pos;
      unsigned oh = 0, om = 0;
      if (!digits(s, pos, 2, oh)) return std::nullopt;
      expect(s, pos, ':');
      if (!digits(s, pos, 2, om) || oh > 23 || om > 59) return std::nullopt;
      offset_minutes = (c == '+' ? 1 : -1) * static_cast<std::int64_t>(oh * 60 + om);
    } else {
      return std::nullopt;
    }
  }
  if (pos != s.size()) return std::nullopt;
  return time_of(date, hour, minute, second, millis, offset_minutes);
}

}  // namespace iso8601_detail

// An ISO 8601 / RFC 3339 date-time: "2025-04-30T16:44:13.000Z", with fractions of any length and a
// "Z", "+hh:mm", "+hhmm" or no offset (taken as UTC). nullopt when it is not one.
inline std::optional<std::chrono::sys_time<std::chrono::milliseconds>> parse_iso8601(
    std::string_view s) noexcept {
  bool other_shape = true;
  if (auto t = iso8601_detail::parse_canonical(s, other_shape); t || !other_shape) return t;
  return iso8601_detail::parse_general(s);
}

}  // namespace partnerkit::adapter_kit
