#include <partnerkit/policy/pacer.hpp>

#include <gtest/gtest.h>

using namespace std::chrono_literals;
using partnerkit::HttpResponse;
using partnerkit::RateLimit;
using namespace partnerkit::policy;
using clock_t_ = Pacer::clock;

namespace {
const clock_t_::time_point t0{};
double secs(clock_t_::duration d) { return std::chrono::duration<double>(d).count(); }
PacerConfig configured(RateLimit limit) {
  PacerConfig c;
  c.configured = limit;
  return c;
}
PacerConfig declared(RateLimit limit) {
  PacerConfig c;
  c.declared = limit;
  return c;
}
// Reserves as a client does: a slot beyond the horizon is asked for again nearer the time. The wait
// returned is from the first `now`.
Pacer::Slot take(Pacer& p, clock_t_::time_point now,
                 std::optional<clock_t_::time_point> deadline = std::nullopt) {
  auto at = now;
  for (int i = 0; i < 1'000'000; ++i) {
    auto s = p.reserve(at, deadline);
    if (!s.later) {
      s.wait = s.send_at - now;
      return s;
    }
    EXPECT_GT(s.send_at, at);
    at = s.send_at;
  }
  ADD_FAILURE() << "never granted";
  return {};
}
RateObservation throttled() {
  RateObservation o;
  o.throttled = true;
  return o;
}
}  // namespace

TEST(Pacer, SpacesRequestsAtTheConfiguredRateWithASmallMargin) {
  Pacer p(configured(RateLimit::per_second(200)), t0);
  auto prev = take(p, t0);
  ASSERT_TRUE(prev.granted);
  EXPECT_EQ(prev.wait, 0s);
  for (int i = 1; i < 2000; ++i) {
    auto s = take(p, t0);
    ASSERT_TRUE(s.granted);
    ASSERT_GE(s.send_at - prev.send_at, 5ms);  // never two in one 5 ms slot
    prev = s;
  }
  // 1,999 intervals of 5 ms plus the 1 % margin: within 1.02x the ideal 9.995 s.
  EXPECT_GT(secs(prev.wait), 9.995);
  EXPECT_LT(secs(prev.wait), 9.995 * 1.02);
  EXPECT_EQ(p.source(), RateSource::configured);
}

TEST(Pacer, BurstLetsThatManyLeaveAtOnceThenSpaces) {
  Pacer p(configured(RateLimit::per_second(50, 10)), t0);
  for (int i = 0; i < 10; ++i) EXPECT_EQ(take(p, t0).wait, 0s) << i;
  auto eleventh = take(p, t0);
  EXPECT_NEAR(secs(eleventh.wait), 0.020 * 1.01, 1e-6);
  // Idle time refills the burst, but never beyond it.
  for (int i = 0; i < 10; ++i) EXPECT_EQ(take(p, t0 + 10s).wait, 0s) << i;
  EXPECT_GT(take(p, t0 + 10s).wait, 19ms);
}

TEST(Pacer, PerMinuteAndPerWindowLimits) {
  Pacer minute(configured(RateLimit::per_minute(3000)), t0);
  take(minute, t0);
  EXPECT_NEAR(secs(take(minute, t0).wait), 0.020 * 1.01, 1e-6);

  Pacer window(configured(RateLimit{45, 1, 30s}), t0);  // 45 per 30 s: one every 667 ms
  take(window, t0);
  EXPECT_NEAR(secs(take(window, t0).wait), 30.0 / 45 * 1.01, 1e-6);

  Pacer window_burst(configured(RateLimit{45, 45, 30s}), t0);  // 45 at once, then one every 667 ms
  for (int i = 0; i < 45; ++i) EXPECT_EQ(take(window_burst, t0).wait, 0s);
  EXPECT_NEAR(secs(take(window_burst, t0).wait), 30.0 / 45 * 1.01, 1e-6);
}

