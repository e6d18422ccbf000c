// Rate limits as vendors state them: a count per window, with a burst.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

namespace partnerkit {

// A rate limit as vendors state it: `count` requests per `window`, of which up to `burst` may
// leave at once (1 spreads them evenly). "200 per second", "3,000 per minute", "45 per 30 s, burst
// 10". count == 0 means no limit. RateLimit{20, 1} is 20 per second, burst 1.
struct RateLimit {
  double count = 0;
  double burst = 1;
  std::chrono::milliseconds window{1000};

  // Requests per second (0: no limit).
  double requests_per_second() const noexcept {
    return count > 0 && window.count() > 0 ? count * 1000.0 / static_cast<double>(window.count()) : 0;
  }
  static RateLimit per_second(double count, double burst = 1) {
    return RateLimit{count, burst, std::chrono::seconds(1)};
  }
  static RateLimit per_minute(double count, double burst = 1) {
    return RateLimit{count, burst, std::chrono::minutes(1)};
  }
  friend bool operator==(const RateLimit&, const RateLimit&) = default;
};

// Parses "200", "200/s", "3000/min", "45/30s", "100/h", each optionally followed by ",burst=N"
// (or ":N"). nullopt (and `why` filled in) when the text is not one of these.
std::optional<RateLimit> parse_rate_limit(std::string_view text, std::string* why = nullptr);
// "200/s", "3000/min", "45 per 30 s", with ", burst N" when burst > 1.
std::string to_string(const RateLimit& limit);

}  // namespace partnerkit
