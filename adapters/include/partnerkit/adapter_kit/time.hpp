// Times in a vendor's answer: ISO 8601 / RFC 3339 parsing, and the "now" a decoder compares with.
#pragma once

#include <partnerkit/adapter.hpp>

#include <chrono>
#include <cstdint>
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

}  // namespace iso8601_detail

// An ISO 8601 / RFC 3339 date-time: "2025-04-30T16:44:13.000Z", with fractions of any length and a
// "Z", "+hh:mm", "+hhmm" or no offset (taken as UTC). nullopt when it is not one.
inline std::optional<std::chrono::sys_time<std::chrono::milliseconds>> parse_iso8601(
    std::string_view s) noexcept {
  using iso8601_detail::digits;
  using iso8601_detail::expect;
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
  const std::int64_t days = std::chrono::sys_days(date).time_since_epoch().count();
  const std::int64_t secs = days * 86400 + hour * 3600 + minute * 60 + second - offset_minutes * 60;
  return std::chrono::sys_time<std::chrono::milliseconds>(std::chrono::milliseconds(secs * 1000 + millis));
}

}  // namespace partnerkit::adapter_kit
