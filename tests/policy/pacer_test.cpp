#include <partnerkit/policy/pacer.hpp>

#include <gtest/gtest.h>

#include <vector>

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
  // 1,999 intervals of 5 ms plus the margin, 100 µs (2 %) at this rate: within 1.03x the ideal 9.995 s.
  EXPECT_GT(secs(prev.wait), 9.995);
  EXPECT_LT(secs(prev.wait), 9.995 * 1.03);
  EXPECT_NEAR(p.status().margin, 0.02, 1e-9);
  EXPECT_EQ(p.source(), RateSource::configured);
  // At 20/s the 1 % share is more than 100 µs: it is the margin.
  EXPECT_NEAR(Pacer(configured(RateLimit::per_second(20)), t0).status().margin, 0.01, 1e-9);
  // At 5,000/s the time floor (50 %) stops at the margin's cap.
  EXPECT_NEAR(Pacer(configured(RateLimit::per_second(5000)), t0).status().margin, 0.10, 1e-9);
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

TEST(Pacer, OwnSendJitterDoesNotWidenTheSpacing) {
  // Late timers are taken out by hold(), not by a wider schedule: the interval stays at the margin.
  Pacer p(configured(RateLimit::per_second(100)), t0);
  const auto quiet = p.gcra().emission_interval;
  for (int i = 0; i < 50; ++i) {
    auto s = take(p, t0);
    const auto at = s.send_at + (i % 2 ? 0us : 400us);  // ±200 µs around the slot
    p.on_sent(s.send_at, at + p.hold(at));
  }
  EXPECT_EQ(p.gcra().emission_interval, quiet);
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
  auto pace = [&](std::chrono::seconds d) {  // saturated: the pacer holds requests back
    const auto until = now + d;
    while (now < until) {
      auto s = take(p, now);
      now = s.send_at;
      p.on_response(RateObservation{}, now);
    }
  };
  // Slow start: the rate doubles per half second paced, from 1/s to about 50/s (Dub's top plan) in 3 s.
  pace(3s);
  EXPECT_GT(p.rate(), 25.0);
  EXPECT_LT(p.rate(), 130.0);
  EXPECT_EQ(p.source(), RateSource::probed);
  double before = p.rate();
  p.on_response(throttled(), now);  // the first 429 ends the slow start: it may have overshot 2x
  EXPECT_NEAR(p.rate(), before * 0.5, 1e-9);
  // Then additive increase: about +1/s per second paced, and a 429 costs 15 %.
  before = p.rate();
  pace(4s);
  EXPECT_GT(p.rate(), before + 1);
  EXPECT_LT(p.rate(), before + 4 + 1);
  before = p.rate();
  p.on_response(throttled(), now);
  EXPECT_NEAR(p.rate(), before * 0.85, 1e-9);
  // After that the probe climbs more slowly still.
  const double settled = p.rate();
  pace(10s);
  EXPECT_LT(p.rate() - settled, 10.0 / 2 + 1);
  EXPECT_NE(p.status().why.find("probed"), std::string::npos);
}

TEST(Pacer, ADubStyleFirst429TeachesTheLimitDuringTheSlowStart) {
  // Dub states its limit (per minute) only on errors: the slow start's first 429 carries it.
  Pacer p(declared(RateLimit::per_minute(60)), t0);
  auto now = t0;
  while (p.rate() < 40) {
    auto s = take(p, now);
    now = s.send_at;
    p.on_response(RateObservation{}, now);
  }
  EXPECT_LT(now - t0, 8s);
  RateObservation o = throttled();
  o.limit = 1200;  // 20/s
  o.remaining = 0;
  o.reset = 50ms;
  p.on_response(o, now);
  EXPECT_EQ(p.source(), RateSource::learnt);
  EXPECT_NEAR(p.rate(), 20.0 * 0.95, 1e-9);  // the 429 at the known limit: 5 %, won back quickly
  for (int i = 0; i < 40; ++i) p.on_response(RateObservation{}, now);
  EXPECT_DOUBLE_EQ(p.rate(), 20.0);
  EXPECT_EQ(p.status().pauses, 1u);  // Remaining 0 with a reset: the key waits the 50 ms
}

