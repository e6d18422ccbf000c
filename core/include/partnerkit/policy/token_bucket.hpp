// A token bucket per (vendor, credential), as a reservation scheduler (GCRA): callers reserve a
// send time and wait on their own timer, so nothing ever blocks a thread. It adapts to throttling:
// a 429 or an exhausted X-RateLimit-Remaining pauses it until the vendor's reset and halves its
// rate; successes win the configured rate back gradually. Not thread-safe: the caller locks.
#pragma once

#include <partnerkit/options.hpp>

#include <chrono>

namespace partnerkit::policy {

class TokenBucket {
 public:
  using clock = std::chrono::steady_clock;

  TokenBucket(RateLimit limit, clock::time_point now);

  // Reserves the next send slot; returns how long to wait from `now` before sending (0: now).
  clock::duration reserve(clock::time_point now);

  // The vendor said no (429): nothing before `until`, and slow down.
  void on_throttled(clock::time_point now, clock::time_point until);
  // The vendor reported its window is used up (Remaining: 0) until `until`; rate unchanged.
  void pause_until(clock::time_point until);
  // A request went through unthrottled: recover a little of the configured rate.
  void on_success();

  double configured_rate() const noexcept { return limit_.requests_per_second; }
  double current_rate() const noexcept;

 private:
  RateLimit limit_;
  clock::duration base_interval_;
  clock::duration interval_;  // >= base_interval_ after throttling
  clock::time_point tat_;     // theoretical arrival time of the next request
};

}  // namespace partnerkit::policy