TEST(Pacer, A429AtTheConfiguredRateCostsALittleAndIsWonBackQuickly) {
  Pacer p(configured(RateLimit::per_second(200)), t0);
  take(p, t0);
  const auto before = take(p, t0).send_at;
  p.on_response(throttled(), t0 + 1ms);
  EXPECT_GE(p.rate(), 190);  // a small step, not a halving
  EXPECT_LT(p.rate(), 200);
  // No pause for the key: the next slot follows the previous one, only slightly wider.
  const auto next = take(p, t0).send_at;
  EXPECT_LT(next - before, 6ms);
  // About twenty answers win the rate back, never beyond the configured one.
  for (int i = 0; i < 40; ++i) p.on_response(RateObservation{}, t0 + 2ms);
  EXPECT_DOUBLE_EQ(p.rate(), 200);
  EXPECT_EQ(p.status().throttled, 1u);
  EXPECT_EQ(p.status().pauses, 0u);
}

TEST(Pacer, RepeatedThrottlingWidensTheMarginWithinItsCap) {
  Pacer p(configured(RateLimit::per_second(100)), t0);
  const double m0 = p.status().margin;
  for (int i = 0; i < 5; ++i) p.on_response(throttled(), t0);
  EXPECT_GT(p.status().margin, m0);
  for (int i = 0; i < 100; ++i) p.on_response(throttled(), t0);
  EXPECT_LE(p.status().margin, 0.10 + 1e-12);
  EXPECT_GE(p.rate(), 100.0 / 16);  // floored
}

TEST(Pacer, MeasuredSendJitterWidensTheSpacing) {
  Pacer p(configured(RateLimit::per_second(100)), t0);
  const auto quiet = p.gcra().emission_interval;
  for (int i = 0; i < 50; ++i) p.on_sent(t0, t0 + (i % 2 ? 0us : 400us));  // ±200 µs around the slot
  EXPECT_GT(p.gcra().emission_interval, quiet);
  EXPECT_LE(p.status().margin, 0.10 + 1e-12);
}

TEST(Pacer, AnExhaustedKeyPausesUntilTheResetNeverLongerThanTheCap) {
  PacerConfig c = configured(RateLimit::per_second(10));
  c.max_pause = 60s;
  Pacer p(c, t0);
  RateObservation o;
  o.remaining = 0;
  o.reset = 10s;
  p.on_response(o, t0);
  EXPECT_GE(take(p, t0).wait, 10s);
  EXPECT_EQ(p.status().pauses, 1u);

  Pacer tomorrow(c, t0);
  o.throttled = true;
  o.reset = 24h;
  tomorrow.on_response(o, t0);
  const auto w = take(tomorrow, t0).wait;
  EXPECT_GE(w, 60s);
  EXPECT_LT(w, 61s);
  // Remaining without a reset time, or a reset with some left, pauses nothing.
  Pacer other(c, t0);
  RateObservation partial;
  partial.remaining = 3;
  partial.reset = 30s;
  other.on_response(partial, t0);
  EXPECT_EQ(take(other, t0).wait, 0s);
}

TEST(Pacer, ASlotPastTheDeadlineIsRefusedAndNothingIsReserved) {
  Pacer p(configured(RateLimit::per_second(10)), t0);
  RateObservation o;
  o.remaining = 0;
  o.reset = 3600s;
  p.on_response(o, t0);
  auto refused = take(p, t0, t0 + 120s);
  EXPECT_FALSE(refused.granted);
  EXPECT_GE(refused.wait, 3600s);  // the caller's retry_after
  auto again = take(p, t0, t0 + 120s);
  EXPECT_FALSE(again.granted);
  EXPECT_EQ(again.wait, refused.wait);  // the refusal consumed nothing
  EXPECT_EQ(p.status().refused, 2u);
  EXPECT_TRUE(take(p, t0).granted);  // no deadline: waits
}