// Many requests at once against the declared default (Dub's 60/min): none is handed a slot seconds
// ahead at that rate, so when the first answer doubles the rate the next request leaves at the new
// spacing (measured before: three sends a second apart before the probe could take effect).
TEST(Pacer, TheProbingStartLocksNoSlotInAtTheDeclaredRate) {
  Pacer p(declared(RateLimit::per_minute(60)), t0);
  auto first = p.reserve(t0);
  ASSERT_TRUE(first.granted);
  auto second = p.reserve(t0);  // a second away: not reserved yet, ask again nearer the time
  ASSERT_TRUE(second.later);
  EXPECT_GE(second.send_at, t0 + 700ms);
  p.on_response(RateObservation{}, t0 + 5ms);  // the first answer: the rate doubles
  EXPECT_NEAR(p.rate(), 2.0, 1e-9);
  auto again = take(p, t0 + 5ms);
  EXPECT_LE(again.send_at, t0 + 510ms);  // half a second after the first, with the margin
  EXPECT_GE(again.send_at, t0 + 500ms);
}

// The policy alone, as the PostgreSQL workers apply it to a credential's row: "--rate 0" is no
// limit and no probe; a limit the vendor states is still run at (per the declared window).
TEST(RatePolicy, AnExplicitNoneIsUnlimitedUntilAVendorStatesALimit) {
  const auto limits = RatePolicyLimits::of(RateLimit::per_minute(60), RateLimit::per_second(0));
  auto s = RatePolicyState::initial(limits);
  EXPECT_EQ(s.source, RateSource::unlimited);
  EXPECT_FALSE(s.probing());
  for (int i = 0; i < 10; ++i) apply_answer(s, RateObservation{}, true, limits);
  EXPECT_EQ(s.rate, 0.0);
  RateObservation stated;
  stated.limit = 1200;
  apply_answer(s, stated, false, limits);
  EXPECT_EQ(s.source, RateSource::learnt);
  EXPECT_DOUBLE_EQ(s.rate, 20.0);
  // Without the explicit none: the declared default, probed upward while held back.
  const auto declared = RatePolicyLimits::of(RateLimit::per_minute(60), std::nullopt);
  auto d = RatePolicyState::initial(declared);
  EXPECT_TRUE(d.probing());
  apply_answer(d, RateObservation{}, false, declared);  // not held back: no probe
  EXPECT_DOUBLE_EQ(d.rate, 1.0);
  apply_answer(d, RateObservation{}, true, declared);
  EXPECT_DOUBLE_EQ(d.rate, 2.0);
  EXPECT_EQ(d.source, RateSource::probed);
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
  Pacer p(configured(RateLimit::per_second(100)), t0);  // 10.1 ms apart (1 % margin)
  const auto guard = std::chrono::duration_cast<clock_t_::duration>(std::chrono::duration<double>(0.01005));
  auto a = take(p, t0);
  auto b = take(p, t0);
  auto c = take(p, t0);
  const auto a_left = a.send_at + 4ms;  // a's timer fired 4 ms late
  EXPECT_EQ(p.hold(a_left), 0s);
  p.on_sent(a.send_at, a_left);
  // b's slot comes 10.1 ms after a's, only 6.1 ms after a really left: b waits for the guard (the
  // interval with half its margin) after a. (hold() without the slot: no order among held sends.)
  const auto extra = p.hold(b.send_at);
  EXPECT_NEAR(secs(extra), secs(a_left + guard - b.send_at), 1e-6);
  // Nothing was committed: c, asking in the meantime (its timer late too), is held to the same moment
  EXPECT_LT(c.send_at, b.send_at + extra + 10ms);
  EXPECT_EQ(b.send_at + extra, b.send_at + 1ms + p.hold(b.send_at + 1ms));
  // ... and whichever asks first then goes; the other one asks again and waits a whole guard.
  EXPECT_EQ(p.hold(b.send_at + extra), 0s);
  p.on_sent(b.send_at, b.send_at + extra);
  EXPECT_NEAR(secs(p.hold(b.send_at + extra)), secs(guard), 1e-6);
  // A timer that fires late again is held by the rest only.
  EXPECT_NEAR(secs(p.hold(b.send_at + extra + 3ms)), secs(guard - 3ms), 1e-6);
  // The schedule's end follows the held sends, never ahead of where they leave.
  EXPECT_GE(take(p, t0).send_at - (b.send_at + extra), 10ms);
  EXPECT_GE(p.status().held, 1u);
  // With a burst allowed, nothing is held.
  Pacer burst(configured(RateLimit::per_second(100, 5)), t0);
  EXPECT_EQ(burst.hold(t0), 0s);
  EXPECT_EQ(burst.hold(t0), 0s);
}

