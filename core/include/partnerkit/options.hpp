// Client options: per-vendor credentials and endpoints, retry/backoff, rate limits, hooks.
#pragma once

#include <partnerkit/adapter.hpp>
#include <partnerkit/http.hpp>
#include <partnerkit/rate_limit.hpp>

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>

namespace partnerkit {

class AdapterRegistry;

// When to give up retrying. Only codes the taxonomy marks retryable are retried.
struct RetryPolicy {
  int max_attempts = 5;                            // requests per call, the first included
  std::chrono::milliseconds max_elapsed{120'000};  // no retry would start after this
};

// Exponential backoff with full jitter: wait = uniform(0, min(max, initial * multiplier^n)).
// A vendor's Retry-After / X-RateLimit-Reset overrides it when longer (never retry early).
struct BackoffPolicy {
  std::chrono::milliseconds initial{100};
  std::chrono::milliseconds max{10'000};
  double multiplier = 2.0;
};

struct VendorOptions {
  VendorConfig config;
  // An explicit limit: held, and never exceeded even when the vendor states a higher one.
  // Empty: the vendor's stated limit when it states one, else the adapter's declared default
  // (Capabilities::rate_limit) probed upward. count 0: no local limit (a stated limit still holds).
  std::optional<RateLimit> rate_limit;
  // true: the caller paces this vendor's requests (the PostgreSQL workers share one GCRA per key in
  // the database): this Client never holds a request back nor learns a limit; 429s are still
  // answered by the retry policy and counted in pacing().
  bool paced_by_caller = false;
};

// What hooks see on a retry: no vendor text, only the code, status and wait.
struct RetryEvent {
  std::string vendor;
  int attempt = 0;   // the attempt that failed (1-based)
  std::string code;  // errc name of the failure
  std::optional<int> http_status;
  std::chrono::milliseconds delay{0};  // the wait before the next attempt
};

// Hooks see redacted requests and redacted responses: headers and JSON members with secret-like
// names "REDACTED", and every form of every secret value of the operation (API key, password,
// secret-named overrides and settings, an adapter's declared secrets) scrubbed (secrets.hpp).
struct Hooks {
  std::function<void(const HttpRequest& redacted_request)> before_send;
  std::function<void(const HttpRequest& redacted_request, const HttpResponse& redacted_response,
                     std::chrono::microseconds elapsed)>
      after_response;
  // after_response for 429 answers only: the other answers cost no redaction (a caller that only
  // watches throttling, like the queue worker, pays nothing per request).
  std::function<void(const HttpRequest& redacted_request, const HttpResponse& redacted_response,
                     std::chrono::microseconds elapsed)>
      after_throttled;
  std::function<void(const RetryEvent&)> on_retry;
  // UNSAFE, off by default: hand before_send and after_response the raw bytes instead, credentials
  // and passwords included, exactly as sent and received. For debugging a vendor's wire format on
  // a machine you control; whatever the hooks do with them (log, store) is then on you. Results
  // and errors are scrubbed either way.
  bool unsafe_raw_bytes = false;
};

struct ClientOptions {
  std::map<std::string, VendorOptions, std::less<>> vendors;
  RetryPolicy retry;
  BackoffPolicy backoff;
  // An overall deadline per call (all attempts and waits). Zero: none beyond retry.max_elapsed.
  std::chrono::milliseconds call_timeout{0};
  std::chrono::seconds clock_skew{60};
  Hooks hooks;
  std::uint64_t jitter_seed = 0;  // 0: seeded from std::random_device
  // A promise that one thread runs the executor's execution context (an io_context whose run() only
  // one thread calls, as the command line's `provision` and `worker`), and that this Client is not
  // used from another thread while it runs (calls, pacing(), its destruction: before run() or after it
  // returns, or from that thread). Operations then take no lock of their own and share the client's
  // state unlocked, and a batch runs its handlers on the executor itself instead of a strand: their
  // handlers cannot overlap anyway (~1.4k instructions a create less). Default false: safe on any
  // executor and from any thread. Broken, the promise is a data race.
  bool single_threaded = false;

  // Every adapter of `registry` (plugins included) configured from the environment: the API key
  // from <VENDOR>_API_KEY, the base URL from PARTNERKIT_<VENDOR>_BASE_URL, else the adapter's
  // declared Capabilities::default_base_url (names by env_names.hpp: "acme" -> ACME_API_KEY).
  static ClientOptions from_env(const AdapterRegistry& registry);
};

}  // namespace partnerkit
