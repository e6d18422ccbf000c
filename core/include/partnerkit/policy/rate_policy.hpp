// Which rate a key runs at and how answers move it, as a pure function over a few numbers: the
// rules of pacer.hpp's "the rate" paragraph. The Client's pacer applies each answer to its own
// state; the PostgreSQL workers keep the same state in the credential's row and apply their
// answers to it, so one key follows one policy however many processes send for it.
#pragma once

#include <partnerkit/http.hpp>
#include <partnerkit/rate_limit.hpp>

#include <chrono>
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace partnerkit::policy {

// Where the rate in use came from.
enum class RateSource : unsigned char {
  unlimited,   // no limit configured, declared or stated: requests are not spaced
  configured,  // an explicit limit (ClientOptions / --rate), held
  declared,    // the adapter's declared default; probing upward found no higher limit yet
  probed,      // above the declared default by additive increase, or back after a 429 while probing
  learnt,      // the vendor stated its limit (X-RateLimit-Limit)
  external,    // paced by the caller (PacerConfig::paced_elsewhere): never held back here
};
std::string_view to_string(RateSource source) noexcept;

// What one response said about the limit, as plain values (the client or a worker fills it in).
struct RateObservation {
  bool throttled = false;                          // a 429
  std::optional<double> limit;                     // X-RateLimit-Limit (per the declared window)
  std::optional<double> remaining;                 // X-RateLimit-Remaining
  std::optional<std::chrono::milliseconds> reset;  // X-RateLimit-Reset, as a wait from now
};

// Reads X-RateLimit-Limit / -Remaining / -Reset (delta seconds, epoch seconds or milliseconds, an
// HTTP date) from a response. `sent_at` is the wall clock the request left at.
RateObservation observe_rate_limit(const HttpResponse& response,
                                   std::chrono::system_clock::time_point sent_at);

// What the policy knows before any answer: the adapter's declared default and an explicit limit.
struct RatePolicyLimits {
  double declared = 0;       // requests/s (0: none declared)
  double ceiling = 0;        // an explicit limit, requests/s, never exceeded (0: none)
  double window_s = 1;       // the declared window: a stated X-RateLimit-Limit counts per it
  double max_margin = 0.10;  // the spacing margin a run of 429s may widen to
  bool none = false;         // an explicit "no limit" (rate 0): not spaced, not probed
  static RatePolicyLimits of(const RateLimit& declared, const std::optional<RateLimit>& configured,
                             double max_margin = 0.10);
};

// The rate's state. Plain numbers: a database row can hold them (pg/ stores them as JSON).
struct RatePolicyState {
  double rate = 0;         // requests/s in use; 0: not spaced
  double target = 0;       // the rate the policy recovers to
  double probe_step = 0;   // additive increase, requests/s gained per second paced
  bool slow_start = true;  // probing doubles the rate per half second paced until the first 429
  RateSource source = RateSource::unlimited;
  std::optional<double> learnt;  // requests/s stated by the vendor
  double throttle_margin = 0;    // widened by 429s at a known limit, decaying with successes
  std::size_t throttled = 0;     // 429s seen

  static RatePolicyState initial(const RatePolicyLimits& limits);
  // Probing upward from the declared default (the slow start or additive increase).
  bool probing() const noexcept {
    return (source == RateSource::declared || source == RateSource::probed) && probe_step > 0;
  }
};

// One answer: a stated limit is learnt (never past the ceiling); a 429 costs the rate a step (a
// halving only for the one that ends the slow start) and at a known limit widens the margin; a
// success recovers toward the target, or — when `held_back`, the limit being what held requests back
// — probes upward.
void apply_answer(RatePolicyState& state, const RateObservation& answer, bool held_back,
                  const RatePolicyLimits& limits);

}  // namespace partnerkit::policy
