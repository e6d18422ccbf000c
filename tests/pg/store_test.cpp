// The queue schema and the Store against a real server.
#include "pg_test.hpp"

#include <partnerkit/pg/connection.hpp>
#include <partnerkit/pg/store.hpp>

#include <gtest/gtest.h>
#include <boost/asio/detached.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/json/parse.hpp>

#include <algorithm>
#include <set>

namespace partnerkit::pgtest {
namespace {

namespace asio = boost::asio;
namespace json = boost::json;
using namespace std::chrono_literals;
using pg::EnqueueRequest;
using pg::Store;

EnqueueRequest request(std::string email, std::string key = {}, std::string tenant = "t1",
                       std::string vendor = "dub") {
  EnqueueRequest r;
  r.tenant = std::move(tenant);
  r.vendor = std::move(vendor);
  r.idempotency_key = key.empty() ? email : std::move(key);
  r.spec = json::object{{"email", email}, {"name", "Ana"}};
  return r;
}

pg::Completion done(std::int64_t id, int attempt, std::string owner, pg::Outcome outcome, json::value result,
                    std::string code = {}, std::chrono::milliseconds retry_in = {}) {
  pg::Completion c;
  c.id = id;
  c.attempt = attempt;
  c.owner = std::move(owner);
  c.outcome = outcome;
  c.result = std::move(result);
  c.error_code = std::move(code);
  c.retry_in = retry_in;
  return c;
}

struct StoreTest : ::testing::Test {
  asio::io_context io;
  std::string conninfo = fresh_database();
  Store store{io.get_executor(), conninfo};