TEST(Pacer, AReleasedLastSlotIsGivenBack) {
  Pacer p(configured(RateLimit::per_second(10)), t0);
  take(p, t0);
  auto second = take(p, t0);
  auto third = take(p, t0);
  p.release(third.send_at, t0);
  EXPECT_EQ(take(p, t0).send_at, third.send_at);  // the next caller gets it
  // A slot with a later one after it is not given back (that would double up the later one).
  p.release(second.send_at, t0);
  EXPECT_GT(take(p, t0).send_at, third.send_at);
}

TEST(Pacer, LearnsTheStatedLimitPerTheDeclaredWindowAndRunsAtIt) {
  Pacer p(declared(RateLimit::per_minute(60)), t0);  // Dub's Free plan
  EXPECT_EQ(p.source(), RateSource::declared);
  EXPECT_DOUBLE_EQ(p.rate(), 1.0);
  RateObservation o;
  o.limit = 600;  // Pro: 600 per minute
  p.on_response(o, t0);
  EXPECT_EQ(p.source(), RateSource::learnt);
  EXPECT_DOUBLE_EQ(p.rate(), 10.0);
  EXPECT_NE(p.status().why.find("vendor states"), std::string::npos) << p.status().why;
  // At a learnt limit there is no probing past it.
  for (int i = 0; i < 1000; ++i) {
    auto s = take(p, t0 + i * 1ms);
    p.on_response(RateObservation{}, s.send_at);
  }
  EXPECT_DOUBLE_EQ(p.rate(), 10.0);
}

TEST(Pacer, AnExplicitLimitIsNeverExceededByAStatedOne) {
  PacerConfig c = configured(RateLimit::per_second(5));
  c.declared = RateLimit::per_minute(60);
  Pacer p(c, t0);
  RateObservation o;
  o.limit = 3000;  // 50/s stated
  p.on_response(o, t0);
  EXPECT_DOUBLE_EQ(p.rate(), 5.0);
  EXPECT_EQ(p.source(), RateSource::configured);

  c.configured = RateLimit::per_second(20);
  Pacer lower(c, t0);
  o.limit = 600;  // 10/s stated, below the explicit 20/s: run at it
  lower.on_response(o, t0);
  EXPECT_DOUBLE_EQ(lower.rate(), 10.0);
  EXPECT_EQ(lower.source(), RateSource::learnt);
}

TEST(Pacer, WithNothingStatedItProbesUpwardFromTheDeclaredDefault) {
  Pacer p(declared(RateLimit::per_second(1)), t0);
  auto now = t0;
  // Saturated (the pacer holds requests back): 30 s of pacing.
  while (now < t0 + 30s) {
    auto s = take(p, now);
    now = s.send_at;
    p.on_response(RateObservation{}, now);
  }
  EXPECT_GT(p.rate(), 10.0);
  EXPECT_EQ(p.source(), RateSource::probed);
  const double before = p.rate();
  p.on_response(throttled(), now);  // found the limit: settle below it
  EXPECT_NEAR(p.rate(), before * 0.85, 1e-9);
  // After a 429 the probe climbs more slowly.
  const double settled = p.rate();
  const auto later = now + 10s;
  while (now < later) {
    auto s = take(p, now);
    now = s.send_at;
    p.on_response(RateObservation{}, now);
  }
  EXPECT_LT(p.rate() - settled, 10.0 / 2 + 1);
  EXPECT_NE(p.status().why.find("probed"), std::string::npos);
}

TEST(Pacer, NotProbingWhenTheCallersAreTheBottleneck) {
  Pacer p(declared(RateLimit::per_second(2)), t0);
  auto now = t0;
  for (int i = 0; i < 100; ++i) {
    now += 1s;  // one request a second: the pacer never holds one back
    take(p, now);
    p.on_response(RateObservation{}, now);
  }
  EXPECT_DOUBLE_EQ(p.rate(), 2.0);
  EXPECT_EQ(p.source(), RateSource::declared);
}

