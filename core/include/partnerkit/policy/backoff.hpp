// Exponential backoff with full jitter. Sans-I/O: it computes waits, never sleeps.
#pragma once

#include <partnerkit/options.hpp>

#include <chrono>
#include <cstdint>
#include <optional>
#include <random>

namespace partnerkit::policy {

class Backoff {
 public:
  Backoff(BackoffPolicy policy, std::uint64_t seed) : policy_(policy), seed_(seed) {}

  // The wait before retry number `retry` (0 for the first retry): uniform in [0, min(max,
  // initial*mult^retry)].
  std::chrono::milliseconds delay(int retry);

  // The upper bound delay(retry) draws from (no jitter); for tests and docs.
  std::chrono::milliseconds ceiling(int retry) const;

 private:
  BackoffPolicy policy_;
  std::uint64_t seed_;
  // Seeded on the first retry: seeding costs ~2,800 instructions, and most calls never retry.
  std::optional<std::mt19937_64> rng_;
};

}  // namespace partnerkit::policy
