#include <partnerkit/sandbox/rate_limit.hpp>

#include <gtest/gtest.h>

using namespace partnerkit::sandbox;
using namespace std::chrono_literals;
using tp = std::chrono::system_clock::time_point;

TEST(TokenBucket, DisabledAlwaysAllows) {
  TokenBucket b({}, tp{});
  for (int i = 0; i < 1000; ++i) EXPECT_TRUE(b.take(tp{}).allowed);
}

TEST(TokenBucket, BurstOfOneSecondThenRefusesWithExactWait) {
  tp t0{std::chrono::seconds(1000)};
  TokenBucket b({10, 0}, t0);  // 10/s, capacity 10
  for (int i = 0; i < 10; ++i) {
    auto d = b.take(t0);
    ASSERT_TRUE(d.allowed) << i;
    EXPECT_EQ(d.limit, 10);
    EXPECT_EQ(d.remaining, 9 - i);
  }
  auto refused = b.take(t0);
  EXPECT_FALSE(refused.allowed);
  EXPECT_EQ(refused.remaining, 0);
  EXPECT_EQ(refused.retry_after, 100ms);  // one token at 10/s
  EXPECT_EQ(refused.reset, 1000ms);       // full again after a second
  EXPECT_FALSE(b.take(t0 + 99ms).allowed);
  auto later = b.take(t0 + 100ms);
  EXPECT_TRUE(later.allowed);
  EXPECT_EQ(later.remaining, 0);
}

TEST(TokenBucket, PacedClientNeverRefused) {
  tp t{std::chrono::seconds(5)};
  TokenBucket b({500, 0}, t);
  for (int i = 0; i < 10000; ++i) {
    t += 2ms;  // exactly 500/s
    ASSERT_TRUE(b.take(t).allowed) << i;
  }
}

TEST(TokenBucket, SustainedRateIsTheLimit) {
  tp t{std::chrono::seconds(5)};
  TokenBucket b({100, 1}, t);
  int allowed = 0;
  for (int i = 0; i < 10000; ++i) {  // 1000 req/s offered for 10 s
    t += 1ms;
    allowed += b.take(t).allowed;
  }
  EXPECT_NEAR(allowed, 1000, 2);
}

TEST(TokenBucket, ClockGoingBackwardsRefillsNothing) {
  tp t{std::chrono::seconds(100)};
  TokenBucket b({1, 1}, t);
  EXPECT_TRUE(b.take(t).allowed);
  EXPECT_FALSE(b.take(t - 10s).allowed);
  EXPECT_FALSE(b.take(t + 500ms).allowed);
  EXPECT_TRUE(b.take(t + 1s).allowed);
}

TEST(TokenBucket, FractionalRates) {
  tp t{std::chrono::seconds(0)};
  TokenBucket b({0.5, 1}, t);
  EXPECT_TRUE(b.take(t).allowed);
  auto d = b.take(t);
  EXPECT_FALSE(d.allowed);
  EXPECT_EQ(d.retry_after, 2000ms);
  EXPECT_EQ(RateLimitOptions({0.5, 0}).capacity(), 1.0);
}
