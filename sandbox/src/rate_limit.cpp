#include <partnerkit/sandbox/rate_limit.hpp>

#include <algorithm>
#include <cmath>

namespace partnerkit::sandbox {

double RateLimitOptions::capacity() const noexcept {
  return burst > 0 ? burst : std::max(1.0, requests_per_second);
}

TokenBucket::TokenBucket(RateLimitOptions options, time_point now)
    : options_(options), tokens_(options.capacity()), last_(now) {}

TokenBucket::Decision TokenBucket::take(time_point now) {
  Decision d;
  const double capacity = options_.capacity();
  d.limit = static_cast<long>(std::floor(capacity));
  d.per_second = options_.enabled() ? options_.requests_per_second : 0;
  if (!options_.enabled()) {
    d.remaining = d.limit;
    return d;
  }
  if (now > last_) {
    double elapsed = std::chrono::duration<double>(now - last_).count();
    tokens_ = std::min(capacity, tokens_ + elapsed * options_.requests_per_second);
    last_ = now;
  }
  auto ms_until = [&](double tokens_needed) {
    if (tokens_needed <= 0) return std::chrono::milliseconds(0);
    return std::chrono::milliseconds(
        static_cast<long long>(std::ceil(tokens_needed / options_.requests_per_second * 1000.0)));
  };
  // A tolerance for floating-point refills: 100/s refilled every 1 ms must give a token every 10 ms.
  constexpr double epsilon = 1e-9;
  if (tokens_ >= 1.0 - epsilon) {
    tokens_ = std::max(0.0, tokens_ - 1.0);
    d.allowed = true;
  } else {
    d.allowed = false;
    d.retry_after = std::max(std::chrono::milliseconds(1), ms_until(1.0 - tokens_));
  }
  d.remaining = static_cast<long>(std::floor(tokens_ + epsilon));
  d.reset = std::max(d.retry_after, ms_until(capacity - tokens_));
  return d;
}

}  // namespace partnerkit::sandbox