  template <class T>
  T ok(asio::awaitable<Result<T>> a) {
    auto r = run(io, std::move(a));
    if (!r) throw std::runtime_error("unexpected error: " + r.error().message);
    if constexpr (!std::is_void_v<T>) return std::move(*r);
  }
  std::string sql(const std::string& q) { return sql_text(conninfo, q); }
};

TEST(PgMigrate, TwiceIsANoOp) {
  asio::io_context io;
  Store store(io.get_executor(), fresh_database(false));
  auto v0 = run(io, store.schema_version());
  ASSERT_TRUE(v0);
  EXPECT_EQ(*v0, 0);
  auto first = run(io, store.migrate());
  ASSERT_TRUE(first) << first.error().message;
  EXPECT_EQ(*first, (std::vector<int>{1, 2, 3, 4, 5, 6}));
  auto second = run(io, store.migrate());
  ASSERT_TRUE(second) << second.error().message;
  EXPECT_TRUE(second->empty());
  EXPECT_EQ(*run(io, store.schema_version()), 6);
}

TEST(PgMigrate, ConcurrentMigratorsApplyOnce) {
  asio::io_context io;
  auto db = fresh_database(false);
  Store a(io.get_executor(), db), b(io.get_executor(), db);
  std::optional<Result<std::vector<int>>> ra, rb;
  asio::co_spawn(io, a.migrate(), [&](std::exception_ptr, Result<std::vector<int>> r) { ra = std::move(r); });
  asio::co_spawn(io, b.migrate(), [&](std::exception_ptr, Result<std::vector<int>> r) { rb = std::move(r); });
  io.run();
  ASSERT_TRUE(*ra) << ra->error().message;
  ASSERT_TRUE(*rb) << rb->error().message;
  EXPECT_EQ((*ra)->size() + (*rb)->size(), 6u);
}

TEST(PgMigrate, UnmigratedDatabaseSaysSo) {
  asio::io_context io;
  Store store(io.get_executor(), fresh_database(false));
  auto r = run(io, store.status());
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, errc::invalid_input);
  EXPECT_NE(r.error().message.find("partnerkit db migrate"), std::string::npos) << r.error().message;
}

TEST_F(StoreTest, EnqueueClaimComplete) {
  auto e =
      ok(store.enqueue_all({request("a@example.com"), request("b@example.com"), request("c@example.com")}));
  ASSERT_EQ(e.size(), 3u);
  EXPECT_TRUE(e[0].created && e[1].created && e[2].created);
  auto items = ok(store.claim("w1", 10, 30s));
  ASSERT_EQ(items.size(), 3u);
  for (auto& it : items) {
    EXPECT_EQ(it.state, pg::ItemState::running);
    EXPECT_EQ(it.attempt, 1);
    EXPECT_EQ(it.lease_owner, "w1");
    EXPECT_FALSE(it.reconciling);
  }
  EXPECT_EQ(items[0].spec.at("email").as_string(), "a@example.com");
  EXPECT_TRUE(ok(store.claim("w2", 10, 30s)).empty());
  EXPECT_TRUE(ok(store.record_event(items[0].id, 1, "w1", "intent", json::object{{"method", "POST"}})));
  EXPECT_TRUE(
      ok(store.complete(done(items[0].id, 1, "w1", pg::Outcome::done, json::object{{"partner_id", "p1"}}))));
  EXPECT_TRUE(
      ok(store.complete(done(items[1].id, 1, "w1", pg::Outcome::failed, json::object{}, "rejected"))));
  auto st = ok(store.status());
  EXPECT_EQ(st.by_state["done"], 1);
  EXPECT_EQ(st.by_state["failed"], 1);
  EXPECT_EQ(st.by_state["running"], 1);
  EXPECT_EQ(st.by_state["pending"], 0);
  EXPECT_EQ(st.failures_by_code["rejected"], 1);
  ASSERT_TRUE(st.oldest_unfinished);
  EXPECT_EQ(st.oldest_unfinished->id, items[2].id);
  auto done = ok(store.get(items[0].id));
  ASSERT_TRUE(done);
  EXPECT_EQ(done->state, pg::ItemState::done);
  EXPECT_EQ(done->result->as_object().at("partner_id").as_string(), "p1");
  EXPECT_EQ(sql("SELECT string_agg(kind, ',' ORDER BY id) FROM partnerkit.events WHERE item_id = " +
                std::to_string(items[0].id)),
            "enqueued,claimed,intent,completed");
}

TEST_F(StoreTest, RetryGoesBackToPendingAfterItsDelay) {
  ok(store.enqueue(request("a@example.com")));
  auto items = ok(store.claim("w1", 1, 30s));
  ASSERT_EQ(items.size(), 1u);
  EXPECT_TRUE(
      ok(store.complete(done(items[0].id, 1, "w1", pg::Outcome::retry, json::object{}, "rate_limited", 1h))));
  EXPECT_TRUE(ok(store.claim("w1", 1, 30s)).empty());  // not before an hour
  sql("UPDATE partnerkit.items SET run_after = now()");
  auto again = ok(store.claim("w1", 1, 30s));
  ASSERT_EQ(again.size(), 1u);
  EXPECT_EQ(again[0].attempt, 2);
  EXPECT_FALSE(again[0].reconciling);
  // "May have been applied": reconcile, and the next claim says so.
  EXPECT_TRUE(
      ok(store.complete(done(again[0].id, 2, "w1", pg::Outcome::reconcile, json::object{}, "timeout"))));
  EXPECT_EQ(ok(store.get(again[0].id))->state, pg::ItemState::reconcile);
  auto third = ok(store.claim("w1", 1, 30s));
  ASSERT_EQ(third.size(), 1u);
  EXPECT_TRUE(third[0].reconciling);
  EXPECT_EQ(third[0].attempt, 3);
}

TEST_F(StoreTest, SameIdempotencyKeyIsOneItem) {
  auto first = ok(store.enqueue(request("a@example.com", "key-1")));
  auto second = ok(store.enqueue(request("a@example.com", "key-1")));
  EXPECT_TRUE(first.created);
  EXPECT_FALSE(second.created);
  EXPECT_EQ(first.id, second.id);
  // Twice within one batch, too.
  auto batch = ok(store.enqueue_all({request("b@example.com", "key-2"), request("b@example.com", "key-2")}));
  EXPECT_EQ(batch[0].id, batch[1].id);
  EXPECT_TRUE(batch[0].created);
  EXPECT_FALSE(batch[1].created);
  // The same key in another tenant is another item.
  auto other = ok(store.enqueue(request("a@example.com", "key-1", "t2")));
  EXPECT_TRUE(other.created);
  // The same key for a different request is refused.
  auto conflict = run(io, store.enqueue(request("changed@example.com", "key-1")));
  ASSERT_FALSE(conflict);
  EXPECT_EQ(conflict.error().code, errc::already_exists);
  EXPECT_NE(conflict.error().message.find("different request"), std::string::npos);
  EXPECT_EQ(sql("SELECT count(*) FROM partnerkit.items"), "3");
}

TEST_F(StoreTest, OnePartnersOperationsRunInOrder) {
  ok(store.enqueue_all(
      {request("a@example.com", "k1"), request("A@example.com", "k2"), request("b@example.com", "k3")}));
  auto first = ok(store.claim("w1", 10, 30s));
  ASSERT_EQ(first.size(), 2u);  // a's second item waits for its first
  EXPECT_EQ(first[0].idempotency_key, "k1");
  EXPECT_EQ(first[1].idempotency_key, "k3");
  EXPECT_TRUE(ok(store.claim("w2", 10, 30s)).empty());
  ASSERT_TRUE(ok(store.complete(done(first[0].id, 1, "w1", pg::Outcome::done, json::object{}))));
  auto next = ok(store.claim("w2", 10, 30s));
  ASSERT_EQ(next.size(), 1u);
  EXPECT_EQ(next[0].idempotency_key, "k2");
}

TEST_F(StoreTest, ConcurrentClaimersNeverShareAnItem) {
  constexpr int n_items = 300, n_claimers = 4;
  std::vector<EnqueueRequest> reqs;
  for (int i = 0; i < n_items; ++i) reqs.push_back(request("p" + std::to_string(i) + "@example.com"));
  ok(store.enqueue_all(reqs));
  std::vector<std::unique_ptr<Store>> claimers;
  std::vector<std::int64_t> claimed;
  int errors = 0;
  for (int c = 0; c < n_claimers; ++c) {
    claimers.push_back(std::make_unique<Store>(io.get_executor(), conninfo));
    // Everything the coroutine uses is a parameter (a lambda's captures die with the lambda).
    auto loop = [](Store* s, std::string owner, std::vector<std::int64_t>* out,
                   int* errs) -> asio::awaitable<void> {
      for (;;) {
        auto batch = co_await s->claim(owner, 7, 30s);
        if (!batch) {
          ++*errs;
          co_return;
        }
        if (batch->empty()) co_return;
        for (auto& it : *batch) out->push_back(it.id);
      }
    };
    asio::co_spawn(io, loop(claimers.back().get(), "w" + std::to_string(c), &claimed, &errors),
                   asio::detached);
  }
  io.restart();
  io.run();
  EXPECT_EQ(errors, 0);
  std::set<std::int64_t> unique(claimed.begin(), claimed.end());
  EXPECT_EQ(claimed.size(), static_cast<std::size_t>(n_items));
  EXPECT_EQ(unique.size(), static_cast<std::size_t>(n_items));
}

TEST_F(StoreTest, StaleAttemptIsRefusedByTheFence) {
  ok(store.enqueue(request("a@example.com")));
  auto first = ok(store.claim("w1", 1, 0ms));  // a lease that has already expired
  ASSERT_EQ(first.size(), 1u);
  auto id = first[0].id;
  auto rescued = ok(store.rescue_expired());
  EXPECT_EQ(rescued, std::vector<std::int64_t>{id});
  // The expired lease went to reconcile, not back to pending.
  auto item = ok(store.get(id));
  EXPECT_EQ(item->state, pg::ItemState::reconcile);
  EXPECT_TRUE(item->reconciling);
  // The stale worker can neither record an intent nor complete.
  EXPECT_FALSE(ok(store.record_event(id, 1, "w1", "intent", json::object{})));
  EXPECT_FALSE(ok(store.complete(done(id, 1, "w1", pg::Outcome::done, json::object{{"stale", true}}))));
  // A new claim takes it as reconciling, attempt 2.
  auto second = ok(store.claim("w2", 1, 30s));
  ASSERT_EQ(second.size(), 1u);
  EXPECT_EQ(second[0].attempt, 2);
  EXPECT_TRUE(second[0].reconciling);
  EXPECT_FALSE(ok(store.complete(done(id, 1, "w1", pg::Outcome::done, json::object{{"stale", true}}))));
  EXPECT_TRUE(ok(store.complete(done(id, 2, "w2", pg::Outcome::done, json::object{{"fresh", true}}))));
  auto final_item = ok(store.get(id));
  EXPECT_EQ(final_item->state, pg::ItemState::done);
  EXPECT_TRUE(final_item->result->as_object().contains("fresh"));
  EXPECT_EQ(sql("SELECT count(*) FROM partnerkit.events WHERE kind = 'refused'"), "2");
  // The event log is append-only.
  EXPECT_THROW(sql("UPDATE partnerkit.events SET kind = 'intent'"), std::runtime_error);
}

// The worker's batched forms (migration 4's set-based statements) keep the single-item rules: the
// fence, the events in order per item, the retry delay, the NOTIFY of an item back on the queue.
TEST_F(StoreTest, BatchedIntentsAndCompletionsKeepTheFence) {
  ok(store.enqueue_all({request("a@example.com"), request("b@example.com"), request("c@example.com"),
                        request("d@example.com")}));
  auto items = ok(store.claim("w1", 4, 30s));
  ASSERT_EQ(items.size(), 4u);
  // d's lease is taken over (attempt 2) before its intent: refused, nothing written for attempt 1.
  sql("UPDATE partnerkit.items SET attempt = 2 WHERE id = " + std::to_string(items[3].id));
  std::vector<std::pair<std::int64_t, int>> held;
  for (auto& it : items) held.emplace_back(it.id, 1);
  auto accepted = ok(store.record_intents("w1", held, json::object{{"request", "create"}}));
  EXPECT_EQ(accepted, (std::vector<std::int64_t>{items[0].id, items[1].id, items[2].id}));

  pg::Connection listener(io.get_executor(), conninfo);
  ASSERT_TRUE(run(io, listener.async_query("LISTEN partnerkit_items", {}, asio::use_awaitable)));
  std::vector<pg::Completion> batch{
      done(items[0].id, 1, "w1", pg::Outcome::done, json::object{{"partner_id", "p1"}}),
      done(items[1].id, 1, "w1", pg::Outcome::retry, json::object{}, "rate_limited", 1h),
      done(items[2].id, 1, "w1", pg::Outcome::failed, json::object{}, "rejected"),
      done(items[3].id, 1, "w1", pg::Outcome::done, json::object{{"stale", true}})};
  batch[0].response = json::object{{"outcome", "created"}};
  batch[3].response = json::object{{"outcome", "created"}};
  EXPECT_EQ(ok(store.complete_all(batch)), (std::vector<bool>{true, true, true, false}));
  auto n = run(io, listener.async_wait_notification(asio::use_awaitable));  // b is pending again
  ASSERT_TRUE(n);
  EXPECT_EQ(n->payload, "dub");

  EXPECT_EQ(ok(store.get(items[0].id))->state, pg::ItemState::done);
  EXPECT_EQ(ok(store.get(items[0].id))->result->as_object().at("partner_id").as_string(), "p1");
  EXPECT_EQ(ok(store.get(items[1].id))->state, pg::ItemState::pending);
  EXPECT_EQ(
      sql("SELECT run_after > clock_timestamp() + interval '59 minutes' FROM partnerkit.items WHERE id = " +
          std::to_string(items[1].id)),
      "t");
  EXPECT_EQ(ok(store.get(items[2].id))->state, pg::ItemState::failed);
  EXPECT_EQ(ok(store.get(items[2].id))->error_code, "rejected");
  EXPECT_EQ(ok(store.get(items[3].id))->state, pg::ItemState::running);  // the newer attempt's
  auto kinds = [&](std::int64_t id) {
    return sql("SELECT string_agg(kind, ',' ORDER BY id) FROM partnerkit.events WHERE item_id = " +
               std::to_string(id));
  };
  EXPECT_EQ(kinds(items[0].id), "enqueued,claimed,intent,response,completed");
  EXPECT_EQ(kinds(items[1].id), "enqueued,claimed,intent,completed");
  EXPECT_EQ(kinds(items[3].id), "enqueued,claimed,response,refused");
  // A second delivery of the same completions (a retried flush) changes nothing.
  EXPECT_EQ(ok(store.complete_all({batch[0]})), (std::vector<bool>{false}));
  EXPECT_EQ(ok(store.get(items[0].id))->state, pg::ItemState::done);
  // An unknown outcome is refused before anything is written.
  sql("UPDATE partnerkit.items SET state = 'running', lease_owner = 'w1', lease_expires_at = now() WHERE id "
      "= " +
      std::to_string(items[2].id));
  EXPECT_THROW(sql("SELECT partnerkit.complete_many(ARRAY[" + std::to_string(items[2].id) +
                   "]::bigint[], '{1}', '{w1}', '{bogus}', '{\\{\\}}', '{NULL}', '{0}', '{NULL}')"),
               std::runtime_error);
  EXPECT_EQ(ok(store.get(items[2].id))->state, pg::ItemState::running);
}

TEST_F(StoreTest, HeartbeatKeepsLeasesAndReportsLostOnes) {
  ok(store.enqueue_all({request("a@example.com"), request("b@example.com")}));
  auto items = ok(store.claim("w1", 2, 30s));
  ASSERT_EQ(items.size(), 2u);
  EXPECT_TRUE(ok(store.rescue_expired()).empty());  // live leases are not rescued
  sql("UPDATE partnerkit.items SET lease_expires_at = now() - interval '1 second' WHERE id = " +
      std::to_string(items[1].id));
  EXPECT_EQ(ok(store.rescue_expired()), std::vector<std::int64_t>{items[1].id});
  auto held = ok(store.heartbeat("w1", {{items[0].id, 1}, {items[1].id, 1}}, 60s));
  EXPECT_EQ(held, std::vector<std::int64_t>{items[0].id});
  EXPECT_TRUE(ok(store.heartbeat("someone-else", {{items[0].id, 1}}, 60s)).empty());
}

TEST_F(StoreTest, BadInputIsRefusedAndNothingIsWritten) {
  auto bad_spec = request("c@example.com");
  bad_spec.spec = json::object{{"name", "no email"}};
  auto r = run(io, store.enqueue_all({request("a@example.com"), request("b@example.com"), bad_spec}));
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, errc::invalid_input);
  EXPECT_NE(r.error().message.find("spec.email"), std::string::npos) << r.error().message;
  auto secret = request("d@example.com");
  secret.spec["password"] = "hunter2";
  auto s = run(io, store.enqueue(secret));
  ASSERT_FALSE(s);
  EXPECT_EQ(s.error().code, errc::invalid_input);
  EXPECT_EQ(s.error().message.find("hunter2"), std::string::npos);
  auto vendor = run(io, store.enqueue(request("e@example.com", "", "t1", "Not A Vendor!")));
  ASSERT_FALSE(vendor);
  EXPECT_EQ(vendor.error().code, errc::invalid_input);
  EXPECT_EQ(vendor.error().vendor_code, "23514");
  EXPECT_EQ(sql("SELECT count(*) FROM partnerkit.items"), "0");
  EXPECT_EQ(sql("SELECT count(*) FROM partnerkit.events"), "0");
}