// Where a request really left (after its connection's handshake) is when the next one's spacing
// counts from; and once a 429 has shown the limiter is strict, so is an answer slower than usual
// (measured with nginx limit_req: such a request was stamped that much late).
TEST(Pacer, TheNextSendKeepsItsSpacingFromWhereTheLastReallyLeftAndArrived) {
  Pacer p(configured(RateLimit::per_second(20)), t0);  // 50.5 ms apart, guard 50.25 ms
  const auto guard = std::chrono::duration_cast<clock_t_::duration>(std::chrono::duration<double>(0.05025));
  auto a = take(p, t0);
  EXPECT_EQ(p.hold(t0, a.send_at), 0s);
  p.on_sent(a.send_at, t0);
  p.on_answered(t0 + 5ms, t0 + 6ms);  // written after a 5 ms handshake, answered in 1 ms
  auto b = take(p, t0);
  const auto b_left = t0 + 5ms + guard;  // not before: the guard after a really left
  EXPECT_GT(p.hold(b.send_at, b.send_at), 0s);
  EXPECT_GT(p.hold(b_left - 10us, b.send_at), 0s);
  EXPECT_EQ(p.hold(b_left, b.send_at), 0s);
  p.on_sent(b.send_at, b_left);
  // An answer 3 ms slower than the usual holds the next send until a guard after where that request
  // arrived, before any 429 as after one.
  auto next_hold = [&](bool throttled_before, clock_t_::duration answer) {
    Pacer q = p;
    if (throttled_before) q.on_response(throttled(), b_left + 1ms);
    q.on_answered(b_left, b_left + answer);
    auto c = take(q, t0);
    return q.hold(b_left + 10ms, c.send_at);  // well before its turn: the whole wait
  };
  EXPECT_GE(next_hold(false, 4ms), guard + 3ms - 10ms - 50us);  // a guard after where it arrived
  EXPECT_GT(next_hold(true, 4ms), next_hold(true, 1ms));
  EXPECT_GE(next_hold(true, 4ms), guard + 3ms - 10ms - 50us);
  EXPECT_LE(next_hold(false, 500ms), next_hold(false, 1ms) + 51ms);  // never more than an interval
  // Paced elsewhere: nothing is held, whatever the answers.
  PacerConfig elsewhere = configured(RateLimit::per_second(20));
  elsewhere.paced_elsewhere = true;
  Pacer e(elsewhere, t0);
  e.on_answered(t0 + 5ms, t0 + 6ms);
  EXPECT_EQ(e.hold(t0 + 6ms), 0s);
}

TEST(Pacer, HeldSendsLeaveInTheOrderOfTheirSlots) {
  Pacer p(configured(RateLimit::per_second(100)), t0);
  const auto interval = p.gcra().emission_interval;  // 10.1 ms; the guard is 10.05 ms
  const auto guard = std::chrono::duration_cast<clock_t_::duration>(std::chrono::duration<double>(0.01005));
  auto a = take(p, t0);
  auto b = take(p, t0);
  auto c = take(p, t0);
  auto d = take(p, t0);
  // a leaves 25 ms late (a stalled loop); b and c are both due by then.
  const auto a_left = a.send_at + 25ms;
  EXPECT_EQ(p.hold(a_left, a.send_at), 0s);
  p.on_sent(a.send_at, a_left);
  const auto now = a_left + 1ms;
  const auto hc = p.hold(now, c.send_at);  // c's timer fired first: it is held ...
  const auto hb = p.hold(now, b.send_at);  // ... and b, whose slot is earlier, goes before it
  EXPECT_EQ(now + hb, a_left + interval);
  EXPECT_EQ(hc, hb);
  // Both timers fire; c's handler runs first, but b's slot is earlier: c waits for b.
  EXPECT_GT(p.hold(now + hc, c.send_at), 0s);
  const auto b_turn = now + hb;
  EXPECT_EQ(p.hold(b_turn + 20us, b.send_at), 0s);  // b's timer fired 20 µs late
  p.on_sent(b.send_at, b_turn + 20us);
  // c aims at b's turn plus one interval, not at when b really left: late timers do not add up.
  const auto hc2 = p.hold(b_turn + 1ms, c.send_at);
  // (woken 1 µs early: b's timer fired 20 µs late, and the estimate of that rises 1 µs a sample)
  EXPECT_EQ(b_turn + 1ms + hc2, b_turn + interval - 1us);
  const auto c_left = b_turn + interval + 2ms;  // then c's timer is 2 ms late
  EXPECT_EQ(p.hold(c_left, c.send_at), 0s);
  p.on_sent(c.send_at, c_left);
  // Late by more than the interval's slack, the guard after the real send decides.
  const auto hd = p.hold(c_left + 1ms, d.send_at);
  EXPECT_NEAR(secs(1ms + hd), secs(guard - 2us), 1e-8);  // woken 2 µs early: c was late too
  EXPECT_EQ(p.status().held, 3u);                        // three sends held, however often they asked
}

