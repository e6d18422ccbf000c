#include <partnerkit/policy/token_bucket.hpp>

#include <gtest/gtest.h>

using namespace std::chrono_literals;
using partnerkit::RateLimit;
using partnerkit::policy::TokenBucket;
using clock_t_ = TokenBucket::clock;

namespace {
const clock_t_::time_point t0{};
std::chrono::milliseconds ms(clock_t_::duration d) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(d);
}
}  // namespace

TEST(TokenBucket, SpreadsRequestsEvenlyWithBurstOne) {
  TokenBucket b(RateLimit{10, 1}, t0);
  EXPECT_EQ(ms(b.reserve(t0)), 0ms);
  EXPECT_EQ(ms(b.reserve(t0)), 100ms);
  EXPECT_EQ(ms(b.reserve(t0)), 200ms);
  // Time passing frees slots: at t0+1s nothing is queued any more.
  EXPECT_EQ(ms(b.reserve(t0 + 1s)), 0ms);
}

TEST(TokenBucket, BurstAllowsThatManyAtOnce) {
  TokenBucket b(RateLimit{10, 3}, t0);
  EXPECT_EQ(ms(b.reserve(t0)), 0ms);
  EXPECT_EQ(ms(b.reserve(t0)), 0ms);
  EXPECT_EQ(ms(b.reserve(t0)), 0ms);
  EXPECT_EQ(ms(b.reserve(t0)), 100ms);
}

TEST(TokenBucket, LongRunRateIsTheConfiguredRate) {
  TokenBucket b(RateLimit{200, 1}, t0);
  clock_t_::duration last{};
  for (int i = 0; i < 2000; ++i) last = b.reserve(t0);
  // 2000 requests at 200/s: the last may go at 9.995 s.
  EXPECT_NEAR(std::chrono::duration<double>(last).count(), 9.995, 0.001);
}

TEST(TokenBucket, ThrottlingPausesUntilTheResetAndHalvesTheRate) {
  TokenBucket b(RateLimit{10, 1}, t0);
  b.reserve(t0);
  b.on_throttled(t0, t0 + 2s);
  EXPECT_DOUBLE_EQ(b.current_rate(), 5.0);
  EXPECT_GE(ms(b.reserve(t0)), 2000ms);
  // Successes win the configured rate back, never beyond it.
  for (int i = 0; i < 1000; ++i) b.on_success();
  EXPECT_DOUBLE_EQ(b.current_rate(), 10.0);
}

TEST(TokenBucket, ThrottlingNeverSlowsBelowASixteenth) {
  TokenBucket b(RateLimit{16, 1}, t0);
  for (int i = 0; i < 20; ++i) b.on_throttled(t0, t0);
  EXPECT_DOUBLE_EQ(b.current_rate(), 1.0);
}

TEST(TokenBucket, UnlimitedBucketStillHonoursAVendorPause) {
  TokenBucket b(RateLimit{0, 1}, t0);
  EXPECT_EQ(ms(b.reserve(t0)), 0ms);
  EXPECT_EQ(ms(b.reserve(t0)), 0ms);
  b.pause_until(t0 + 500ms);
  EXPECT_EQ(ms(b.reserve(t0)), 500ms);
  EXPECT_EQ(ms(b.reserve(t0 + 1s)), 0ms);
}
