#include <partnerkit/pg/migrations.hpp>
#include <partnerkit/pg/store.hpp>

#include "sql_util.hpp"

#include <boost/asio/use_awaitable.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include <openssl/evp.h>

#include <array>
#include <charconv>
#include <cstdio>

namespace partnerkit::pg {

namespace asio = boost::asio;
namespace json = boost::json;

std::string_view to_string(ItemState s) noexcept {
  switch (s) {
    case ItemState::pending:
      return "pending";
    case ItemState::running:
      return "running";
    case ItemState::reconcile:
      return "reconcile";
    case ItemState::done:
      return "done";
    case ItemState::failed:
      return "failed";
  }
  return "pending";
}

std::optional<ItemState> item_state_from_string(std::string_view s) noexcept {
  for (auto st :
       {ItemState::pending, ItemState::running, ItemState::reconcile, ItemState::done, ItemState::failed})
    if (to_string(st) == s) return st;
  return std::nullopt;
}

std::string_view to_string(Outcome o) noexcept {
  switch (o) {
    case Outcome::done:
      return "done";
    case Outcome::failed:
      return "failed";
    case Outcome::retry:
      return "retry";
    case Outcome::reconcile:
      return "reconcile";
  }
  return "failed";
}

using namespace detail;

namespace {

constexpr std::int64_t migration_lock_key = 0x7061'7274'6e65'72;  // "partner": one migrator at a time

std::optional<Operation> operation_from_string(std::string_view s) {
  for (auto op :
       {Operation::create, Operation::find, Operation::get, Operation::update, Operation::deactivate})
    if (to_string(op) == s) return op;
  return std::nullopt;
}

Result<Item> item_from_row(const QueryResult& r, std::size_t row) {
  Item it;
  it.id = to_int<std::int64_t>(r.at(row, "id"));
  it.tenant = r.at(row, "tenant").value_or("");
  it.vendor = r.at(row, "vendor").value_or("");
  it.operation = operation_from_string(r.at(row, "operation").value_or("")).value_or(Operation::create);
  it.idempotency_key = r.at(row, "idempotency_key").value_or("");
  it.partner_key = r.at(row, "partner_key").value_or("");
  boost::system::error_code ec;
  auto spec = json::parse(r.at(row, "spec").value_or("{}"), ec);
  if (ec || !spec.is_object())
    return Error::make(errc::protocol, "PostgreSQL: item spec is not a JSON object");
  it.spec = std::move(spec.as_object());
  it.state = item_state_from_string(r.at(row, "state").value_or("")).value_or(ItemState::pending);
  it.reconciling = r.at(row, "reconciling").value_or("f") == "t";
  it.attempt = to_int<int>(r.at(row, "attempt"));
  it.lease_owner = r.at(row, "lease_owner").value_or("");
  if (auto& res = r.at(row, "result")) {
    auto v = json::parse(*res, ec);
    if (!ec) it.result = std::move(v);
  }
  it.error_code = r.at(row, "error_code").value_or("");
  return it;
}

StatusReport empty_report() {
  StatusReport out;
  for (auto s :
       {ItemState::pending, ItemState::running, ItemState::reconcile, ItemState::done, ItemState::failed})
    out.by_state[std::string(to_string(s))] = 0;
  return out;
}

std::string default_partner_key(const EnqueueRequest& r) {
  if (r.partner_key && !r.partner_key->empty()) return *r.partner_key;
  return {};  // the SQL function derives it from the spec
}

}  // namespace

std::string credential_fingerprint(std::string_view vendor, std::string_view account,
                                   std::string_view api_key) {
  std::string data;
  for (auto part : {vendor, account, api_key}) {
    data += std::to_string(part.size());
    data += ':';
    data += part;
  }
  std::array<unsigned char, EVP_MAX_MD_SIZE> md{};
  unsigned int len = 0;
  EVP_Digest(data.data(), data.size(), md.data(), &len, EVP_sha256(), nullptr);
  OPENSSL_cleanse(data.data(), data.size());
  std::string hex;
  char buf[3];
  for (unsigned i = 0; i < len; ++i) {
    std::snprintf(buf, sizeof buf, "%02x", md[i]);
    hex += buf;
  }
  return hex;
}

json::object StatusReport::to_json() const {
  json::object o;
  for (auto s :
       {ItemState::pending, ItemState::running, ItemState::reconcile, ItemState::done, ItemState::failed}) {
    auto it = by_state.find(std::string(to_string(s)));
    o[to_string(s)] = it == by_state.end() ? 0 : it->second;
  }
  json::object vendors;
  for (auto& [vendor, states] : by_vendor) {
    json::object s;
    for (auto& [state, n] : states) s[state] = n;
    vendors[vendor] = std::move(s);
  }
  o["by_vendor"] = std::move(vendors);
  json::object tenants;
  for (auto& [tenant, per_vendor] : by_tenant) {
    json::object t;
    for (auto& [vendor, states] : per_vendor) {
      json::object st;
      for (auto& [state, n] : states) st[state] = n;
      t[vendor] = std::move(st);
    }
    tenants[tenant] = std::move(t);
  }
  o["by_tenant"] = std::move(tenants);
  json::object failures;
  for (auto& [code, n] : failures_by_code) failures[code] = n;
  o["failures_by_code"] = std::move(failures);
  if (oldest_unfinished) {
    o["oldest"] = json::object{{"id", oldest_unfinished->id},
                               {"state", oldest_unfinished->state},
                               {"created_at", oldest_unfinished->created_at},
                               {"age_seconds", oldest_unfinished->age_seconds}};
  } else {
    o["oldest"] = nullptr;
  }
  return o;
}

Store::Store(executor_type executor, std::string conninfo, ConnectionOptions options)
    : connection_(std::move(executor), std::move(conninfo), options) {}

Store::task<QueryResult> Store::query(std::string sql, std::vector<Value> params, bool repeatable) {
  bool was_connected = connection_.connected();
  auto r = co_await connection_.async_query(sql, params, asio::use_awaitable);
  // The connection broke (e.g. the server restarted while we were idle): a statement that is safe
  // to repeat is sent once more on a new connection — never inside an explicit transaction, which
  // the broken connection took with it.
  if (!r && repeatable && !in_transaction_ && was_connected && r.error().code == errc::network &&
      !connection_.connected())
    r = co_await connection_.async_query(std::move(sql), std::move(params), asio::use_awaitable);
  co_return r;
}

Store::task<void> Store::begin() {
  if (in_transaction_) co_return Error::make(errc::internal, "PostgreSQL: a transaction is already open");
  auto r = co_await connection_.async_query("BEGIN", std::vector<Value>{}, asio::use_awaitable);
  if (!r) co_return r.error();
  in_transaction_ = true;
  co_return Result<void>{};
}

Store::task<void> Store::commit() {
  in_transaction_ = false;
  auto r = co_await connection_.async_query("COMMIT", std::vector<Value>{}, asio::use_awaitable);
  if (!r) co_return r.error();
  // COMMIT of a failed transaction answers ROLLBACK, not an error.
  if (r->command_tag != "COMMIT")
    co_return Error::make(errc::internal, "PostgreSQL: the transaction was rolled back");
  co_return Result<void>{};
}

Store::task<void> Store::rollback() {
  in_transaction_ = false;
  if (!connection_.connected()) co_return Result<void>{};  // a broken connection took the transaction with it
  auto r = co_await connection_.async_query("ROLLBACK", std::vector<Value>{}, asio::use_awaitable);
  if (!r) co_return r.error();
  co_return Result<void>{};
}

Store::task<void> Store::migrate_locked(std::vector<int>& applied) {
  auto begin = co_await connection_.async_execute(
      "BEGIN; SELECT pg_advisory_xact_lock(" + std::to_string(migration_lock_key) +
          "); CREATE SCHEMA IF NOT EXISTS partnerkit;"
          " CREATE TABLE IF NOT EXISTS partnerkit.schema_migrations (version integer PRIMARY KEY,"
          " name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now());",
      asio::use_awaitable);
  if (!begin) co_return begin.error();
  auto have = co_await connection_.async_query("SELECT version FROM partnerkit.schema_migrations",
                                               std::vector<Value>{}, asio::use_awaitable);
  if (!have) co_return have.error();
  std::vector<int> done;
  for (auto& row : have->rows) done.push_back(to_int<int>(row[0]));
  for (const auto& m : migrations()) {
    if (std::find(done.begin(), done.end(), m.version) != done.end()) continue;
    auto r = co_await connection_.async_execute(std::string(m.sql), asio::use_awaitable);
    if (!r) {
      Error e = r.error();
      e.message = "migration " + std::to_string(m.version) + ": " + e.message;
      co_return e;
    }
    std::vector<Value> params{Value{std::to_string(m.version)}, Value{std::string(m.name)}};
    auto rec = co_await connection_.async_query(
        "INSERT INTO partnerkit.schema_migrations (version, name) VALUES ($1, $2)", std::move(params),
        asio::use_awaitable);
    if (!rec) co_return rec.error();
    applied.push_back(m.version);
  }
  auto commit = co_await connection_.async_execute("COMMIT", asio::use_awaitable);
  if (!commit) co_return commit.error();
  co_return Result<void>{};
}

Store::task<std::vector<int>> Store::migrate() {
  std::vector<int> applied;
  auto r = co_await migrate_locked(applied);
  if (!r) {
    if (connection_.connected()) (void)co_await connection_.async_execute("ROLLBACK", asio::use_awaitable);
    co_return r.error();
  }
  co_return applied;
}

Store::task<int> Store::schema_version() {
  // Two statements: a query naming a table that does not exist fails when it is parsed.
  auto exists = co_await query("SELECT to_regclass('partnerkit.schema_migrations') IS NOT NULL",
                               std::vector<Value>{}, true);
  if (!exists) co_return exists.error();
  if (exists->rows.at(0).at(0).value_or("f") != "t") co_return 0;
  auto r = co_await query("SELECT coalesce(max(version), 0) FROM partnerkit.schema_migrations",
                          std::vector<Value>{}, true);
  if (!r) co_return r.error();
  co_return to_int<int>(r->rows.at(0).at(0));
}

Store::task<Enqueued> Store::enqueue(EnqueueRequest request) {
  std::vector<EnqueueRequest> one;
  one.push_back(std::move(request));
  auto r = co_await enqueue_all(std::move(one));
  if (!r) co_return r.error();
  co_return r->at(0);
}

Store::task<std::vector<Enqueued>> Store::enqueue_all(std::vector<EnqueueRequest> requests) {
  if (requests.empty()) co_return std::vector<Enqueued>{};
  std::vector<Value> tenants, vendors, ops, keys, specs, partners;
  for (const auto& r : requests) {
    tenants.emplace_back(r.tenant);
    vendors.emplace_back(r.vendor);
    ops.emplace_back(std::string(to_string(r.operation)));
    keys.emplace_back(r.idempotency_key);
    specs.emplace_back(json::serialize(r.spec));
    auto pk = default_partner_key(r);
    partners.push_back(or_null(pk));
  }
  // One statement: atomic, so a failing request leaves nothing of the others behind.
  auto p = params(array_literal(tenants), array_literal(vendors), array_literal(ops), array_literal(keys),
                  array_literal(specs), array_literal(partners));
  auto r = co_await query(
      "SELECT e.item_id, e.created FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::jsonb[], "
      "$6::text[])"
      " WITH ORDINALITY AS r(tenant, vendor, operation, key, spec, partner_key, n)"
      " CROSS JOIN LATERAL partnerkit.enqueue(r.tenant, r.vendor, r.operation, r.key, r.spec, r.partner_key) "
      "e"
      " ORDER BY r.n",
      std::move(p), true);
  if (!r) co_return r.error();
  std::vector<Enqueued> out;
  for (std::size_t i = 0; i < r->rows.size(); ++i)
    out.push_back(Enqueued{to_int<std::int64_t>(r->rows[i][0]), r->rows[i][1].value_or("f") == "t"});
  if (out.size() != requests.size())
    co_return Error::make(errc::protocol, "PostgreSQL: enqueue answered " + std::to_string(out.size()) +
                                              " rows for " + std::to_string(requests.size()) + " requests");
  co_return out;
}

Store::task<std::vector<Item>> Store::claim(std::string owner, int limit, std::chrono::milliseconds lease,
                                            std::vector<std::string> vendors) {
  std::vector<Value> vs(vendors.begin(), vendors.end());
  auto p = params(owner, std::to_string(limit), interval_ms(lease), array_or_null(vs));
  // Committed without waiting for the WAL flush (synchronous_commit off for this transaction only):
  // nothing is sent before the intents' own commit, which flushes the WAL up to and past this one;
  // a crash before that loses the claim and so leaves the items pending, never sent.
  auto r = co_await query(
      "SELECT c.* FROM (SELECT set_config('synchronous_commit', 'off', true)) AS async,"
      " partnerkit.claim($1, $2, $3::interval, $4::text[]) AS c ORDER BY c.id",
      std::move(p), false);
  if (!r) co_return r.error();
  std::vector<Item> out;
  for (std::size_t i = 0; i < r->rows.size(); ++i) {
    auto it = item_from_row(*r, i);
    if (!it) co_return it.error();
    out.push_back(std::move(*it));
  }
  co_return out;
}

Store::task<std::vector<std::int64_t>> Store::heartbeat(std::string owner,
                                                        std::vector<std::pair<std::int64_t, int>> held,
                                                        std::chrono::milliseconds lease) {
  std::vector<Value> ids, attempts;
  for (auto& [id, attempt] : held) {
    ids.emplace_back(std::to_string(id));
    attempts.emplace_back(std::to_string(attempt));
  }
  auto p = params(owner, array_literal(ids), array_literal(attempts), interval_ms(lease));
  auto r = co_await query(
      "SELECT array(SELECT partnerkit.heartbeat($1, $2::bigint[], $3::integer[], $4::interval))",
      std::move(p), true);
  if (!r) co_return r.error();
  co_return parse_int_array(r->rows.at(0).at(0));
}

Store::task<bool> Store::record_event(std::int64_t id, int attempt, std::string owner, std::string kind,
                                      json::value detail) {
  auto p = params(std::to_string(id), std::to_string(attempt), owner, kind, json::serialize(detail));
  auto r = co_await query("SELECT partnerkit.record_event($1, $2, $3, $4, $5::jsonb)", std::move(p), true);
  if (!r) co_return r.error();
  co_return r->rows.at(0).at(0).value_or("f") == "t";
}

Store::task<bool> Store::complete(Completion c) {
  auto r =
      co_await query("SELECT partnerkit.complete($1, $2, $3, $4, $5::jsonb, $6, $7::interval, $8::jsonb)",
                     params(std::to_string(c.id), std::to_string(c.attempt), c.owner,
                            std::string(to_string(c.outcome)), json::serialize(c.result),
                            or_null(c.error_code), interval_ms(c.retry_in), json_or_null(c.response)),
                     true);
  if (!r) co_return r.error();
  co_return r->rows.at(0).at(0).value_or("f") == "t";
}

Store::task<std::vector<std::int64_t>> Store::rescue_expired(int limit) {
  auto p = params(std::to_string(limit));
  auto r = co_await query("SELECT array(SELECT partnerkit.rescue_expired($1))", std::move(p), true);
  if (!r) co_return r.error();
  co_return parse_int_array(r->rows.at(0).at(0));
}

Store::task<std::int64_t> Store::ensure_credential(std::string vendor, std::string account,
                                                   std::string api_key, double rate_per_second, int burst,
                                                   bool keep_policy) {
  char rate[64];
  std::snprintf(rate, sizeof rate, "%.9g", rate_per_second);
  auto p = params(credential_fingerprint(vendor, account, api_key), vendor, std::string(rate),
                  std::to_string(burst), std::string(keep_policy ? "t" : "f"));
  auto r =
      co_await query("SELECT partnerkit.ensure_credential($1, $2, $3::double precision, $4, $5::boolean)",
                     std::move(p), true);
  if (!r) co_return r.error();
  co_return to_int<std::int64_t>(r->rows.at(0).at(0));
}

Store::task<Store::RatePolicyRow> Store::read_rate_policy(std::int64_t credential) {
  auto p = params(std::to_string(credential));
  auto r = co_await query(
      "SELECT rate_policy::text, rate_policy_version FROM partnerkit.credentials WHERE id = $1", std::move(p),
      true);
  if (!r) co_return r.error();
  if (r->rows.empty())
    co_return Error::make(errc::invalid_input, "no credential " + std::to_string(credential));
  co_return RatePolicyRow{r->rows[0].at(0), to_int<std::int64_t>(r->rows[0].at(1))};
}

Store::task<bool> Store::set_rate_policy(std::int64_t credential, std::string policy,
                                         std::int64_t interval_us, std::int64_t version) {
  auto p = params(std::to_string(credential), std::move(policy), std::to_string(interval_us),
                  std::to_string(version));
  auto r = co_await query("SELECT partnerkit.set_rate_policy($1, $2::jsonb, $3, $4)", std::move(p), false);
  if (!r) co_return r.error();
  co_return r->rows.at(0).at(0) == std::optional<std::string>("t");
}

Store::task<std::vector<std::chrono::microseconds>> Store::reserve_slots(
    std::int64_t credential, int count, std::chrono::microseconds max_delay) {
  auto p = params(std::to_string(credential), std::to_string(count), std::to_string(max_delay.count()));
  // Not waiting for the WAL flush either (see claim): a slot is only used by a request whose intent
  // committed later, which flushes this; a crash before that only hands the unused slots out again.
  auto r = co_await query(
      "SELECT s.delay_us FROM (SELECT set_config('synchronous_commit', 'off', true)) AS async,"
      " partnerkit.reserve_slots($1, $2, $3) AS s ORDER BY s.slot_at",
      std::move(p), false);
  if (!r) co_return r.error();
  std::vector<std::chrono::microseconds> out;
  for (auto& row : r->rows) out.emplace_back(to_int<std::int64_t>(row.at(0)));
  co_return out;
}

Store::task<void> Store::penalize(std::int64_t credential, std::chrono::milliseconds retry_after,
                                  bool exhausted) {
  auto p = params(std::to_string(credential), interval_ms(retry_after), std::string(exhausted ? "t" : "f"));
  auto r = co_await query("SELECT partnerkit.penalize($1, $2::interval, $3::boolean)", std::move(p), true);
  if (!r) co_return r.error();
  co_return Result<void>{};
}

Store::task<StatusReport> Store::status() {
  auto r = co_await query(
      "SELECT"
      " (SELECT coalesce(jsonb_agg(jsonb_build_array(state, vendor, n, tenant)), '[]') FROM"
      "   (SELECT state, vendor, tenant, count(*) AS n FROM partnerkit.items GROUP BY state, vendor, tenant) "
      "s),"
      " (SELECT coalesce(jsonb_object_agg(code, n), '{}') FROM"
      "   (SELECT coalesce(error_code, 'unknown') AS code, count(*) AS n FROM partnerkit.items"
      "     WHERE state = 'failed' GROUP BY 1) f),"
      " (SELECT jsonb_build_object('id', id, 'state', state,"
      "   'created_at', to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"'),"
      "   'age_seconds', extract(epoch FROM clock_timestamp() - created_at)::double precision)"
      "   FROM partnerkit.items WHERE state IN ('pending', 'running', 'reconcile') ORDER BY id LIMIT 1)",
      std::vector<Value>{}, true);
  if (!r) co_return r.error();
  StatusReport out = empty_report();
  try {
    auto groups = json::parse(r->rows.at(0).at(0).value_or("[]"));
    for (auto& g : groups.as_array()) {
      auto& a = g.as_array();
      std::string state(a.at(0).as_string()), vendor(a.at(1).as_string());
      auto n = a.at(2).to_number<std::int64_t>();
      out.by_state[state] += n;
      out.by_vendor[vendor][state] += n;
      out.by_tenant[std::string(a.at(3).as_string())][vendor][state] += n;
    }
    auto failures = json::parse(r->rows.at(0).at(1).value_or("{}"));
    for (auto& [code, n] : failures.as_object())
      out.failures_by_code[std::string(code)] = n.to_number<std::int64_t>();
    if (auto& o = r->rows.at(0).at(2)) {
      auto v = json::parse(*o);
      auto& obj = v.as_object();
      out.oldest_unfinished = StatusReport::Oldest{
          obj.at("id").to_number<std::int64_t>(), std::string(obj.at("state").as_string()),
          std::string(obj.at("created_at").as_string()), obj.at("age_seconds").to_number<double>()};
    }
  } catch (const std::exception& e) {
    co_return Error::make(errc::protocol, std::string("PostgreSQL: unexpected status answer: ") + e.what());
  }
  co_return out;
}

Store::task<std::optional<Item>> Store::get(std::int64_t id) {
  auto p = params(std::to_string(id));
  auto r = co_await query("SELECT * FROM partnerkit.items WHERE id = $1", std::move(p), true);
  if (!r) co_return r.error();
  if (r->rows.empty()) co_return std::optional<Item>{};
  auto it = item_from_row(*r, 0);
  if (!it) co_return it.error();
  co_return std::optional<Item>(std::move(*it));
}

}  // namespace partnerkit::pg
