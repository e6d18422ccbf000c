#include <partnerkit/http_errors.hpp>
#include <partnerkit/policy/pacer.hpp>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdio>

namespace partnerkit::policy {
namespace {

using clock = Pacer::clock;
using seconds_d = std::chrono::duration<double>;

clock::duration from_seconds(double s) {
  if (!(s > 0)) return clock::duration::zero();
  s = std::min(s, 86'400.0 * 366);
  return std::chrono::duration_cast<clock::duration>(seconds_d(s));
}

std::optional<double> header_number(std::string_view v) {
  while (!v.empty() && (v.front() == ' ' || v.front() == '\t')) v.remove_prefix(1);
  while (!v.empty() && (v.back() == ' ' || v.back() == '\t')) v.remove_suffix(1);
  if (v.empty() || v.size() > 24) return std::nullopt;
  double d = 0;
  auto [p, ec] = std::from_chars(v.data(), v.data() + v.size(), d);
  if (ec != std::errc() || p != v.data() + v.size() || !std::isfinite(d) || d < 0) return std::nullopt;
  return d;
}

std::string rate_text(double per_second) {
  char buf[64];
  if (per_second >= 1 || per_second <= 0)
    std::snprintf(buf, sizeof buf, "%.4g/s", per_second);
  else
    std::snprintf(buf, sizeof buf, "%.4g/min", per_second * 60);
  return buf;
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

Pacer::Pacer(PacerConfig config, clock::time_point now) : config_(config), tat_(now) {
  if (config_.paced_elsewhere) {
    source_ = RateSource::external;
    return;  // rate 0: reserve() and hold() never wait
  }
  declared_rate_ = config_.declared.requests_per_second();
  burst_ = std::max(1.0, config_.declared.burst);
  if (config_.configured) {
    burst_ = std::max(1.0, config_.configured->burst);
    if (config_.configured->requests_per_second() > 0)
      retarget(config_.configured->requests_per_second(), RateSource::configured);
  } else if (declared_rate_ > 0) {
    retarget(declared_rate_, RateSource::declared);
    probe_step_ = declared_rate_;  // from 1/s, about +1/s for every second paced
  }
}

void Pacer::retarget(double target, RateSource source) {
  target_ = target;
  source_ = source;
  set_rate(target);
}

double Pacer::ceiling() const noexcept {
  if (config_.configured && config_.configured->requests_per_second() > 0)
    return config_.configured->requests_per_second();
  return 0;  // none
}

double Pacer::margin() const noexcept {
  return std::clamp(config_.min_margin + throttle_margin_, config_.min_margin,
                    std::max(config_.min_margin, config_.max_margin));
}

clock::duration Pacer::interval() const noexcept {
  if (rate_ <= 0) return clock::duration::zero();
  return from_seconds((1.0 + margin()) / rate_);
}

clock::duration Pacer::tolerance() const noexcept {
  return std::chrono::duration_cast<clock::duration>(interval() * (burst_ - 1));
}

Pacer::Slot Pacer::reserve(clock::time_point now, std::optional<clock::time_point> deadline) {
  Slot slot;
  const auto t = interval();
  const auto earliest = rate_ > 0 ? tat_ - tolerance() : tat_;  // unspaced: a vendor pause still holds
  slot.send_at = std::max(now, earliest);
  slot.wait = slot.send_at - now;
  if (deadline && slot.send_at > *deadline) {
    ++refused_;
    return slot;  // nothing reserved
  }
  if (slot.wait > horizon()) {
    slot.later = true;
    slot.send_at -= horizon();
    slot.wait = slot.send_at - now;
    last_reservation_waited_ = true;
    return slot;  // nothing reserved: ask again then
  }
  slot.granted = true;
  if (rate_ > 0) tat_ = std::max(tat_, slot.send_at) + t;
  last_reservation_waited_ = slot.send_at > now;
  return slot;
}

clock::duration Pacer::horizon() const noexcept {
  // While probing upward the rate is about to rise: a slot reserved seconds ahead at the declared
  // default (Dub's 60/min) would keep its request waiting there after the answers doubled the rate.
  if (probing()) return std::chrono::milliseconds(250);
  return std::max<clock::duration>(2 * interval(), std::chrono::milliseconds(250));
}

bool Pacer::probing() const noexcept {
  return (source_ == RateSource::declared || source_ == RateSource::probed) && probe_step_ > 0;
}

void Pacer::set_rate(double rate) {
  // The schedule's end is the last slot handed out plus an interval: at the new rate, the new one.
  const auto before = interval();
  rate_ = rate;
  const auto after = interval();
  if (after < before) tat_ -= before - after;
}

void Pacer::release(clock::time_point send_at, clock::time_point now) {
  if (rate_ <= 0 || send_at <= now) return;
  const auto t = interval();
  // The last slot handed out starts at tat - interval - tolerance; give it back only then, so a
  // slot granted after it is never doubled up.
  const auto last_start = tat_ - t - tolerance();
  const auto gap = last_start > send_at ? last_start - send_at : send_at - last_start;
  if (gap <= t / 2) tat_ = std::max(now, tat_ - t);
}

clock::duration Pacer::hold(clock::time_point now) {
  const auto g = guard();
  if (rate_ <= 0 || burst_ > 1 || !last_sent_ || *last_sent_ + g <= now) {
    last_sent_ = last_sent_ ? std::max(*last_sent_, now) : now;
    return clock::duration::zero();
  }
  const auto earliest = *last_sent_ + g;
  tat_ = std::max(tat_, earliest + interval());
  ++held_;
  return earliest - now;
}

clock::duration Pacer::hold(clock::time_point now, clock::time_point planned) {
  const auto g = guard();
  if (rate_ <= 0 || burst_ > 1) return hold(now);
  const auto t = interval();
  // A send held earlier that has not asked again long after its turn was abandoned (cancelled, its
  // deadline passed); one merely late puts itself back in its place when it asks.
  const auto stale = 2 * g + std::chrono::milliseconds(10);
  while (!held_queue_.empty() && last_sent_ && now > *last_sent_ + g + stale && held_queue_.front() < planned)
    held_queue_.erase(held_queue_.begin());
  const auto pos = std::lower_bound(held_queue_.begin(), held_queue_.end(), planned);
  const bool queued = pos != held_queue_.end() && *pos == planned;
  const auto rank = pos - held_queue_.begin();  // held sends planned before this one
  // Its turn: at least the guard after the last send (and after the held ones before it, in the
  // order of their slots), and on the grid of the turns handed out before, one interval apart. The
  // grid is what keeps late timers from adding up: held sends aim at absolute times, so a send
  // that leaves late does not push every later one by as much.
  auto turn = last_sent_ ? *last_sent_ + g * (rank + 1) : now;
  if (last_turn_) turn = std::max(turn, *last_turn_ + t * (rank + 1));
  if (rank == 0 && turn <= now) {
    if (queued) held_queue_.erase(pos);
    last_sent_ = last_sent_ ? std::max(*last_sent_, now) : now;
    last_turn_ = std::max(planned, turn);
    return clock::duration::zero();
  }
  // The schedule's end moves only as far as the held sends reach: the slots already handed out are
  // each held by what they need when their turn comes, so adding every hold to the TAT would count
  // one late send once per request queued behind it (a 12 ms stall made holes of 300 ms).
  tat_ = std::max(tat_, turn + t);
  if (!queued) {
    held_queue_.insert(pos, planned);
    ++held_;
  }
  // Nothing is committed: the caller asks again when the hold ends (its timer may fire late, and
  // one before it may not have left yet); only a send that leaves moves last_sent_.
  return std::max<clock::duration>(turn - now, g / 8);
}

clock::duration Pacer::guard() const noexcept {
  return rate_ > 0 ? from_seconds((1.0 + margin() / 2) / rate_) : clock::duration::zero();
}

void Pacer::on_sent(clock::time_point /*planned*/, clock::time_point actual) {
  last_sent_ = last_sent_ ? std::max(*last_sent_, actual) : actual;
}

void Pacer::on_answered(clock::time_point written, clock::time_point answered) {
  if (config_.paced_elsewhere || answered < written) return;
  const auto rtt = answered - written;
  // The usual round trip and its spread, as TCP estimates them (RFC 6298: gains 1/8 and 1/4).
  // Measured first, so an outlier is judged against the answers before it.
  auto late = clock::duration::zero();
  if (!srtt_) {
    srtt_ = rtt;
    rttvar_ = rtt / 2;
  } else {
    const auto excess = rtt - *srtt_;
    // Measured on the bench (nginx limit_req, 20/s): a request answered 2-8 ms later than usual was
    // stamped up to that much late, and the next one, sent on time, arrived inside its interval.
    // Only an outlier counts (beyond twice the usual spread): taking every answer's excess over the
    // fastest made each send at 200/s wait the ordinary jitter too, 7 % of the rate. And only after a
    // 429: where the limiter has never refused, a slow answer is the vendor's work.
    if (throttled_ > 0 && excess > 2 * rttvar_) late = std::min(excess, interval());
    rttvar_ += ((excess < clock::duration::zero() ? -excess : excess) - rttvar_) / 4;
    *srtt_ += excess / 8;
  }
  if (rate_ <= 0 || burst_ > 1) return;
  const auto left = written + late;
  last_sent_ = last_sent_ ? std::max(*last_sent_, left) : left;
}

void Pacer::on_response(const RateObservation& o, clock::time_point now) {
  if (config_.paced_elsewhere) {
    if (o.throttled) ++throttled_;
    return;
  }
  if (o.limit) {
    const double window_s = seconds_d(config_.declared.window).count();
    const double stated = *o.limit / (window_s > 0 ? window_s : 1.0);
    if (!learnt_ || std::abs(*learnt_ - stated) > 1e-9 * stated) {
      learnt_ = stated;
      const double cap = ceiling();
      if (cap > 0 && cap < stated)
        retarget(cap, RateSource::configured);
      else
        retarget(stated, RateSource::learnt);
    }
  }

  if (o.remaining && *o.remaining < 1 && o.reset) {
    // The vendor says the key is exhausted until the reset: nothing leaves before it.
    const auto wait = std::min<clock::duration>(*o.reset, config_.max_pause);
    const auto until = now + wait + (rate_ > 0 ? tolerance() : clock::duration::zero());
    if (until > tat_) {
      tat_ = until;
      ++pauses_;
    }
  }

  if (o.throttled) {
    ++throttled_;
    if (rate_ <= 0) return;  // nothing to slow: the request waits its own Retry-After
    if (source_ == RateSource::declared || source_ == RateSource::probed) {
      // Probing found the limit: settle below it and probe more carefully from there. The end of
      // the slow start halves (it may have overshot by up to twice); a 429 after that costs less.
      const double decrease = slow_start_ ? 0.5 : probe_decrease;
      slow_start_ = false;
      target_ = std::max(rate_ * (1 - decrease), declared_rate_ * floor_fraction);
      rate_ = target_;
      probe_step_ /= 2;
      source_ = RateSource::probed;
    } else {
      // At a known limit a 429 means jitter crowded two requests into one slot: widen the margin,
      // step the rate down a little and win it back quickly.
      rate_ = std::max(rate_ * (1 - known_limit_decrease), target_ * floor_fraction);
      throttle_margin_ = std::min(config_.max_margin, throttle_margin_ + throttle_margin_step);
    }
    return;
  }

  throttle_margin_ *= throttle_margin_decay;
  if (throttle_margin_ < 1e-4) throttle_margin_ = 0;
  if (rate_ <= 0) return;
  if (rate_ < target_) {
    const double next = rate_ + (target_ - rate_) * recovery;
    set_rate(target_ - next < target_ * 1e-3 ? target_ : next);
  } else if ((source_ == RateSource::declared || source_ == RateSource::probed) && last_reservation_waited_ &&
             probe_step_ > 0) {
    // While the pacer is what holds requests back: a slow start until the first 429 (the rate
    // doubles per half second paced, from a smallest plan's 60/min to a top plan's 3,000/min in
    // about three seconds; a vendor that states its limit states it on that 429), then additive
    // increase (+probe_step per second paced). Doubling per second cost a 400-request run against
    // 1,200/min a tenth of its time before the limit was reached.
    if (slow_start_)
      target_ *= std::exp2(std::min(1.0, 2.0 / target_));
    else
      target_ += probe_step_ / target_;
    set_rate(target_);
    if (target_ > declared_rate_) source_ = RateSource::probed;
  }
}

GcraState Pacer::gcra() const noexcept { return GcraState{tat_, interval(), tolerance()}; }

PacerStatus Pacer::status() const {
  PacerStatus s;
  s.rate = rate_;
  s.target = target_;
  s.margin = rate_ > 0 ? margin() : 0;
  s.source = source_;
  s.throttled = throttled_;
  s.pauses = pauses_;
  s.refused = refused_;
  s.held = held_;
  const std::string declared = config_.declared.count > 0 ? to_string(config_.declared) : "none";
  switch (source_) {
    case RateSource::unlimited:
      s.why = config_.configured ? "no limit configured (rate 0) and none stated by the vendor"
                                 : "no limit configured, declared by the adapter or stated by the vendor";
      break;
    case RateSource::configured:
      s.why = "the configured limit " + to_string(*config_.configured);
      if (learnt_)
        s.why += " (the vendor states " + rate_text(*learnt_) + ", not exceeded past the configured one)";
      break;
    case RateSource::learnt:
      s.why =
          "the vendor states " + rate_text(*learnt_) + " (X-RateLimit-Limit per " +
          std::to_string(std::chrono::duration_cast<std::chrono::seconds>(config_.declared.window).count()) +
          " s)";
      if (config_.configured) s.why += "; configured: " + to_string(*config_.configured);
      break;
    case RateSource::declared:
      s.why = "the adapter's declared default " + declared + "; the vendor stated no limit";
      break;
    case RateSource::external:
      s.why = "paced by the caller (a shared limit, e.g. the PostgreSQL workers' per-key GCRA)";
      break;
    case RateSource::probed:
      s.why = "probed upward from the declared default " + declared +
              " (the vendor stated no limit); settled at " + rate_text(target_);
      break;
  }
  return s;
}

}  // namespace partnerkit::policy
