#include <partnerkit/http_errors.hpp>
#include <partnerkit/policy/rate_policy.hpp>

#include <algorithm>
#include <charconv>
#include <cmath>

namespace partnerkit::policy {
namespace {

std::optional<double> header_number(std::string_view v) {
  while (!v.empty() && (v.front() == ' ' || v.front() == '\t')) v.remove_prefix(1);
  while (!v.empty() && (v.back() == ' ' || v.back() == '\t')) v.remove_suffix(1);
  if (v.empty() || v.size() > 24) return std::nullopt;
  double d = 0;
  auto [p, ec] = std::from_chars(v.data(), v.data() + v.size(), d);
  if (ec != std::errc() || p != v.data() + v.size() || !std::isfinite(d) || d < 0) return std::nullopt;
  return d;
}

// How much of the gap to the target one success wins back: about 20 answers recover 95 %.
constexpr double recovery = 1.0 / 7;
// A 429 at a known limit costs this fraction of the rate (not a halving).
constexpr double known_limit_decrease = 0.05;
// A 429 while probing above the declared default: back off further, and probe more slowly after.
constexpr double probe_decrease = 0.15;
// Each 429 at a known limit widens the spacing margin by this much; successes let it decay.
constexpr double throttle_margin_step = 0.01;
constexpr double throttle_margin_decay = 0.98;
// The rate never falls below this fraction of where it is heading.
constexpr double floor_fraction = 1.0 / 16;

void retarget(RatePolicyState& s, double target, RateSource source) {
  s.target = target;
  s.rate = target;
  s.source = source;
}

}  // namespace

std::string_view to_string(RateSource source) noexcept {
  switch (source) {
    case RateSource::unlimited:
      return "unlimited";
    case RateSource::configured:
      return "configured";
    case RateSource::declared:
      return "declared";
    case RateSource::probed:
      return "probed";
    case RateSource::learnt:
      return "learnt";
    case RateSource::external:
      return "external";
  }
  return "unknown";
}

RateObservation observe_rate_limit(const HttpResponse& response,
                                   std::chrono::system_clock::time_point sent_at) {
  RateObservation o;
  o.throttled = response.status == 429;
  o.limit = header_number(response.header("X-RateLimit-Limit"));
  if (o.limit && *o.limit <= 0) o.limit.reset();
  o.remaining = header_number(response.header("X-RateLimit-Remaining"));
  if (auto reset = response.header("X-RateLimit-Reset"); !reset.empty())
    o.reset = parse_retry_after(reset, sent_at);
  return o;
}

RatePolicyLimits RatePolicyLimits::of(const RateLimit& declared, const std::optional<RateLimit>& configured,
                                      double max_margin) {
  RatePolicyLimits l;
  l.declared = declared.requests_per_second();
  if (configured) {
    l.ceiling = configured->requests_per_second();
    l.none = !(l.ceiling > 0);
  }
  const double window_s = std::chrono::duration<double>(declared.window).count();
  l.window_s = window_s > 0 ? window_s : 1.0;
  l.max_margin = max_margin;
  return l;
}

RatePolicyState RatePolicyState::initial(const RatePolicyLimits& limits) {
  RatePolicyState s;
  if (limits.none) return s;  // unlimited until a vendor states a limit
  if (limits.ceiling > 0) {
    retarget(s, limits.ceiling, RateSource::configured);
  } else if (limits.declared > 0) {
    retarget(s, limits.declared, RateSource::declared);
    s.probe_step = limits.declared;  // from 1/s, about +1/s for every second paced
  }
  return s;
}

void apply_answer(RatePolicyState& s, const RateObservation& o, bool held_back, const RatePolicyLimits& l) {
  if (o.limit) {
    const double stated = *o.limit / l.window_s;
    if (!s.learnt || std::abs(*s.learnt - stated) > 1e-9 * stated) {
      s.learnt = stated;
      if (l.ceiling > 0 && l.ceiling < stated)
        retarget(s, l.ceiling, RateSource::configured);
      else
        retarget(s, stated, RateSource::learnt);
    }
  }

  if (o.throttled) {
    ++s.throttled;
    if (s.rate <= 0) return;  // nothing to slow: the request waits its own Retry-After
    if (s.source == RateSource::declared || s.source == RateSource::probed) {
      // Probing found the limit: settle below it and probe more carefully from there. The end of
      // the slow start halves (it may have overshot by up to twice); a 429 after that costs less.
      const double decrease = s.slow_start ? 0.5 : probe_decrease;
      s.slow_start = false;
      s.target = std::max(s.rate * (1 - decrease), l.declared * floor_fraction);
      s.rate = s.target;
      s.probe_step /= 2;
      s.source = RateSource::probed;
    } else {
      // At a known limit a 429 means jitter crowded two requests into one slot: widen the margin,
      // step the rate down a little and win it back quickly.
      s.rate = std::max(s.rate * (1 - known_limit_decrease), s.target * floor_fraction);
      s.throttle_margin = std::min(l.max_margin, s.throttle_margin + throttle_margin_step);
    }
    return;
  }

  s.throttle_margin *= throttle_margin_decay;
  if (s.throttle_margin < 1e-4) s.throttle_margin = 0;
  if (s.rate <= 0) return;
  if (s.rate < s.target) {
    const double next = s.rate + (s.target - s.rate) * recovery;
    s.rate = s.target - next < s.target * 1e-3 ? s.target : next;
  } else if (held_back && s.probing()) {
    // While the pacer is what holds requests back: a slow start until the first 429 (the rate
    // doubles per half second paced, from a smallest plan's 60/min to a top plan's 3,000/min in
    // about three seconds; a vendor that states its limit states it on that 429), then additive
    // increase (+probe_step per second paced). Doubling per second cost a 400-request run against
    // 1,200/min a tenth of its time before the limit was reached.
    if (s.slow_start)
      s.target *= std::exp2(std::min(1.0, 2.0 / s.target));
    else
      s.target += s.probe_step / s.target;
    s.rate = s.target;
    if (s.target > l.declared) s.source = RateSource::probed;
  }
}

}  // namespace partnerkit::policy
