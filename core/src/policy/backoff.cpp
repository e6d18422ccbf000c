#include <partnerkit/policy/backoff.hpp>

#include <algorithm>
#include <cmath>

namespace partnerkit::policy {

std::chrono::milliseconds Backoff::ceiling(int retry) const {
  const double initial = static_cast<double>(std::max<std::int64_t>(policy_.initial.count(), 0));
  const double cap = static_cast<double>(std::max<std::int64_t>(policy_.max.count(), 0));
  const double grown = initial * std::pow(std::max(policy_.multiplier, 1.0), std::max(retry, 0));
  return std::chrono::milliseconds(static_cast<std::int64_t>(std::min(grown, cap)));
}

std::chrono::milliseconds Backoff::delay(int retry) {
  const auto top = ceiling(retry).count();
  if (top <= 0) return std::chrono::milliseconds(0);
  std::uniform_int_distribution<std::int64_t> dist(0, top);
  if (!rng_) rng_.emplace(seed_);
  return std::chrono::milliseconds(dist(*rng_));
}

}  // namespace partnerkit::policy
