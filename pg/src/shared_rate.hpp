// One credential's rate policy shared by every worker through its database row: a limit the vendor
// states is learnt and, where none is stated, the rate probes upward from the adapter's declared
// default (policy/rate_policy.hpp, the rules the Client's pacer follows), so a worker started
// without --rate runs at the key's real limit. The answers a worker saw are applied to the row's
// state now and then (read, apply, write over the version read); the row's GCRA interval follows.
#pragma once

#include <partnerkit/http.hpp>
#include <partnerkit/pg/store.hpp>
#include <partnerkit/policy/rate_policy.hpp>

#include <boost/asio/awaitable.hpp>

#include <chrono>
#include <cstdint>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace partnerkit::pg::detail {

class SharedRate {
 public:
  // explicit_limit: the worker's --rate (a ceiling, held; only a lower stated limit moves it).
  SharedRate(std::string vendor, const RateLimit& declared, const std::optional<RateLimit>& explicit_limit);

  // A 429 of this credential (any thread: the Client's after_throttled hook): what it states,
  // returned for the caller's own use.
  policy::RateObservation observe(const HttpResponse& response);
  // A request of this credential answered without a 429 (counted, not read: a hook on every answer
  // cost the worker a redaction per answer).
  void answered();
  // The database's GCRA held a request back (a slot later than now): probing may go up.
  void held_back() noexcept { held_back_ = true; }
  // Applies what was observed since the last time to the row, at most every `every`; logs a change
  // of the rate's source ("learnt", "probed").
  boost::asio::awaitable<void> sync(Store& db, std::int64_t credential,
                                    const std::function<void(std::string)>& log,
                                    std::chrono::milliseconds every = std::chrono::milliseconds(200));

  // The share of a limit the workers' GCRA runs at: 2 % under it, for the jitter between slot and
  // arrival (the Client's pacer keeps a margin too).
  static constexpr double under_limit = 0.98;
  // The GCRA interval a state implies: under_limit of its rate, and the margin 429s widened. 0: no
  // limit.
  static std::int64_t interval_us(const policy::RatePolicyState& state) noexcept;
  const policy::RatePolicyState& state() const noexcept { return cached_; }

 private:
  bool worth_syncing(const std::vector<std::pair<policy::RateObservation, std::size_t>>& answers) const;

  std::string vendor_;
  bool off_;  // an explicit --rate 0: no limit, nothing learnt or probed (as before this was shared)
  policy::RatePolicyLimits limits_;
  policy::RatePolicyState cached_;  // the row's state as last read or written
  bool held_back_ = false;
  std::chrono::steady_clock::time_point last_sync_{};
  std::mutex mutex_;
  std::vector<std::pair<policy::RateObservation, std::size_t>> answers_;  // runs of like answers
};

}  // namespace partnerkit::pg::detail