TEST_F(StoreTest, ExplicitTransactionIsAllOrNothing) {
  ok(store.begin());
  ok(store.enqueue_all({request("a@example.com")}));
  auto bad = request("b@example.com");
  bad.spec = json::object{};
  EXPECT_FALSE(run(io, store.enqueue_all({bad})));
  EXPECT_FALSE(run(io, store.commit()));  // the failed transaction was rolled back
  EXPECT_EQ(sql("SELECT count(*) FROM partnerkit.items"), "0");
  ok(store.begin());
  ok(store.enqueue_all({request("a@example.com")}));
  ok(store.commit());
  EXPECT_EQ(sql("SELECT count(*) FROM partnerkit.items"), "1");
}

TEST_F(StoreTest, EnqueueNotifiesListeners) {
  pg::Connection listener(io.get_executor(), conninfo);
  ASSERT_TRUE(run(io, listener.async_query("LISTEN partnerkit_items", {}, asio::use_awaitable)));
  ok(store.enqueue(request("a@example.com")));
  auto n = run(io, listener.async_wait_notification(asio::use_awaitable));
  ASSERT_TRUE(n);
  EXPECT_EQ(n->payload, "dub");
}

TEST_F(StoreTest, CredentialFingerprintNeverStoresTheKey) {
  auto id = ok(store.ensure_credential("dub", "acct", "dub_secret_key_123", 10, 1));
  EXPECT_EQ(ok(store.ensure_credential("dub", "acct", "dub_secret_key_123", 20, 1)), id);
  EXPECT_NE(ok(store.ensure_credential("dub", "acct", "another_key", 10, 1)), id);
  auto dump = sql("SELECT string_agg(c::text, ';') FROM partnerkit.credentials c");
  EXPECT_EQ(dump.find("dub_secret_key_123"), std::string::npos);
  EXPECT_EQ(pg::credential_fingerprint("dub", "acct", "k").size(), 64u);
  EXPECT_NE(pg::credential_fingerprint("dub", "acctk", ""), pg::credential_fingerprint("dub", "acct", "k"));
}

