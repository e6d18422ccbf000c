// The retry decision of one provisioning call, sans-I/O: fed each attempt's failure and the
// current time, it says whether to retry and after how long, or why to stop.
#pragma once

#include <partnerkit/adapter.hpp>
#include <partnerkit/error.hpp>
#include <partnerkit/options.hpp>
#include <partnerkit/policy/backoff.hpp>

#include <chrono>
#include <optional>

namespace partnerkit::policy {

class RetryLoop {
 public:
  using clock = std::chrono::steady_clock;

  RetryLoop(RetryPolicy retry, BackoffPolicy backoff, std::uint64_t seed, clock::time_point start,
            std::optional<clock::time_point> deadline = std::nullopt);

  struct Decision {
    bool retry = false;
    std::chrono::milliseconds delay{0};      // when retry: wait this long first
    stop_reason reason = stop_reason::none;  // when !retry
  };

  // Called after attempt number `attempt` (1-based) failed with `error`.
  // Only retryable codes are retried; a vendor's retry_after is honoured (never retry early) and,
  // when it reaches past the budget, the loop stops (deadline) so the caller can report it.
  Decision on_failure(const Error& error, int attempt, clock::time_point now);

  // The latest time a request of this call may start: the call deadline or start + max_elapsed,
  // whichever comes first. A rate-limit wait past it fails at once (rate_limited, retry_after).
  clock::time_point deadline() const noexcept;

 private:
  RetryPolicy retry_;
  Backoff backoff_;
  clock::time_point start_;
  std::optional<clock::time_point> deadline_;
};

// Whether a failed attempt may have been applied by the vendor: the request reached it and no
// answer proves otherwise. Only a 4xx proves it (validation, 401/403, 404, 409, 429); a 5xx, a 2xx
// the decoder rejected, a timeout or reset after writing, a body over the cap, a broken chunk or a
// TLS error while reading all may have been applied.
bool may_have_been_applied(const Error& error, bool request_written) noexcept;

}  // namespace partnerkit::policy
