#include <partnerkit/policy/backoff.hpp>

#include <gtest/gtest.h>

using namespace std::chrono_literals;
using partnerkit::BackoffPolicy;
using partnerkit::policy::Backoff;

TEST(Backoff, CeilingGrowsExponentiallyUpToTheCap) {
  Backoff b(BackoffPolicy{100ms, 1000ms, 2.0}, 1);
  EXPECT_EQ(b.ceiling(0), 100ms);
  EXPECT_EQ(b.ceiling(1), 200ms);
  EXPECT_EQ(b.ceiling(2), 400ms);
  EXPECT_EQ(b.ceiling(3), 800ms);
  EXPECT_EQ(b.ceiling(4), 1000ms);
  EXPECT_EQ(b.ceiling(60), 1000ms);  // no overflow for large retry counts
}

TEST(Backoff, FullJitterStaysWithinZeroAndTheCeilingAndSpreads) {
  Backoff b(BackoffPolicy{100ms, 10'000ms, 2.0}, 42);
  std::chrono::milliseconds lo = 1h, hi = 0ms;
  for (int i = 0; i < 2000; ++i) {
    auto d = b.delay(3);
    ASSERT_GE(d, 0ms);
    ASSERT_LE(d, 800ms);
    lo = std::min(lo, d);
    hi = std::max(hi, d);
  }
  EXPECT_LT(lo, 100ms);  // full jitter reaches near zero
  EXPECT_GT(hi, 700ms);  // and near the ceiling
}

TEST(Backoff, SameSeedSameSequence) {
  Backoff a(BackoffPolicy{}, 7), b(BackoffPolicy{}, 7);
  for (int i = 0; i < 10; ++i) EXPECT_EQ(a.delay(i), b.delay(i));
}

TEST(Backoff, ZeroInitialMeansNoWait) {
  Backoff b(BackoffPolicy{0ms, 0ms, 2.0}, 1);
  EXPECT_EQ(b.delay(5), 0ms);
}
