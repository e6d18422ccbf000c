#include "shared_rate.hpp"

#include "rate_policy_json.hpp"

#include <partnerkit/policy/pacer.hpp>

#include <cmath>
#include <cstdio>

namespace partnerkit::pg::detail {

using policy::RateObservation;
using policy::RateSource;

namespace {

bool plain(const RateObservation& o) { return !o.throttled && !o.limit; }

}  // namespace

SharedRate::SharedRate(std::string vendor, const RateLimit& declared,
                       const std::optional<RateLimit>& explicit_limit)
    : vendor_(std::move(vendor)),
      off_(explicit_limit && !(explicit_limit->requests_per_second() > 0)),
      limits_(policy::RatePolicyLimits::of(declared, explicit_limit)),
      cached_(policy::RatePolicyState::initial(limits_)) {}

std::int64_t SharedRate::interval_us(const policy::RatePolicyState& state) noexcept {
  if (!(state.rate > 0)) return 0;
  return static_cast<std::int64_t>(std::ceil(1e6 * (1 + state.throttle_margin) / (state.rate * under_limit)));
}

RateObservation SharedRate::observe(const HttpResponse& response) {
  auto o = policy::observe_rate_limit(response, std::chrono::system_clock::now());
  if (off_) return o;
  std::lock_guard lock(mutex_);
  if (answers_.size() >= 4096) answers_.erase(answers_.begin());  // bounded; the oldest matter least
  answers_.emplace_back(o, 1);
  return o;
}

void SharedRate::answered() {
  if (off_) return;
  std::lock_guard lock(mutex_);
  if (!answers_.empty() && plain(answers_.back().first))
    ++answers_.back().second;
  else
    answers_.emplace_back(RateObservation{}, 1);
}

bool SharedRate::worth_syncing(const std::vector<std::pair<RateObservation, std::size_t>>& answers) const {
  // Probing or recovering (the rate, the margin a 429 widened), successes move the state; at a known
  // limit a 429 stating the limit does too (one stating nothing is partnerkit.penalize's slowdown; one
  // saying the key is exhausted, as Dub's always do, only pauses there).
  if (cached_.probing() || cached_.rate < cached_.target || cached_.throttle_margin > 0) return true;
  for (const auto& [o, n] : answers) {
    if (o.throttled && o.limit) return true;
    if (o.limit &&
        (!cached_.learnt || std::abs(*cached_.learnt * limits_.window_s - *o.limit) > 1e-9 * *o.limit))
      return true;
  }
  return false;
}

boost::asio::awaitable<void> SharedRate::sync(Store& db, std::int64_t credential,
                                              const std::function<void(std::string)>& log,
                                              std::chrono::milliseconds every) {
  const auto now = std::chrono::steady_clock::now();
  if (now - last_sync_ < every) co_return;
  std::vector<std::pair<RateObservation, std::size_t>> answers;
  {
    std::lock_guard lock(mutex_);
    answers.swap(answers_);
  }
  if (answers.empty() || !worth_syncing(answers)) co_return;
  last_sync_ = now;
  const bool held = std::exchange(held_back_, false);
  const bool at_known_limit =
      cached_.source == RateSource::configured || cached_.source == RateSource::learnt;
  for (int tries = 0; tries < 3; ++tries) {
    auto row = co_await db.read_rate_policy(credential);
    if (!row) co_return;  // the database is away: these answers are dropped, the next ones count
    std::optional<policy::RatePolicyState> read;
    if (row->policy) read = rate_policy_from_json(*row->policy);
    auto state = read ? *read : policy::RatePolicyState::initial(limits_);
    for (const auto& [o, n] : answers) {
      if (o.throttled && !o.limit && at_known_limit) continue;  // partnerkit.penalize's slowdown
      for (std::size_t i = 0; i < n; ++i) policy::apply_answer(state, o, held, limits_);
    }
    auto ok =
        co_await db.set_rate_policy(credential, rate_policy_to_json(state), interval_us(state), row->version);
    if (!ok) co_return;
    if (!*ok) continue;  // another worker wrote in between: read its state and apply ours to it
    const auto before = cached_;
    cached_ = state;
    if (before.source != state.source ||
        (state.source == RateSource::learnt && before.learnt != state.learnt)) {
      char line[160];
      std::snprintf(line, sizeof line, "rate %s: %.4g/s, %s", vendor_.c_str(), state.target,
                    std::string(policy::to_string(state.source)).c_str());
      log(line);
    }
    co_return;
  }
}

}  // namespace partnerkit::pg::detail