TEST(Pacer, AHeldSendThatNeverAsksAgainDoesNotBlockTheOthers) {
  Pacer p(configured(RateLimit::per_second(100)), t0);
  auto a = take(p, t0);
  auto b = take(p, t0);
  auto c = take(p, t0);
  EXPECT_EQ(p.hold(a.send_at + 15ms, a.send_at), 0s);
  p.on_sent(a.send_at, a.send_at + 15ms);
  EXPECT_GT(p.hold(b.send_at + 6ms, b.send_at), 0s);  // b is held, then cancelled: it never asks again
  auto now = c.send_at;
  auto h = p.hold(now, c.send_at);
  for (int i = 0; i < 100 && h > 0s; ++i) h = p.hold(now += h, c.send_at);
  EXPECT_EQ(h, 0s);
  EXPECT_LT(now - c.send_at, 100ms);
}

TEST(Pacer, AStallCostsItsLengthOnceNotOncePerQueuedSend) {
  // Fifty slots handed out (a client with 64 in flight), then the loop stalls 12 ms: every one of
  // them is late and each is held behind the one before. The schedule's end moves by the stall, not
  // by fifty times it.
  Pacer p(configured(RateLimit::per_second(200)), t0);
  std::vector<Pacer::Slot> slots;
  for (int i = 0; i < 50; ++i) slots.push_back(take(p, t0));
  const auto end_before = p.gcra().tat;
  auto now = slots.front().send_at + 12ms;
  clock_t_::time_point last{};
  for (const auto& s : slots) {
    now = std::max(now, s.send_at);
    for (auto h = p.hold(now, s.send_at); h > 0s; h = p.hold(now, s.send_at)) now += h;  // asks again
    ASSERT_TRUE(last == clock_t_::time_point{} || now - last >= 5ms);
    p.on_sent(s.send_at, now);
    last = now;
  }
  EXPECT_LE(p.gcra().tat - end_before, 13ms);
  EXPECT_GE(p.gcra().tat - last, 5ms);  // and the next one still keeps its distance
}

