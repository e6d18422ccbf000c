// partnerkit::pg::Store — the job queue on PostgreSQL (schema: migrations.hpp) as C++ calls.
//
// Every operation is one round trip (a function of the schema), a C++20 coroutine on the Store's
// executor: `co_await store.claim(...)` inside asio::co_spawn. Results are values: Result<T> with the
// Error of errors.hpp. A Store holds one Connection, so its operations run one at a time; a worker
// that also LISTENs uses a second Connection (or a second Store).
//
// When the connection broke before or during a call, the call completes with errc::network and the
// next call reconnects. Calls that are safe to repeat (migrate, enqueue, heartbeat, complete,
// record_event, rescue, status, ensure_credential) are sent once more on a fresh connection when the
// first try failed because the connection had broken; claim and reserve_slots are not (a lost
// claim's lease expires into reconcile; a lost reservation only slows the credential down).
#pragma once

#include <partnerkit/adapter.hpp>
#include <partnerkit/error.hpp>
#include <partnerkit/pg/connection.hpp>

#include <boost/asio/awaitable.hpp>
#include <boost/json/object.hpp>
#include <boost/json/value.hpp>

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace partnerkit::pg {

enum class ItemState { pending, running, reconcile, done, failed };
std::string_view to_string(ItemState s) noexcept;
std::optional<ItemState> item_state_from_string(std::string_view s) noexcept;

struct EnqueueRequest {
  std::string tenant;
  std::string vendor;
  Operation operation = Operation::create;
  // Unique per (tenant, operation). Enqueueing the same key again is the same item.
  std::string idempotency_key;
  // The spec without secrets (spec_json's to_json(spec) leaves the password out; a spec carrying
  // one is refused). Operations other than create name their partner with the same shape plus
  // "partner_id" (the vendor's id; a string, or an object by vendor), else by external_id, then
  // email (looked up where the vendor can); an update's other fields are the changes; a deactivate
  // also takes "permanent" (bool) and "reason" (string).
  boost::json::object spec;
  // Orders one partner's operations; default: spec.external_id, else the lower-cased email, else
  // "id:" + spec.partner_id.
  std::optional<std::string> partner_key;
};

struct Enqueued {
  std::int64_t id = 0;
  bool created = false;  // false: the key was enqueued before; id is that item
};

struct Item {
  std::int64_t id = 0;
  std::string tenant, vendor;
  Operation operation = Operation::create;
  std::string idempotency_key, partner_key;
  boost::json::object spec;
  ItemState state = ItemState::pending;
  bool reconciling = false;  // its previous attempt may have been applied: look it up first
  int attempt = 0;           // the fencing token of this claim
  std::string lease_owner;
  std::optional<boost::json::value> result;
  std::string error_code;
};

enum class Outcome {
  done,       // final success
  failed,     // final failure
  retry,      // nothing was applied: pending again after retry_in
  reconcile,  // may have been applied: reconcile before sending again
};
std::string_view to_string(Outcome o) noexcept;

struct Completion {
  std::int64_t id = 0;
  int attempt = 0;
  std::string owner;
  Outcome outcome = Outcome::done;
  boost::json::value result;  // e.g. to_json(partner) or to_json(error)
  std::string error_code;     // errc name for failures
  std::chrono::milliseconds retry_in{0};
  // What the vendor answered, for the event log (a `response` event before `completed` or
  // `refused`): outcome or error code, status, partner id, attempts. null: no event.
  boost::json::value response;
};

struct StatusReport {
  std::map<std::string, std::int64_t> by_state;                          // every state, 0 when empty
  std::map<std::string, std::map<std::string, std::int64_t>> by_vendor;  // vendor -> state -> count
  // tenant -> vendor -> state -> count
  std::map<std::string, std::map<std::string, std::map<std::string, std::int64_t>>> by_tenant;
  std::map<std::string, std::int64_t> failures_by_code;
  struct Oldest {
    std::int64_t id = 0;
    std::string state, created_at;  // created_at in ISO 8601 (UTC)
    double age_seconds = 0;
  };
  std::optional<Oldest> oldest_unfinished;
  boost::json::object to_json() const;
};

class Store {
 public:
  using executor_type = boost::asio::any_io_executor;
  template <class T>
  using task = boost::asio::awaitable<Result<T>>;

  Store(executor_type executor, std::string conninfo, ConnectionOptions options = {});

  executor_type get_executor() const noexcept { return connection_.get_executor(); }
  Connection& connection() noexcept { return connection_; }

  // Applies the migrations not yet applied, in one transaction under an advisory lock (concurrent
  // migrators wait for each other); returns the versions applied now (empty: already current).
  task<std::vector<int>> migrate();
  // The highest applied version (0: not migrated).
  task<int> schema_version();

  task<Enqueued> enqueue(EnqueueRequest request);
  // All of them in one transaction: on any error nothing is written.
  task<std::vector<Enqueued>> enqueue_all(std::vector<EnqueueRequest> requests);

  task<std::vector<Item>> claim(std::string owner, int limit, std::chrono::milliseconds lease,
                                std::vector<std::string> vendors = {});
  // The ids among `held` ({id, attempt}) whose lease owner still holds and was extended.
  task<std::vector<std::int64_t>> heartbeat(std::string owner, std::vector<std::pair<std::int64_t, int>> held,
                                            std::chrono::milliseconds lease);
  // An event of the attempt holding the item (kind "intent" before a request, "response" after).
  // false: fenced (the item is no longer running under this attempt); nothing was written.
  task<bool> record_event(std::int64_t id, int attempt, std::string owner, std::string kind,
                          boost::json::value detail);
  // false: refused by the fence (a newer attempt or a rescue took the item); nothing changed.
  task<bool> complete(Completion completion);
  task<std::vector<std::int64_t>> rescue_expired(int limit = 1000);

  // Batched forms for workers (store_batch.cpp), one round trip each:
  // the intent event of every held {id, attempt} (fenced like record_event); the ids accepted.
  task<std::vector<std::int64_t>> record_intents(std::string owner,
                                                 std::vector<std::pair<std::int64_t, int>> held,
                                                 boost::json::value detail);
  // complete() for each; whether each was applied (false: refused by the fence), in order.
  task<std::vector<bool>> complete_all(std::vector<Completion> completions);
  // Retention: deletes finished (done, failed) items, and their events, that finished more than
  // older_than ago; at most `limit`. Returns how many were deleted.
  task<std::int64_t> prune(std::chrono::seconds older_than, int limit = 10000);

  // The credential's id. The fingerprint is SHA-256 of vendor, account and key, computed here: the
  // key never leaves the process. rate <= 0: no limit.
  // keep_policy: a rate the workers learnt or probed (read_rate_policy) stays; otherwise this rate
  // replaces it (an explicit --rate).
  task<std::int64_t> ensure_credential(std::string vendor, std::string account, std::string api_key,
                                       double rate_per_second, int burst, bool keep_policy = false);
  // The credential's shared rate policy state (JSON, policy/rate_policy.hpp; none yet: nullopt) and
  // its version; set_rate_policy writes a new state and the GCRA interval it implies, only over that
  // version (false: another worker wrote in between).
  struct RatePolicyRow {
    std::optional<std::string> policy;
    std::int64_t version = 0;
  };
  task<RatePolicyRow> read_rate_policy(std::int64_t credential);
  task<bool> set_rate_policy(std::int64_t credential, std::string policy, std::int64_t interval_us,
                             std::int64_t version);
  // GCRA: up to `count` send slots no further than max_delay ahead; for each, the wait from now
  // (on the database's clock). Fewer (or none) when the credential is booked past max_delay.
  task<std::vector<std::chrono::microseconds>> reserve_slots(std::int64_t credential, int count,
                                                             std::chrono::microseconds max_delay);
  // A 429 seen by any worker. exhausted (the vendor said Remaining 0 until a reset): no slot before
  // now + retry_after. Otherwise a 429 at the limit: the credential's rate drops 5 % (at most
  // halved) and wins it back, half of the drop every 5 s.
  task<void> penalize(std::int64_t credential, std::chrono::milliseconds retry_after, bool exhausted = true);

  task<StatusReport> status();

  // An explicit transaction around several calls (e.g. enqueue_all in chunks, all or nothing).
  // Inside it nothing is sent twice; a broken connection fails the transaction.
  task<void> begin();
  task<void> commit();  // an error when the transaction had failed and was rolled back
  task<void> rollback();
  task<std::optional<Item>> get(std::int64_t id);

 private:
  task<QueryResult> query(std::string sql, std::vector<Value> params, bool repeatable);
  task<void> migrate_locked(std::vector<int>& applied);

  Connection connection_;
  bool in_transaction_ = false;
};

// SHA-256 (hex) of vendor, account and key, each length-prefixed: the credentials row's fingerprint.
std::string credential_fingerprint(std::string_view vendor, std::string_view account,
                                   std::string_view api_key);

}  // namespace partnerkit::pg
