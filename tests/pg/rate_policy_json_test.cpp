// The rate policy's state as the credential's row holds it (plain values, no database).
#include "rate_policy_json.hpp"

#include <gtest/gtest.h>

namespace partnerkit::pg::detail {
namespace {

using policy::RateSource;

TEST(RatePolicyJson, RoundTripsEveryField) {
  policy::RatePolicyState s;
  s.rate = 19.0;
  s.target = 20.0;
  s.probe_step = 0.5;
  s.slow_start = false;
  s.source = RateSource::learnt;
  s.learnt = 20.0;
  s.throttle_margin = 0.01;
  s.throttled = 3;
  auto back = rate_policy_from_json(rate_policy_to_json(s));
  ASSERT_TRUE(back);
  EXPECT_DOUBLE_EQ(back->rate, 19.0);
  EXPECT_DOUBLE_EQ(back->target, 20.0);
  EXPECT_DOUBLE_EQ(back->probe_step, 0.5);
  EXPECT_FALSE(back->slow_start);
  EXPECT_EQ(back->source, RateSource::learnt);
  ASSERT_TRUE(back->learnt);
  EXPECT_DOUBLE_EQ(*back->learnt, 20.0);
  EXPECT_DOUBLE_EQ(back->throttle_margin, 0.01);
  EXPECT_EQ(back->throttled, 3u);
  s.learnt.reset();
  s.source = RateSource::probed;
  back = rate_policy_from_json(rate_policy_to_json(s));
  ASSERT_TRUE(back);
  EXPECT_FALSE(back->learnt);
  EXPECT_EQ(back->source, RateSource::probed);
}

TEST(RatePolicyJson, AnythingElseIsNotAState) {
  for (const char* text : {"", "null", "[]", "{}", "{\"rate\":1}", "not json",
                           R"({"rate":1,"target":1,"probe_step":1,"slow_start":true,"source":"loud",)"
                           R"("throttle_margin":0,"throttled":0})",
                           R"({"rate":-1,"target":1,"probe_step":1,"slow_start":true,"source":"probed",)"
                           R"("throttle_margin":0,"throttled":0})"})
    EXPECT_FALSE(rate_policy_from_json(text)) << text;
}

}  // namespace
}  // namespace partnerkit::pg::detail