TEST(Pacer, SlotsBeyondTheHorizonAreNotReservedSoARateIncreaseApplies) {
  Pacer held(configured(RateLimit::per_second(1)), t0);  // a held rate: two intervals ahead
  EXPECT_TRUE(held.reserve(t0).granted);
  EXPECT_TRUE(held.reserve(t0).granted);  // 1.01 s ahead: within two intervals
  EXPECT_TRUE(held.reserve(t0).granted);  // 2.02 s ahead: just within
  EXPECT_TRUE(held.reserve(t0).later);
  Pacer p(declared(RateLimit::per_second(1)), t0);  // probing upward: 250 ms ahead
  EXPECT_TRUE(p.reserve(t0).granted);
  auto far = p.reserve(t0);  // 1.01 s ahead
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

TEST(Pacer, PacedElsewhereNeverHoldsNorLearnsButCounts429s) {
  PacerConfig c = declared(RateLimit::per_second(1));
  c.paced_elsewhere = true;
  Pacer p(c, t0);
  RateObservation o = throttled();
  o.limit = 60;
  o.remaining = 0;
  o.reset = 30s;
  p.on_response(o, t0);  // a stated limit and an exhausted key: the caller's business
  for (int i = 0; i < 100; ++i) {
    auto s = p.reserve(t0);
    ASSERT_TRUE(s.granted);
    EXPECT_EQ(s.wait, clock_t_::duration::zero());
    EXPECT_EQ(p.hold(t0, s.send_at), clock_t_::duration::zero());
    p.on_sent(s.send_at, t0);
  }
  EXPECT_EQ(p.source(), RateSource::external);
  EXPECT_EQ(p.status().throttled, 1u);
  EXPECT_EQ(p.status().pauses, 0u);
  EXPECT_NE(p.status().why.find("caller"), std::string::npos);
}

// After a 429, only an answer slower than usual by more than its usual spread moves the next send:
// the ordinary jitter of a loopback round trip (here 0.8-1.2 ms) must not cost every send its
// excess over the fastest (that was 7 % of the rate at 200/s).
TEST(Pacer, OrdinaryJitterHoldsNothingAnOutlierDoes) {
  Pacer p(configured(RateLimit::per_second(200)), t0);
  p.on_response(throttled(), t0);
  auto now = t0;
  auto send = [&](clock_t_::duration answer) {
    auto s = take(p, now);
    now = std::max(now, s.send_at);
    for (auto h = p.hold(now, s.send_at); h > 0s; h = p.hold(now, s.send_at)) now += h;
    p.on_sent(s.send_at, now);
    p.on_answered(now, now + answer);
    return now;
  };
  for (int i = 0; i < 40; ++i) send(i % 2 ? 800us : 1200us);
  auto spacing = [&](double margin_share) {  // the guard is the interval with half its margin
    return std::chrono::duration_cast<clock_t_::duration>(
        std::chrono::duration<double>((1 + p.status().margin * margin_share) / p.status().rate));
  };
  // A send right after: held at most an interval from the last write (the guard, or its turn on the
  // grid), nothing more.
  auto last = send(1000us);
  auto next = take(p, now);
  EXPECT_LE(p.hold(last, next.send_at), spacing(1) + 1us);
  // An answer 4 ms slower than usual: the next send waits for a guard after where it arrived.
  last = send(5ms);
  next = take(p, now);
  EXPECT_GE(p.hold(last, next.send_at), spacing(0.5) + 3ms);
}

TEST(Pacer, SendsThatAllLeaveLateKeepTheirGridNotAGuardAfterEachOther) {
  // Every hold's timer fires late and the write follows (a loaded machine): the next send is late by
  // as much, so the two are still an interval apart on the grid. Counting the guard from the late
  // send made every gap the guard plus the lateness (5.10-5.13 ms at 200/s, 2-3 % of the run).
  Pacer p(configured(RateLimit::per_second(200)), t0);
  const auto interval = p.gcra().emission_interval;  // 5.1 ms
  const auto guard = std::chrono::duration_cast<clock_t_::duration>(
      std::chrono::duration<double>((1 + p.status().margin / 2) / p.status().rate));
  auto run = [&](Pacer q, auto lateness) {
    std::vector<clock_t_::time_point> written;
    auto now = t0;
    for (int i = 0; i < 400; ++i) {
      auto s = take(q, now);
      now = std::max(now, s.send_at + lateness(i));  // each timer fires late: the slot's ...
      for (auto h = q.hold(now, s.send_at); h > 0s; h = q.hold(now, s.send_at))
        now += h + lateness(i);  // ... a hold's
      q.on_sent(s.send_at, now);
      written.push_back(now + 20us);
      q.on_answered(written.back(), written.back() + 400us);
    }
    clock_t_::duration min_gap = 1h, sum{};
    for (std::size_t i = 201; i < written.size(); ++i) {  // once the lag is learnt
      min_gap = std::min(min_gap, written[i] - written[i - 1]);
      sum += written[i] - written[i - 1];
    }
    return std::pair{min_gap, sum / 199};
  };
  const auto [steady_min, steady_mean] = run(p, [](int) { return 100us; });
  EXPECT_LE(steady_mean, interval + 2us);
  EXPECT_GE(steady_min, guard);
  // Lateness that varies: no two writes closer than the guard (less the lag estimate's creep, 1 µs a
  // send), and still faster than a guard plus the lateness each time.
  const auto [varying_min, varying_mean] = run(p, [](int i) { return 60us + (i * 37 % 9) * 10us; });
  EXPECT_GE(varying_min, guard - 10us);
  EXPECT_LE(varying_mean, interval + 10us);
}