// 4 connections reserve slots of one credential at once: every slot, on the database's clock,
// keeps the interval (rate 200/s: 5 ms) from the one before — whichever worker got it.
TEST_F(StoreTest, GcraKeepsOneRateAcrossConnections) {
  auto cred = ok(store.ensure_credential("dub", "acct", "key", 200, 1));
  constexpr int n_conn = 4, calls = 10, per_call = 5;
  std::vector<std::unique_ptr<pg::Connection>> conns;
  std::vector<std::string> slots;
  int errors = 0;
  for (int c = 0; c < n_conn; ++c) {
    conns.push_back(std::make_unique<pg::Connection>(io.get_executor(), conninfo));
    std::vector<pg::Value> params{std::to_string(cred), std::to_string(per_call),
                                  std::to_string(3600LL * 1000000)};
    auto loop = [](pg::Connection* conn, std::vector<pg::Value> params, std::vector<std::string>* out,
                   int* errs) -> asio::awaitable<void> {
      for (int i = 0; i < calls; ++i) {
        auto r = co_await conn->async_query(
            "SELECT extract(epoch FROM slot_at)::numeric(20,6)::text, delay_us FROM "
            "partnerkit.reserve_slots($1, $2, "
            "$3)",
            params, asio::use_awaitable);
        if (!r) {
          ++*errs;
          co_return;
        }
        for (auto& row : r->rows) out->push_back(*row[0]);
      }
    };
    asio::co_spawn(io, loop(conns.back().get(), params, &slots, &errors), asio::detached);
  }
  io.restart();
  io.run();
  ASSERT_EQ(errors, 0);
  ASSERT_EQ(slots.size(), static_cast<std::size_t>(n_conn * calls * per_call));
  std::vector<double> t;
  for (auto& s : slots) t.push_back(std::stod(s));
  std::sort(t.begin(), t.end());
  for (std::size_t i = 1; i < t.size(); ++i) EXPECT_GE(t[i] - t[i - 1], 0.005 - 2e-6) << "slot " << i;
  // The Store's form: fewer slots when the next one is further than max_delay.
  auto few = ok(store.reserve_slots(cred, 10, 0us));
  EXPECT_LE(few.size(), 1u);
}

