// partnerkit::pg::Worker — works the PostgreSQL queue (store.hpp): claims items in batches (SKIP
// LOCKED, one partner's operations in order), reserves each request's send slot from its
// credential's GCRA in the database, commits the intent event before the request leaves, sends it
// through a partnerkit::Client, and applies the outcome under the attempt number (the fencing
// token). Leases are heartbeated; expired ones anywhere are rescued into `reconcile`; a reconciled
// item is looked up first (Client::async_find, where the adapter can) and, when not found, sent
// again with ProvisionOptions::may_have_been_applied (an already-exists answer is `existing`). A 429
// penalizes the credential in the database, so every worker slows down. NOTIFY wakes an idle worker; it also
// polls.
//
// One request per claim: the Client runs with max_attempts 1 and retries happen on the queue
// (`retry` after a backoff when nothing was applied, `reconcile` when it may have been), so every
// request has its own intent, slot and attempt number. API keys come from a KeyProvider (the
// worker's environment by default), never from the database.
//
// Single-threaded: run it on an io_context driven by one thread. Three database connections: the
// claimer's, the completer's (completions, heartbeats, penalties) and LISTEN's.
#pragma once

#include <partnerkit/adapter.hpp>
#include <partnerkit/adapter_registry.hpp>
#include <partnerkit/options.hpp>
#include <partnerkit/pg/store.hpp>
#include <partnerkit/rate_limit.hpp>
#include <partnerkit/transport.hpp>

#include <boost/asio/awaitable.hpp>

#include <array>
#include <atomic>
#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace partnerkit::pg {

// Where a worker's API keys come from: per tenant and vendor; never the database.
class KeyProvider {
 public:
  virtual ~KeyProvider() = default;
  // nullopt: no key (the item fails with unauthenticated, nothing sent).
  virtual std::optional<std::string> api_key(std::string_view tenant, std::string_view vendor) const = 0;
};

// The environment: <VENDOR>_API_KEY_<TENANT> (tenant upper-cased, other characters than A-Z and 0-9
// as '_'), else <VENDOR>_API_KEY (e.g. DUB_API_KEY), else the fallback given.
class EnvKeyProvider : public KeyProvider {
 public:
  explicit EnvKeyProvider(std::map<std::string, std::string, std::less<>> fallback = {});
  std::optional<std::string> api_key(std::string_view tenant, std::string_view vendor) const override;

 private:
  std::map<std::string, std::string, std::less<>> fallback_;
};

struct WorkerVendor {
  std::string name;
  VendorConfig config;  // base URL and settings (its api_key is ignored: the KeyProvider's is used)
  RateLimit rate;       // per credential, held in the database for every worker; count 0: none
  // `rate` is an explicit limit (--rate: a ceiling, held). Otherwise it is the adapter's declared
  // default: the workers probe upward from it and run at a limit the vendor states, sharing what
  // they learn through the credential's row.
  bool rate_is_explicit = false;
  RateLimit declared;  // the adapter's declared limit: a stated X-RateLimit-Limit counts per its window
};

struct WorkerOptions {
  std::string owner;  // the lease owner; default "<host>:<pid>:<random>"
  std::vector<WorkerVendor> vendors;
  std::shared_ptr<const KeyProvider> keys;  // default: EnvKeyProvider
  int batch = 100;                          // items per claim
  int concurrency = 256;                    // items held at once (waiting for a slot or in flight)
  std::chrono::milliseconds lease{30'000};
  std::chrono::milliseconds poll{1'000};           // claim at least this often when idle
  std::chrono::milliseconds max_slot_wait{2'000};  // slots reserved at most this far ahead
  int max_attempts = 15;                           // claims per item before a retryable error is final
  // Store the vendor's own JSON answer (Partner::raw, scrubbed) in items.result. Off by default, as
  // in the CLI's result lines: it was about a tenth of the worker's CPU per item.
  bool keep_raw = false;
  BackoffPolicy backoff{std::chrono::milliseconds(200), std::chrono::milliseconds(10'000), 2.0};
  std::chrono::milliseconds call_timeout{60'000};  // one request, connect included
  Hooks hooks;                                     // passed to every Client
  // Log lines (already free of secrets: API keys never reach the worker's messages).
  std::function<void(std::string_view)> log;
};

// Counters for /metrics (a copy taken on the worker's executor).
struct WorkerMetrics {
  static constexpr std::array<double, 12> latency_buckets{0.005, 0.01, 0.025, 0.05, 0.1, 0.25,
                                                          0.5,   1,    2.5,   5,    10,  30};
  struct Vendor {
    std::uint64_t requests = 0, retries = 0, rate_limited = 0, reconciled = 0;
    std::map<std::string, std::uint64_t> outcomes;                    // created/existing/... or an errc name
    std::array<std::uint64_t, latency_buckets.size() + 1> latency{};  // last: +Inf
    double latency_sum = 0;
  };
  std::map<std::string, Vendor> vendors;
  std::uint64_t claimed = 0, completed = 0, fenced = 0, leases_lost = 0, leases_rescued = 0;
  std::uint64_t db_errors = 0, db_round_trips = 0, held = 0;
  bool healthy = false;  // the last database call succeeded
  bool draining = false;
  // Prometheus text exposition format.
  std::string prometheus() const;
};

class Worker {
 public:
  Worker(boost::asio::any_io_executor executor, std::string conninfo,
         std::shared_ptr<const AdapterRegistry> registry, std::shared_ptr<Transport> transport,
         WorkerOptions options);
  ~Worker();
  Worker(const Worker&) = delete;
  Worker& operator=(const Worker&) = delete;

  // Works until stop(), then drains: claims nothing more, finishes the items it holds, applies
  // their outcomes, returns. An error only when the worker cannot start (the database refuses us,
  // is not migrated, a vendor is unknown); once started, database failures are retried.
  boost::asio::awaitable<Result<void>> run();
  // Graceful drain (from the worker's executor, e.g. a signal_set handler).
  void stop();

  // A snapshot of the metrics (call on the worker's executor).
  WorkerMetrics metrics() const;
  const std::string& owner() const noexcept;

 private:
  struct Impl;
  std::shared_ptr<Impl> impl_;
};

}  // namespace partnerkit::pg
