#include <partnerkit/policy/token_bucket.hpp>

#include <algorithm>

namespace partnerkit::policy {
namespace {

using clock = TokenBucket::clock;

clock::duration interval_for(double rate) {
  if (rate <= 0) return clock::duration::zero();
  return std::chrono::duration_cast<clock::duration>(std::chrono::duration<double>(1.0 / rate));
}

// Throttling never slows a bucket below 1/16 of its configured rate.
constexpr int max_slowdown = 16;

}  // namespace

TokenBucket::TokenBucket(RateLimit limit, clock::time_point now)
    : limit_(limit),
      base_interval_(interval_for(limit.requests_per_second)),
      interval_(base_interval_),
      tat_(now) {
  if (limit_.burst < 1) limit_.burst = 1;
}

clock::duration TokenBucket::reserve(clock::time_point now) {
  if (interval_ == clock::duration::zero()) {  // no local limit, but a vendor pause still holds
    const auto wait = tat_ > now ? tat_ - now : clock::duration::zero();
    return wait;
  }
  const auto tolerance = std::chrono::duration_cast<clock::duration>(interval_ * (limit_.burst - 1));
  const auto earliest = tat_ - tolerance;
  const auto send_at = std::max(now, earliest);
  tat_ = std::max(tat_, send_at) + interval_;
  return send_at - now;
}

void TokenBucket::on_throttled(clock::time_point now, clock::time_point until) {
  if (base_interval_ != clock::duration::zero())
    interval_ = std::min(interval_ * 2, base_interval_ * max_slowdown);
  pause_until(std::max(now, until));
}

void TokenBucket::pause_until(clock::time_point until) {
  const auto tolerance = std::chrono::duration_cast<clock::duration>(interval_ * (limit_.burst - 1));
  // Nothing is sent before `until`, and the burst is not replayed right after it either.
  tat_ = std::max(tat_, until + tolerance);
}

void TokenBucket::on_success() {
  if (interval_ > base_interval_)
    interval_ = std::max(base_interval_, interval_ - (interval_ - base_interval_) / 16 - clock::duration(1));
}

double TokenBucket::current_rate() const noexcept {
  if (interval_ == clock::duration::zero()) return 0;
  return 1.0 / std::chrono::duration<double>(interval_).count();
}

}  // namespace partnerkit::policy
