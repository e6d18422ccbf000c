// The sandbox's server-side rate limit: one token bucket per (vendor, API key). Time is passed in,
// so the arithmetic is unit-testable with a fake clock.
//
// The one enforcing limiter in the tree, deliberately apart from the client's pacer
// (partnerkit/policy/pacer.hpp): the pacer schedules future send slots with a spacing margin, holds
// against timer jitter, and learns or probes the rate; a vendor refuses *now*, with no margin, at
// exactly its limit, and says so (remaining, reset, Retry-After). Sharing the pacer's arithmetic would
// give the sandbox its margin and hide a client that paces a little too fast.
#pragma once

#include <chrono>

namespace partnerkit::sandbox {

// requests_per_second == 0: no limit. burst: tokens the bucket holds (0: max(1, requests_per_second),
// i.e. one second's worth), so a client pacing itself at the configured rate never sees a 429.
struct RateLimitOptions {
  double requests_per_second = 0;
  double burst = 0;
  bool enabled() const noexcept { return requests_per_second > 0; }
  double capacity() const noexcept;
  friend bool operator==(const RateLimitOptions&, const RateLimitOptions&) = default;
};

class TokenBucket {
 public:
  using time_point = std::chrono::system_clock::time_point;

  struct Decision {
    bool allowed = true;
    long limit = 0;         // X-RateLimit-Limit: the bucket capacity (requests per second by default)
    double per_second = 0;  // the refill rate; vendors whose limit is per minute state per_minute()
    // The limit as a count per minute (Dub and JourneyBee state theirs per minute).
    long per_minute() const noexcept {
      return per_second > 0 ? static_cast<long>(per_second * 60 + 0.5) : limit;
    }
    long remaining = 0;  // X-RateLimit-Remaining: whole tokens left after this request
    // Allowed: zero. Refused: how long until one token is available (the Retry-After).
    std::chrono::milliseconds retry_after{0};
    // How long until the bucket is full again (X-RateLimit-Reset), at least retry_after.
    std::chrono::milliseconds reset{0};
  };

  // Starts full at `now`.
  TokenBucket(RateLimitOptions options, time_point now);

  // Refills for the time elapsed since the last call (a clock going backwards refills nothing),
  // then takes one token if there is one.
  Decision take(time_point now);

 private:
  RateLimitOptions options_;
  double tokens_;
  time_point last_;
};

}  // namespace partnerkit::sandbox