TEST(Pacer, UnlimitedSendsAtOnceButAVendorPauseStillHolds) {
  Pacer p(PacerConfig{}, t0);
  for (int i = 0; i < 100; ++i) EXPECT_EQ(take(p, t0).wait, 0s);
  EXPECT_EQ(p.source(), RateSource::unlimited);
  RateObservation o;
  o.throttled = true;
  o.remaining = 0;
  o.reset = 5s;
  p.on_response(o, t0);
  EXPECT_EQ(take(p, t0).wait, 5s);
  EXPECT_DOUBLE_EQ(p.rate(), 0.0);
}

TEST(Pacer, ItsStateIsThreeGcraNumbers) {
  Pacer p(configured(RateLimit::per_second(100, 5)), t0);
  auto g = p.gcra();
  EXPECT_NEAR(secs(g.emission_interval), 0.01 * 1.01, 1e-9);
  EXPECT_NEAR(secs(g.tolerance), 4 * 0.01 * 1.01, 1e-9);
  take(p, t0);
  EXPECT_EQ(p.gcra().tat, t0 + g.emission_interval);
}

TEST(Pacer, ObservesDubsHeadersOnAnError) {
  HttpResponse r;
  r.status = 429;
  const auto sent = std::chrono::system_clock::time_point(std::chrono::milliseconds(1'700'000'000'000));
  r.headers = {
      {"X-RateLimit-Limit", "600"}, {"X-RateLimit-Remaining", "0"}, {"X-RateLimit-Reset", "1700000012000"}};
  auto o = observe_rate_limit(r, sent);
  EXPECT_TRUE(o.throttled);
  EXPECT_EQ(o.limit, 600);
  EXPECT_EQ(o.remaining, 0);
  EXPECT_EQ(o.reset, std::chrono::milliseconds(12'000));
  r.status = 201;
  r.headers = {{"X-RateLimit-Limit", "garbage"}, {"X-RateLimit-Remaining", "-1"}};
  o = observe_rate_limit(r, sent);
  EXPECT_FALSE(o.throttled);
  EXPECT_FALSE(o.limit);
  EXPECT_FALSE(o.remaining);
  EXPECT_FALSE(o.reset);
}

TEST(Pacer, ALateSendHoldsTheNextOneSoTheyNeverCrowd) {
  Pacer p(configured(RateLimit::per_second(100)), t0);  // 10 ms apart
  auto a = take(p, t0);
  auto b = take(p, t0);
  EXPECT_EQ(p.hold(a.send_at + 4ms), 0s);  // a's timer fired 4 ms late
  // b's slot comes 10.1 ms after a's, only 6.1 ms after a really left: b waits the rest.
  const auto extra = p.hold(b.send_at);
  EXPECT_NEAR(secs(extra), 0.010 - (secs(b.send_at - a.send_at) - 0.004), 1e-6);
  // The schedule after b shifts with it.
  EXPECT_GE(take(p, t0).send_at - (b.send_at + extra), 10ms);
  EXPECT_EQ(p.status().held, 1u);
  // With a burst allowed, nothing is held.
  Pacer burst(configured(RateLimit::per_second(100, 5)), t0);
  EXPECT_EQ(burst.hold(t0), 0s);
  EXPECT_EQ(burst.hold(t0), 0s);
}

TEST(Pacer, SlotsBeyondTheHorizonAreNotReservedSoARateIncreaseApplies) {
  Pacer p(declared(RateLimit::per_second(1)), t0);
  EXPECT_TRUE(p.reserve(t0).granted);
  EXPECT_TRUE(p.reserve(t0).granted);  // 1.01 s ahead: within two intervals
  EXPECT_TRUE(p.reserve(t0).granted);  // 2.02 s ahead: just within
  auto far = p.reserve(t0);
  EXPECT_TRUE(far.later);
  EXPECT_FALSE(far.granted);
  const auto tat = p.gcra().tat;
  EXPECT_EQ(p.reserve(t0).send_at, far.send_at);  // nothing was reserved
  EXPECT_EQ(p.gcra().tat, tat);
  RateObservation o;
  o.limit = 10;  // the vendor states 10/s: the requests not yet reserved go at it
  p.on_response(o, t0);
  EXPECT_LT(p.gcra().emission_interval, 110ms);
}
