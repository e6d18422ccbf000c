#include <partnerkit/policy/retry_loop.hpp>

#include <gtest/gtest.h>

using namespace std::chrono_literals;
using namespace partnerkit;
using partnerkit::policy::RetryLoop;
using clock_t_ = RetryLoop::clock;

namespace {
const clock_t_::time_point t0{};
RetryPolicy retry(int attempts, std::chrono::milliseconds elapsed = 60s) {
  return RetryPolicy{attempts, elapsed};
}
BackoffPolicy backoff() { return BackoffPolicy{100ms, 1000ms, 2.0}; }
}  // namespace

TEST(RetryLoop, PermanentErrorsStopAtOnce) {
  for (errc code : {errc::invalid_input, errc::unauthenticated, errc::permission_denied, errc::not_found,
                    errc::already_exists, errc::rejected, errc::invite_expired, errc::tls, errc::protocol}) {
    RetryLoop loop(retry(5), backoff(), 1, t0);
    auto d = loop.on_failure(Error::make(code, "x"), 1, t0);
    EXPECT_FALSE(d.retry) << to_string(code);
    EXPECT_EQ(d.reason, stop_reason::permanent);
  }
}

TEST(RetryLoop, RetryableErrorsRetryWithinTheBackoffCeiling) {
  for (errc code : {errc::rate_limited, errc::vendor_unavailable, errc::timeout, errc::network}) {
    RetryLoop loop(retry(5), backoff(), 1, t0);
    auto d = loop.on_failure(Error::make(code, "x"), 2, t0);
    EXPECT_TRUE(d.retry) << to_string(code);
    EXPECT_LE(d.delay, 200ms);
  }
}

TEST(RetryLoop, CancelledStopsAsCancelled) {
  RetryLoop loop(retry(5), backoff(), 1, t0);
  auto d = loop.on_failure(Error::make(errc::cancelled, "x"), 1, t0);
  EXPECT_FALSE(d.retry);
  EXPECT_EQ(d.reason, stop_reason::cancelled);
}

TEST(RetryLoop, ExhaustedAfterMaxAttempts) {
  RetryLoop loop(retry(3), backoff(), 1, t0);
  EXPECT_TRUE(loop.on_failure(Error::make(errc::vendor_unavailable, ""), 1, t0).retry);
  EXPECT_TRUE(loop.on_failure(Error::make(errc::vendor_unavailable, ""), 2, t0).retry);
  auto d = loop.on_failure(Error::make(errc::vendor_unavailable, ""), 3, t0);
  EXPECT_FALSE(d.retry);
  EXPECT_EQ(d.reason, stop_reason::exhausted);
}

TEST(RetryLoop, NeverRetriesBeforeRetryAfter) {
  RetryLoop loop(retry(5), backoff(), 1, t0);
  Error e = Error::make(errc::rate_limited, "slow down");
  e.retry_after = 5s;
  auto d = loop.on_failure(e, 1, t0);
  ASSERT_TRUE(d.retry);
  EXPECT_EQ(d.delay, 5s);
}

TEST(RetryLoop, RetryAfterBeyondTheBudgetStopsWithDeadline) {
  RetryLoop loop(retry(5, 10s), backoff(), 1, t0);
  Error e = Error::make(errc::rate_limited, "slow down");
  e.retry_after = 30s;
  auto d = loop.on_failure(e, 1, t0);
  EXPECT_FALSE(d.retry);
  EXPECT_EQ(d.reason, stop_reason::deadline);
}

TEST(RetryLoop, CallDeadlineStopsRetries) {
  RetryLoop loop(retry(5), BackoffPolicy{1000ms, 1000ms, 1.0}, 1, t0, t0 + 500ms);
  Error e = Error::make(errc::vendor_unavailable, "");
  e.retry_after = 600ms;
  auto d = loop.on_failure(e, 1, t0);
  EXPECT_FALSE(d.retry);
  EXPECT_EQ(d.reason, stop_reason::deadline);
}

TEST(RetryLoop, MayHaveBeenApplied) {
  using partnerkit::policy::may_have_been_applied;
  const auto with_status = [](errc code, int status) {
    Error e = Error::make(code, "");
    e.http_status = status;
    return e;
  };
  EXPECT_TRUE(may_have_been_applied(Error::make(errc::timeout, ""), true));
  EXPECT_TRUE(may_have_been_applied(Error::make(errc::network, ""), true));
  EXPECT_FALSE(may_have_been_applied(Error::make(errc::network, ""), false));
  // A TLS failure while reading the answer: the request was there.
  EXPECT_TRUE(may_have_been_applied(Error::make(errc::tls, ""), true));
  EXPECT_FALSE(may_have_been_applied(Error::make(errc::tls, ""), false));
  // A 5xx may come from a gateway after the backend applied the write (issue 13 item 2).
  for (int status : {500, 502, 503, 504})
    EXPECT_TRUE(may_have_been_applied(with_status(errc::vendor_unavailable, status), true)) << status;
  EXPECT_TRUE(may_have_been_applied(Error::make(errc::protocol, "truncated"), true));
  EXPECT_TRUE(may_have_been_applied(Error::make(errc::protocol, "over the cap"), true));
  // A 2xx whose body breaks the contract was answered by a vendor that acted.
  EXPECT_TRUE(may_have_been_applied(with_status(errc::protocol, 201), true));
  EXPECT_TRUE(may_have_been_applied(Error::make(errc::internal, "decode threw"), true));
  // Answers that prove nothing happened.
  EXPECT_FALSE(may_have_been_applied(with_status(errc::rejected, 422), true));
  EXPECT_FALSE(may_have_been_applied(with_status(errc::rejected, 400), true));
  EXPECT_FALSE(may_have_been_applied(with_status(errc::unauthenticated, 401), true));
  EXPECT_FALSE(may_have_been_applied(with_status(errc::permission_denied, 403), true));
  EXPECT_FALSE(may_have_been_applied(with_status(errc::rate_limited, 429), true));
  EXPECT_FALSE(may_have_been_applied(with_status(errc::already_exists, 409), true));
  EXPECT_FALSE(may_have_been_applied(Error::make(errc::invalid_input, ""), true));
}
