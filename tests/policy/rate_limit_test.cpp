#include <partnerkit/adapter.hpp>
#include <partnerkit/rate_limit.hpp>

#include <gtest/gtest.h>

using namespace std::chrono_literals;
using partnerkit::parse_rate_limit;
using partnerkit::RateLimit;

TEST(RateLimit, ParsesCountsPerWindowWithBurst) {
  EXPECT_EQ(parse_rate_limit("200"), (RateLimit{200, 1, 1s}));
  EXPECT_EQ(parse_rate_limit("200/s"), (RateLimit{200, 1, 1s}));
  EXPECT_EQ(parse_rate_limit("3000/min"), (RateLimit{3000, 1, 60s}));
  EXPECT_EQ(parse_rate_limit("45/30s"), (RateLimit{45, 1, 30s}));
  EXPECT_EQ(parse_rate_limit("45 per 30 s"), (RateLimit{45, 1, 30s}));
  EXPECT_EQ(parse_rate_limit("50/s,burst=10"), (RateLimit{50, 10, 1s}));
  EXPECT_EQ(parse_rate_limit("50/s, burst 10"), (RateLimit{50, 10, 1s}));
  EXPECT_EQ(parse_rate_limit("50:10"), (RateLimit{50, 10, 1s}));
  EXPECT_EQ(parse_rate_limit("100/h"), (RateLimit{100, 1, 3600s}));
  EXPECT_EQ(parse_rate_limit("0.5"), (RateLimit{0.5, 1, 1s}));
  EXPECT_EQ(parse_rate_limit("0"), (RateLimit{0, 1, 1s}));  // no limit
  EXPECT_DOUBLE_EQ(parse_rate_limit("45/30s")->requests_per_second(), 1.5);
  EXPECT_DOUBLE_EQ(parse_rate_limit("3000/min")->requests_per_second(), 50);
}

TEST(RateLimit, RefusesWhatIsNotARate) {
  for (const char* bad : {"", "-1", "nan", "inf", "1e400", "fast", "10/fortnight", "10/0s", "10/s,burst=0",
                          "10/s,burst=1.5", "10/s,burst=x", "10//s", "1e10"}) {
    std::string why;
    EXPECT_FALSE(parse_rate_limit(bad, &why)) << bad;
    EXPECT_FALSE(why.empty()) << bad;
  }
}

TEST(RateLimit, PrintsAsVendorsStateIt) {
  EXPECT_EQ(to_string(RateLimit::per_second(200)), "200/s");
  EXPECT_EQ(to_string(RateLimit::per_minute(3000)), "3000/min");
  EXPECT_EQ(to_string(RateLimit{45, 10, 30s}), "45 per 30 s, burst 10");
  EXPECT_EQ(to_string(RateLimit{}), "no limit");
}

TEST(RateLimit, DeclaredLimitFallsBackToTheOlderPerSecondField) {
  partnerkit::Capabilities c;
  EXPECT_EQ(declared_rate_limit(c).count, 0);
  c.default_requests_per_second = 25;
  EXPECT_EQ(declared_rate_limit(c), RateLimit::per_second(25));
  c.rate_limit = RateLimit{45, 45, 30s};
  EXPECT_EQ(declared_rate_limit(c), (RateLimit{45, 45, 30s}));
}
