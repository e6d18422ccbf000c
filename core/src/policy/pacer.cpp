#include <partnerkit/policy/pacer.hpp>

#include <algorithm>
#include <cstdio>

namespace partnerkit::policy {
namespace {

using clock = Pacer::clock;
using seconds_d = std::chrono::duration<double>;

// How fast hold()'s lag estimates may rise per sample: from nothing to a usual 50 µs in 50 sends.
constexpr clock::duration lag_step = std::chrono::microseconds(1);

clock::duration from_seconds(double s) {
  if (!(s > 0)) return clock::duration::zero();
  s = std::min(s, 86'400.0 * 366);
  return std::chrono::duration_cast<clock::duration>(seconds_d(s));
}

std::string rate_text(double per_second) {
  char buf[64];
  if (per_second >= 1 || per_second <= 0)
    std::snprintf(buf, sizeof buf, "%.4g/s", per_second);
  else
    std::snprintf(buf, sizeof buf, "%.4g/min", per_second * 60);
  return buf;
}

}  // namespace

Pacer::Pacer(PacerConfig config, clock::time_point now) : config_(config), tat_(now) {
  if (config_.paced_elsewhere) {
    policy_.source = RateSource::external;
    return;  // rate 0: reserve() and hold() never wait
  }
  burst_ = std::max(1.0, config_.configured ? config_.configured->burst : config_.declared.burst);
  limits_ = RatePolicyLimits::of(config_.declared, config_.configured, config_.max_margin);
  policy_ = RatePolicyState::initial(limits_);
}

double Pacer::margin() const noexcept {
  // The time floor stops at max_margin: at thousands a second it would otherwise halve the rate.
  const double ceiling = std::max(config_.min_margin, config_.max_margin);
  const double floor =
      std::clamp(seconds_d(config_.min_margin_time).count() * policy_.rate, config_.min_margin, ceiling);
  return std::clamp(floor + policy_.throttle_margin, floor, ceiling);
}

clock::duration Pacer::interval() const noexcept {
  if (policy_.rate <= 0) return clock::duration::zero();
  return from_seconds((1.0 + margin()) / policy_.rate);
}

clock::duration Pacer::tolerance() const noexcept {
  return std::chrono::duration_cast<clock::duration>(interval() * (burst_ - 1));
}

Pacer::Slot Pacer::reserve(clock::time_point now, std::optional<clock::time_point> deadline) {
  Slot slot;
  const auto t = interval();
  const auto earliest = policy_.rate > 0 ? tat_ - tolerance() : tat_;  // unspaced: a vendor pause still holds
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
  if (policy_.rate > 0) tat_ = std::max(tat_, slot.send_at) + t;
  last_reservation_waited_ = slot.send_at > now;
  return slot;
}

clock::duration Pacer::horizon() const noexcept {
  // While probing upward the rate is about to rise: a slot reserved seconds ahead at the declared
  // default (Dub's 60/min) would keep its request waiting there after the answers doubled the rate.
  if (policy_.probing()) return std::chrono::milliseconds(250);
  return std::max<clock::duration>(2 * interval(), std::chrono::milliseconds(250));
}

void Pacer::release(clock::time_point send_at, clock::time_point now) {
  if (policy_.rate <= 0 || send_at <= now) return;
  const auto t = interval();
  // The last slot handed out starts at tat - interval - tolerance; give it back only then, so a
  // slot granted after it is never doubled up.
  const auto last_start = tat_ - t - tolerance();
  const auto gap = last_start > send_at ? last_start - send_at : send_at - last_start;
  if (gap <= t / 2) tat_ = std::max(now, tat_ - t);
}

clock::duration Pacer::hold(clock::time_point now) {
  const auto g = guard();
  if (policy_.rate <= 0 || burst_ > 1 || !last_sent_ || *last_sent_ + g <= now) {
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
  if (policy_.rate <= 0 || burst_ > 1) return hold(now);
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
  if (rank == 0) learn_lags(now, planned);
  // The guard is between the writes: this send's write follows its go by about as much as the last
  // one's did, so the go may come that much before a guard after the last write.
  auto turn = last_sent_ ? *last_sent_ + g * (rank + 1) - write_lag_ : now;
  if (last_turn_) turn = std::max(turn, *last_turn_ + t * (rank + 1));
  if (rank == 0 && turn <= now) {
    if (queued) held_queue_.erase(pos);
    last_sent_ = last_sent_ ? std::max(*last_sent_, now) : now;
    last_turn_ = std::max(planned, turn);
    last_go_ = now;
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
  // one before it may not have left yet); only a send that leaves moves last_sent_. The next in turn
  // is woken as much before its turn as its timer usually fires late.
  if (rank != 0) return std::max<clock::duration>(turn - now, g / 8);
  const auto wait = std::max<clock::duration>(turn - now - timer_lag_, std::chrono::microseconds(1));
  woken_ = Wake{planned, now + wait};
  return wait;
}

void Pacer::learn_lags(clock::time_point now, clock::time_point planned) {
  // Each falls at once and rises by at most lag_step a sample: the least lag of recent sends, which
  // an outlier (a stall, a late arrival counted by on_answered) does not move. Counted in full, the
  // lag added up: every turn a guard after a send that was itself late (200/s at a 1 % margin:
  // 5.10-5.13 ms, not 5.05); counting a lag a send does not have would let it leave inside the guard.
  auto learn = [](clock::duration& estimate, clock::duration sample) {
    estimate = std::min(std::max(sample, clock::duration::zero()), estimate + lag_step);
  };
  if (last_go_ && last_sent_) learn(write_lag_, *last_sent_ - *last_go_);
  last_go_.reset();
  if (woken_ && woken_->planned == planned && now >= woken_->at) learn(timer_lag_, now - woken_->at);
  woken_.reset();
}

clock::duration Pacer::guard() const noexcept {
  return policy_.rate > 0 ? from_seconds((1.0 + margin() / 2) / policy_.rate) : clock::duration::zero();
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
    // fastest made each send at 200/s wait the ordinary jitter too, 7 % of the rate. From the first
    // answer, not only after a 429: that first 429 was mostly such a late arrival (at 200/s, 1-3 a
    // run), and the cost where nothing is strict is small — it holds only a send that has not left
    // when the answer comes (round trip shorter than the interval), by the outlier's excess.
    if (excess > 2 * rttvar_) late = std::min(excess, interval());
    rttvar_ += ((excess < clock::duration::zero() ? -excess : excess) - rttvar_) / 4;
    *srtt_ += excess / 8;
  }
  if (policy_.rate <= 0 || burst_ > 1) return;
  const auto left = written + late;
  last_sent_ = last_sent_ ? std::max(*last_sent_, left) : left;
}

void Pacer::on_response(const RateObservation& o, clock::time_point now) {
  if (config_.paced_elsewhere) {
    if (o.throttled) ++policy_.throttled;
    return;
  }
  const auto before = interval();
  apply_answer(policy_, o, last_reservation_waited_, limits_);
  // The schedule's end is the last slot handed out plus an interval: at a faster rate, the new one
  // (a probe's doubling applies to the next request, not to one after a slot at the old spacing).
  if (const auto after = interval(); before > clock::duration::zero() && after < before)
    tat_ -= before - after;

  if (o.remaining && *o.remaining < 1 && o.reset) {
    // The vendor says the key is exhausted until the reset: nothing leaves before it.
    const auto wait = std::min<clock::duration>(*o.reset, config_.max_pause);
    const auto until = now + wait + (policy_.rate > 0 ? tolerance() : clock::duration::zero());
    if (until > tat_) {
      tat_ = until;
      ++pauses_;
    }
  }
}

GcraState Pacer::gcra() const noexcept { return GcraState{tat_, interval(), tolerance()}; }

PacerStatus Pacer::status() const {
  PacerStatus s;
  s.rate = policy_.rate;
  s.target = policy_.target;
  s.margin = policy_.rate > 0 ? margin() : 0;
  s.source = policy_.source;
  s.throttled = policy_.throttled;
  s.pauses = pauses_;
  s.refused = refused_;
  s.held = held_;
  const std::string declared = config_.declared.count > 0 ? to_string(config_.declared) : "none";
  switch (policy_.source) {
    case RateSource::unlimited:
      s.why = config_.configured ? "no limit configured (rate 0) and none stated by the vendor"
                                 : "no limit configured, declared by the adapter or stated by the vendor";
      break;
    case RateSource::configured:
      s.why = "the configured limit " + to_string(*config_.configured);
      if (policy_.learnt)
        s.why +=
            " (the vendor states " + rate_text(*policy_.learnt) + ", not exceeded past the configured one)";
      break;
    case RateSource::learnt:
      s.why =
          "the vendor states " + rate_text(*policy_.learnt) + " (X-RateLimit-Limit per " +
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
              " (the vendor stated no limit); settled at " + rate_text(policy_.target);
      break;
  }
  return s;
}

}  // namespace partnerkit::policy
