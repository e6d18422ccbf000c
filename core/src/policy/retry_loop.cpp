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
  // Only an answer that proves nothing happened says the request was not applied: a 4xx (validation,
  // 401/403, 404, 409, 429). A 5xx may come from a gateway after the backend applied the write, and a
  // 2xx the decoder rejects (bad JSON, another partner) was answered by a vendor that acted on it.
  if (error.http_status) return *error.http_status < 400 || *error.http_status > 499;
  // No complete answer: a timeout or reset after the request was written, a body over the cap, a
  // broken chunk, a TLS error while reading, a cancel mid-flight, an adapter that threw.
  switch (error.code) {
    case errc::invalid_input:  // refused locally before anything was sent
    case errc::unsupported_field:
    case errc::unsupported_operation:
      return false;
    default:
      return true;
  }
}

}  // namespace partnerkit::policy