TEST_F(StoreTest, PenaltySlowsEveryWorker) {
  auto cred = ok(store.ensure_credential("dub", "acct", "key", 1000, 1));
  Store other(io.get_executor(), conninfo);
  ok(other.penalize(cred, 2000ms));  // one worker saw a 429 with Retry-After: 2
  EXPECT_TRUE(ok(store.reserve_slots(cred, 5, 500ms)).empty());
  auto later = ok(store.reserve_slots(cred, 1, 10s));
  ASSERT_EQ(later.size(), 1u);
  EXPECT_GT(later[0], 1000ms);  // on the database's clock: at the end of the penalty
}

TEST_F(StoreTest, ThrottleAtTheLimitSlowsButNeverPauses) {
  // 100/s: slots 10 ms apart. A 429 that is not "exhausted" (jitter at the limit) costs no pause,
  // only a 5 % slower rate that wins itself back.
  auto cred = ok(store.ensure_credential("dub", "acct", "key", 100, 1));
  Store other(io.get_executor(), conninfo);
  ok(other.penalize(cred, 1000ms, false));
  auto slots = ok(store.reserve_slots(cred, 21, 10s));
  ASSERT_EQ(slots.size(), 21u);
  EXPECT_LT(slots[0], 50ms);  // no pause
  const auto spacing = (slots[20] - slots[0]) / 20;
  EXPECT_GT(spacing, 10200us) << spacing.count();  // slowed (5 % at once, decaying over seconds)
  EXPECT_LT(spacing, 10600us) << spacing.count();
  EXPECT_EQ(
      sql_text(conninfo, "SELECT penalties FROM partnerkit.credentials WHERE id = " + std::to_string(cred)),
      "1");
}

