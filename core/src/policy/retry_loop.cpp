#include <partnerkit/policy/retry_loop.hpp>

#include <algorithm>

namespace partnerkit::policy {

RetryLoop::RetryLoop(RetryPolicy retry, BackoffPolicy backoff, std::uint64_t seed, clock::time_point start,
                     std::optional<clock::time_point> deadline)
    : retry_(retry), backoff_(backoff, seed), start_(start), deadline_(deadline) {}

RetryLoop::Decision RetryLoop::on_failure(const Error& error, int attempt, clock::time_point now) {
  if (error.code == errc::cancelled) return {false, {}, stop_reason::cancelled};
  if (!is_retryable(error.code)) return {false, {}, stop_reason::permanent};
  if (attempt >= retry_.max_attempts) return {false, {}, stop_reason::exhausted};

  auto delay = backoff_.delay(attempt - 1);
  if (error.retry_after) delay = std::max(delay, *error.retry_after);  // never retry early

  const auto retry_at = now + delay;
  if (retry_at > start_ + retry_.max_elapsed) return {false, {}, stop_reason::deadline};
  if (deadline_ && retry_at >= *deadline_) return {false, {}, stop_reason::deadline};
  return {true, delay, stop_reason::none};
}

RetryLoop::clock::time_point RetryLoop::deadline() const noexcept {
  const auto budget = start_ + retry_.max_elapsed;
  return deadline_ ? std::min(*deadline_, budget) : budget;
}

bool may_have_been_applied(const Error& error, bool request_written) noexcept {
  if (!request_written) return false;
  // An HTTP answer tells what happened (a 5xx or 429 was not applied as far as the vendor says);
  // a missing or broken answer does not.
  switch (error.code) {
    case errc::timeout:
    case errc::network:
    case errc::cancelled:
      return true;
    case errc::protocol:
      return !error.http_status.has_value();  // truncated or oversized answer
    default:
      return false;
  }
}

}  // namespace partnerkit::policy