TEST_F(StoreTest, UnlimitedCredentialNeverWaits) {
  auto cred = ok(store.ensure_credential("dub", "acct", "key", 0, 1));
  auto slots = ok(store.reserve_slots(cred, 50, 0us));
  EXPECT_EQ(slots.size(), 50u);
  for (auto d : slots) EXPECT_EQ(d.count(), 0);
}

TEST_F(StoreTest, ReconnectsAfterAnImmediateRestart) {
  ok(store.enqueue(request("a@example.com")));
  EXPECT_EQ(store.connection().connect_count(), 1u);
  Store worker(io.get_executor(), conninfo);
  ASSERT_TRUE(run(io, worker.status()));
  cluster().restart_immediate();  // both connections break
  // status is safe to repeat: sent once more on a new connection.
  auto st = run(io, store.status());
  ASSERT_TRUE(st) << st.error().message;
  EXPECT_EQ(st->by_state["pending"], 1);
  EXPECT_EQ(store.connection().connect_count(), 2u);
  // A claim is not repeated on its own; once the connection broke, the next one reconnects.
  auto lost = run(io, worker.claim("w1", 1, 30s));
  if (!lost) {
    EXPECT_EQ(lost.error().code, errc::network);
    EXPECT_TRUE(lost.error().retryable);
    lost = run(io, worker.claim("w1", 1, 30s));
  }
  ASSERT_TRUE(lost) << lost.error().message;
  EXPECT_EQ(lost->size(), 1u);
}

}  // namespace
}  // namespace partnerkit::pgtest
