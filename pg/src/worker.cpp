// The queue worker (worker.hpp): a claimer, a completer and a listener coroutine on one executor,
// and one coroutine per item between its slot and its outcome.
#include "queued_operation.hpp"
#include "shared_rate.hpp"
#include "worker_parts.hpp"

#include <partnerkit/client.hpp>
#include <partnerkit/env_names.hpp>
#include <partnerkit/pg/worker.hpp>
#include <partnerkit/policy/pacer.hpp>
#include <partnerkit/policy/retry_loop.hpp>
#include <partnerkit/spec_json.hpp>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <algorithm>
#include <cstdlib>
#include <mutex>
#include <random>
#include <unordered_map>

namespace partnerkit::pg {

namespace asio = boost::asio;
namespace json = boost::json;
using namespace std::chrono_literals;
using clock_type = std::chrono::steady_clock;

using namespace worker_detail;

struct Worker::Impl : std::enable_shared_from_this<Impl> {
  Impl(asio::any_io_executor ex, std::string conninfo, std::shared_ptr<const AdapterRegistry> reg,
       std::shared_ptr<Transport> tr, WorkerOptions opts)
      : executor(ex),
        registry(std::move(reg)),
        transport(std::move(tr)),
        options(std::move(opts)),
        claim_db(ex, conninfo),
        done_db(ex, conninfo),
        listen_db(ex, conninfo),
        claimer_timer(ex),
        completer_timer(ex),
        listener_timer(ex),
        rng(std::random_device{}()) {
    if (options.owner.empty()) options.owner = default_owner();
    if (!options.keys) options.keys = std::make_shared<EnvKeyProvider>();
    options.batch = std::max(1, options.batch);
    options.concurrency = std::max(1, options.concurrency);
    for (const auto& v : options.vendors) {
      vendors[v.name] = &v;
      vendor_names.push_back(v.name);
      metrics.vendors[v.name];
    }
  }

  asio::any_io_executor executor;
  std::shared_ptr<const AdapterRegistry> registry;
  std::shared_ptr<Transport> transport;
  WorkerOptions options;
  Store claim_db, done_db;
  Connection listen_db;
  asio::steady_timer claimer_timer, completer_timer, listener_timer;
  bool claimer_woken = false, completer_woken = false;
  bool stopping = false, claimer_done = false;
  std::map<std::string, const WorkerVendor*, std::less<>> vendors;
  std::vector<std::string> vendor_names;
  std::map<std::string, Credential> credentials;  // by fingerprint
  // vendor '\0' key -> its credential (the keys already live in the Clients' options)
  std::unordered_map<std::string, Credential*> credential_of_key;
  std::map<std::string, OperationSupport, std::less<>> operation_support;  // by vendor
  using Key = std::pair<std::int64_t, int>;  // {item id, attempt}: a re-claim of a lost item is another
  std::map<Key, Held> held;
  std::vector<Completion> completions;
  std::vector<Penalty> penalties;
  WorkerMetrics metrics;
  std::mt19937_64 rng;

  void log(const std::string& line) {
    if (options.log) options.log(line);
  }
  void db_ok() {
    ++metrics.db_round_trips;
    if (!metrics.healthy) log("database: connected");
    metrics.healthy = true;
  }
  void db_error(std::string_view what, const Error& e) {
    ++metrics.db_round_trips;
    ++metrics.db_errors;
    if (metrics.healthy) log(std::string(what) + ": " + e.message + " (retrying)");
    metrics.healthy = false;
  }

  static void wake(asio::steady_timer& t, bool& flag) {
    flag = true;
    t.cancel();
  }
  // Sleeps up to d, or until woken (a wake-up that came while awake is not lost).
  static asio::awaitable<void> sleep(asio::steady_timer& t, bool& flag, clock_type::duration d) {
    if (!flag) {
      t.expires_after(d);
      co_await t.async_wait(asio::as_tuple(asio::use_awaitable));
    }
    flag = false;
  }

  std::chrono::milliseconds backoff(int attempt) {
    double cap = static_cast<double>(options.backoff.initial.count());
    for (int i = 1; i < attempt && cap < static_cast<double>(options.backoff.max.count()); ++i)
      cap *= options.backoff.multiplier;
    cap = std::min(cap, static_cast<double>(options.backoff.max.count()));
    std::uniform_real_distribution<double> d(0, cap);
    return std::chrono::milliseconds(static_cast<long long>(d(rng)));
  }

  void finish(Completion c) {
    c.owner = options.owner;
    completions.push_back(std::move(c));
    wake(completer_timer, completer_woken);
  }
  void fail_now(const Item& item, errc code, std::string message) {
    fail_now(item, Error::make(code, std::move(message)));
  }
  void fail_now(const Item& item, const Error& e) {
    const errc code = e.code;
    ++metrics.vendors[item.vendor].outcomes[std::string(to_string(code))];
    finish(Completion{
        item.id, item.attempt, {}, Outcome::failed, to_json(e), std::string(to_string(code)), 0ms, nullptr});
  }
  void drop(Key key) {  // let the lease expire: the item goes to reconcile
    held.erase(key);
    wake(claimer_timer, claimer_woken);
  }

  asio::awaitable<Result<Credential*>> credential(const WorkerVendor& v, const std::string& key) {
    auto fp = credential_fingerprint(v.name, "", key);
    if (auto it = credentials.find(fp); it != credentials.end()) co_return &it->second;
    // A margin of 2 % under the stated limit for the jitter between slot and arrival (the Client's
    // pacer does the same). Without --rate, what the workers learnt or probed stays.
    auto rate = std::make_shared<detail::SharedRate>(
        v.name, v.declared, v.rate_is_explicit ? std::optional<RateLimit>(v.rate) : std::nullopt);
    auto id = co_await claim_db.ensure_credential(
        v.name, "", key, v.rate.requests_per_second() * detail::SharedRate::under_limit,
        std::max(1, static_cast<int>(v.rate.burst)), !v.rate_is_explicit);
    if (!id) {
      db_error("database (credential)", id.error());
      co_return id.error();
    }
    db_ok();
    ClientOptions co;
    co.retry.max_attempts = 1;  // retries go through the queue: each request has its own intent
    co.retry.max_elapsed = options.call_timeout;
    co.call_timeout = options.call_timeout;
    co.hooks = options.hooks;
    VendorOptions vo;
    vo.config = v.config;
    vo.config.api_key = key;
    vo.paced_by_caller = true;  // the database's GCRA paces every worker
    co.vendors.emplace(v.name, std::move(vo));
    auto& c = credentials[fp];
    c.id = *id;
    c.rate = rate;
    // A 429 saying the key is exhausted (X-RateLimit-Remaining 0 with a reset) pauses the key for
    // every worker; any other 429 only slows it (policy/pacer.hpp's rule, held in the database).
    // (after_throttled, not after_response: a hook on every answer redacted every answer, about a
    // tenth of the worker's CPU per item.)
    // Its limit, if it states one, feeds the rate policy the workers share (SharedRate).
    co.hooks.after_throttled = [user = options.hooks.after_throttled, signal = c.signal, rate](
                                   const HttpRequest& request, const HttpResponse& response,
                                   std::chrono::microseconds elapsed) {
      const auto o = rate->observe(response);
      {
        std::lock_guard lock(signal->mutex);
        signal->exhausted_for.reset();
        if (o.remaining && *o.remaining < 1 && o.reset) signal->exhausted_for = *o.reset;
      }
      if (user) user(request, response, elapsed);
    };
    c.client = std::make_shared<Client>(executor, registry, transport, std::move(co));
    co_return &c;
  }

  // Asked of the adapter once per vendor (building the capabilities per item was a fiftieth of the
  // worker's CPU per item).
  const OperationSupport& operations(const std::string& vendor) {
    auto [it, fresh] = operation_support.try_emplace(vendor);
    if (!fresh) return it->second;
    if (auto adapter = registry->find(vendor)) {
      try {
        it->second = adapter->capabilities().operations;
      } catch (const std::exception&) {  // a plugin's bug: the Client reports it on the request
      }
    }
    return it->second;
  }

  // The outcome of one item's requests, as the queue records it.
  Completion classify(const Held& h, Result<std::optional<Partner>>& r) {
    const Item& item = h.item;
    if (!options.keep_raw && r && *r) (*r)->raw = nullptr;  // an operation other than a create
    auto& vm = metrics.vendors[item.vendor];
    Completion c{item.id, item.attempt, {}, Outcome::done, nullptr, {}, 0ms, nullptr};
    if (r || r.error().attempts > 0) c.response = response_detail(r);  // only when something went out
    if (r) {
      ++vm.outcomes[*r ? std::string(to_string((*r)->outcome)) : "not_found"];
      c.result = *r ? to_json(**r) : json::value(json::object{{"found", false}});
      return c;
    }
    const Error& e = r.error();
    c.result = to_json(e);
    c.error_code = std::string(to_string(e.code));
    if (e.code == errc::rate_limited) {
      ++vm.rate_limited;
      Penalty p{h.credential->id, e.retry_after.value_or(1000ms), false};
      {
        std::lock_guard lock(h.credential->signal->mutex);
        if (auto& x = h.credential->signal->exhausted_for) {
          p.exhausted = true;
          p.wait = std::max(p.wait, *x);
          x.reset();
        }
      }
      penalties.push_back(p);
    }
    if (e.retryable && item.attempt < options.max_attempts) {
      ++vm.retries;
      c.retry_in = std::max(backoff(item.attempt), e.retry_after.value_or(0ms));
      // Once a create or a deactivate may have been applied, the item stays reconciling until it is
      // done: a later attempt that provably changed nothing (a reset before writing, a 429) proves
      // nothing about it. A vendor refuses both a second time (already exists; Partnero's 400
      // "Action failed", Dub's "This partner is banned."), so they look first. find, get and update
      // read or set state: sending them again is safe, so they retry.
      const bool look_first = item.operation == Operation::create || item.operation == Operation::deactivate;
      c.outcome = look_first && (item.reconciling || policy::may_have_been_applied(e, e.attempts > 0))
                      ? Outcome::reconcile
                      : Outcome::retry;
      return c;
    }
    ++vm.outcomes[c.error_code];
    c.outcome = Outcome::failed;
    return c;
  }

  asio::awaitable<void> run_item(Key id, clock_type::time_point at) {
    auto self = shared_from_this();
    asio::steady_timer t(executor);
    t.expires_at(at);
    co_await t.async_wait(asio::as_tuple(asio::use_awaitable));
    auto it = held.find(id);
    if (it == held.end()) co_return;
    if (it->second.lost) {
      drop(id);
      co_return;
    }
    Held& h = it->second;
    auto& vm = metrics.vendors[h.item.vendor];
    ++vm.requests;
    if (h.item.reconciling) ++vm.reconciled;
    const auto t0 = clock_type::now();
    Credential* cred = h.credential;  // a node of `credentials`: stable
    // Copies: `held` may change while the requests are out.
    auto r = co_await run_operation(h.credential->client, h.item.vendor, operations(h.item.vendor), h.op,
                                    h.item.reconciling, options.keep_raw);
    if (r) cred->rate->answered();
    const double secs = std::chrono::duration<double>(clock_type::now() - t0).count();
    std::size_t b = 0;
    while (b < WorkerMetrics::latency_buckets.size() && secs > WorkerMetrics::latency_buckets[b]) ++b;
    ++vm.latency[b];
    vm.latency_sum += secs;
    it = held.find(id);
    if (it == held.end()) co_return;
    finish(classify(it->second, r));
  }

  // Slots, intents and the items' coroutines for a claimed batch.
  asio::awaitable<void> schedule(std::vector<Item> items) {
    std::map<std::int64_t, std::vector<Key>> waiting;  // credential -> items, claim order
    std::map<std::int64_t, Credential*> by_id;         // (nodes of `credentials`: stable)
    for (auto& item : items) {
      const Key id{item.id, item.attempt};
      auto vit = vendors.find(item.vendor);
      Held h;
      h.item = std::move(item);
      held.emplace(id, std::move(h));
      Held& hh = held.at(id);
      if (vit == vendors.end()) {
        fail_now(hh.item, errc::invalid_input, "vendor " + hh.item.vendor + " is not served by this worker");
        continue;
      }
      auto op = read_queued_operation(hh.item.operation, hh.item.vendor, hh.item.spec);
      if (!op) {
        fail_now(hh.item, op.error());
        continue;
      }
      hh.op = std::move(*op);
      if (!declares(operations(hh.item.vendor), hh.op)) {
        fail_now(hh.item, errc::unsupported_operation,
                 hh.item.vendor + " does not declare " + std::string(to_string(hh.item.operation)) +
                     (hh.op.partner_id ? "" : " or a lookup by the item's external_id or email") +
                     " (its adapter's capabilities): nothing was sent");
        continue;
      }
      auto key = options.keys->api_key(hh.item.tenant, hh.item.vendor);
      if (!key) {
        fail_now(hh.item, errc::unauthenticated,
                 "no API key for vendor " + hh.item.vendor + " of tenant " + hh.item.tenant +
                     " in the worker's environment");
        continue;
      }
      // By vendor and key first: a SHA-256 per item was a twentieth of the worker's CPU per item.
      std::string by_key = hh.item.vendor + '\0' + *key;
      Credential* cred = nullptr;
      if (auto it = credential_of_key.find(by_key); it != credential_of_key.end()) {
        cred = it->second;
      } else {
        auto found = co_await credential(*vit->second, *key);
        if (!found) {
          drop(id);
          continue;
        }
        cred = *found;
        credential_of_key.emplace(std::move(by_key), cred);
      }
      held.at(id).credential = cred;
      waiting[cred->id].push_back(id);
      by_id[cred->id] = cred;
    }
    asio::steady_timer pause(executor);
    while (!waiting.empty()) {
      std::vector<std::pair<Key, clock_type::time_point>> ready;
      auto ask_again = std::min<clock_type::duration>(options.max_slot_wait / 2, 500ms);
      for (auto it = waiting.begin(); it != waiting.end();) {
        auto& ids = it->second;
        auto* cred = by_id.at(it->first);
        co_await cred->rate->sync(claim_db, it->first, [this](std::string line) { log(line); });
        // While the rate probes upward, slots a second ahead at today's rate would outlast it.
        auto ahead = options.max_slot_wait;
        if (cred->rate->state().probing()) {
          ahead = std::min(ahead, std::chrono::milliseconds(250));
          ask_again = std::min<clock_type::duration>(ask_again, 100ms);
        }
        auto slots = co_await claim_db.reserve_slots(it->first, static_cast<int>(ids.size()),
                                                     std::chrono::microseconds(ahead));
        // The delays count from the database's "now", which was before the answer arrived: counted
        // from the arrival, a send is late by at most the round trip, never early.
        const auto asked = clock_type::now();
        if (!slots) {
          db_error("database (reserve)", slots.error());
          for (auto id : ids) drop(id);
          it = waiting.erase(it);
          continue;
        }
        db_ok();
        std::size_t n = std::min(slots->size(), ids.size());
        if (n < ids.size() || (n > 0 && (*slots)[n - 1] > 1ms)) cred->rate->held_back();
        for (std::size_t i = 0; i < n; ++i) ready.emplace_back(ids[i], asked + (*slots)[i]);
        ids.erase(ids.begin(), ids.begin() + static_cast<std::ptrdiff_t>(n));
        if (ids.empty())
          it = waiting.erase(it);
        else
          ++it;
      }
      if (!ready.empty()) co_await start_intents(std::move(ready));
      if (!waiting.empty()) {  // booked past max_slot_wait: ask again soon
        pause.expires_after(ask_again);
        co_await pause.async_wait(asio::as_tuple(asio::use_awaitable));
      }
    }
  }

  // The intents, committed before any of these requests leaves (one statement per operation, each
  // naming what is about to be sent); then each item's coroutine.
  asio::awaitable<void> start_intents(std::vector<std::pair<Key, clock_type::time_point>> ready) {
    std::map<Operation, std::vector<std::pair<std::int64_t, int>>> asks;
    for (auto& [id, at] : ready) {
      auto it = held.find(id);
      if (it != held.end() && !it->second.lost) asks[it->second.item.operation].push_back(id);
    }
    std::vector<std::int64_t> accepted;
    asio::steady_timer pause(executor);
    for (auto& [op, ask] : asks) {
      std::sort(ask.begin(), ask.end());  // every statement locks items in id order: no deadlocks
      for (int tries = 0; tries < 5; ++tries) {
        auto r = co_await claim_db.record_intents(options.owner, ask, intent_detail(op));
        if (r) {
          db_ok();
          accepted.insert(accepted.end(), r->begin(), r->end());
          break;
        }
        db_error("database (intents)", r.error());
        pause.expires_after(std::chrono::milliseconds(200 << tries));
        co_await pause.async_wait(asio::as_tuple(asio::use_awaitable));
      }
    }
    std::sort(accepted.begin(), accepted.end());
    for (auto& [id, at] : ready) {
      if (!std::binary_search(accepted.begin(), accepted.end(), id.first)) {
        drop(id);  // fenced, or the database stayed away: the lease expires into reconcile
        continue;
      }
      asio::co_spawn(executor, run_item(id, at), asio::detached);
    }
  }

  asio::awaitable<void> claimer() {
    auto next_rescue = clock_type::now();
    const auto rescue_every = std::max<clock_type::duration>(options.lease / 2, 500ms);
    while (!stopping) {
      if (clock_type::now() >= next_rescue) {
        auto r = co_await claim_db.rescue_expired();
        if (r) {
          db_ok();
          metrics.leases_rescued += r->size();
          if (!r->empty()) log("rescued " + std::to_string(r->size()) + " expired lease(s) into reconcile");
        } else {
          db_error("database (rescue)", r.error());
        }
        next_rescue = clock_type::now() + rescue_every;
        continue;
      }
      const int room = options.concurrency - static_cast<int>(held.size());
      if (room <= 0) {
        co_await sleep(claimer_timer, claimer_woken, options.poll);
        continue;
      }
      auto items =
          co_await claim_db.claim(options.owner, std::min(options.batch, room), options.lease, vendor_names);
      if (!items) {
        db_error("database (claim)", items.error());
        co_await sleep(claimer_timer, claimer_woken, 1s);
        continue;
      }
      db_ok();
      if (items->empty()) {
        co_await sleep(claimer_timer, claimer_woken,
                       std::min<clock_type::duration>(options.poll, next_rescue - clock_type::now()));
        continue;
      }
      metrics.claimed += items->size();
      co_await schedule(std::move(*items));
    }
    claimer_done = true;
    wake(completer_timer, completer_woken);
  }

  asio::awaitable<void> completer() {
    const auto beat = std::max<clock_type::duration>(options.lease / 3, 100ms);
    auto next_beat = clock_type::now() + beat;
    for (;;) {
      if (stopping && claimer_done && held.empty() && completions.empty()) break;
      if (!penalties.empty()) {
        auto batch = std::move(penalties);
        penalties.clear();
        for (auto& p : batch) {
          auto r = co_await done_db.penalize(p.credential, p.wait, p.exhausted);
          if (r)
            db_ok();
          else
            db_error("database (penalize)", r.error());
        }
        continue;
      }
      if (!completions.empty()) {
        auto batch = std::move(completions);
        completions.clear();
        std::sort(batch.begin(), batch.end(), [](const Completion& a, const Completion& b) {
          return std::pair(a.id, a.attempt) < std::pair(b.id, b.attempt);
        });
        auto r = co_await done_db.complete_all(batch);
        if (!r) {
          db_error("database (complete)", r.error());
          completions.insert(completions.begin(), std::make_move_iterator(batch.begin()),
                             std::make_move_iterator(batch.end()));
          co_await sleep(completer_timer, completer_woken, 500ms);
          continue;
        }
        db_ok();
        for (std::size_t i = 0; i < batch.size(); ++i) {
          ++((*r)[i] ? metrics.completed : metrics.fenced);
          held.erase(Key{batch[i].id, batch[i].attempt});
        }
        wake(claimer_timer, claimer_woken);
        continue;
      }
      if (clock_type::now() >= next_beat) {
        std::vector<std::pair<std::int64_t, int>> mine;
        for (auto& [key, h] : held)
          if (!h.lost) mine.push_back(key);
        if (!mine.empty()) {
          auto r = co_await done_db.heartbeat(options.owner, mine, options.lease);
          if (!r) {
            db_error("database (heartbeat)", r.error());
            next_beat = clock_type::now() + 1s;
            continue;
          }
          db_ok();
          std::sort(r->begin(), r->end());
          for (auto& key : mine) {
            auto it = held.find(key);
            if (it == held.end() || std::binary_search(r->begin(), r->end(), key.first)) continue;
            it->second.lost = true;
            ++metrics.leases_lost;
          }
        }
        next_beat = clock_type::now() + beat;
        continue;
      }
      co_await sleep(completer_timer, completer_woken, next_beat - clock_type::now());
    }
  }

  asio::awaitable<void> listener() {
    while (!stopping) {
      auto r = co_await listen_db.async_query("LISTEN partnerkit_items", std::vector<Value>{},
                                              asio::use_awaitable);
      if (r) {
        wake(claimer_timer, claimer_woken);  // notifications sent while we were away are lost: poll once
        for (;;) {
          auto n = co_await listen_db.async_wait_notification(asio::use_awaitable);
          if (!n) break;
          wake(claimer_timer, claimer_woken);
        }
      }
      if (stopping) break;
      bool unused = false;
      co_await sleep(listener_timer, unused, 1s);
    }
  }

  void stop() {
    if (stopping) return;
    stopping = true;
    metrics.draining = true;
    log("draining: claiming nothing more, finishing " + std::to_string(held.size()) + " item(s)");
    listen_db.close();
    listener_timer.cancel();
    wake(claimer_timer, claimer_woken);
    wake(completer_timer, completer_woken);
  }
};

Worker::Worker(asio::any_io_executor executor, std::string conninfo,
               std::shared_ptr<const AdapterRegistry> registry, std::shared_ptr<Transport> transport,
               WorkerOptions options)
    : impl_(std::make_shared<Impl>(executor, std::move(conninfo), std::move(registry), std::move(transport),
                                   std::move(options))) {}

Worker::~Worker() = default;

asio::awaitable<Result<void>> Worker::run() {
  auto impl = impl_;
  // A database that is down or restarting is waited for, as it is once running (a worker started
  // beside a PostgreSQL that is still coming up must not exit); one that refuses us is an error.
  auto v = co_await impl->claim_db.schema_version();
  for (auto wait = 200ms; !v && v.error().retryable && !impl->stopping; wait = std::min(wait * 2, 5000ms)) {
    if (wait == 200ms) impl->log("database: " + v.error().message + " (retrying)");
    impl->db_error("database", v.error());
    co_await Impl::sleep(impl->claimer_timer, impl->claimer_woken, wait);
    v = co_await impl->claim_db.schema_version();
  }
  if (!v) co_return v.error();
  constexpr int needed = 5;  // record_intents, complete_many (4); the shared rate policy (5)
  if (*v < needed)
    co_return Error::make(errc::invalid_input, "PostgreSQL: the database's partnerkit schema is at version " +
                                                   std::to_string(*v) + ", the worker needs " +
                                                   std::to_string(needed) + ": run partnerkit db migrate");
  impl->db_ok();
  for (const auto& vendor : impl->options.vendors)
    if (!impl->registry->find(vendor.name))
      co_return Error::make(errc::invalid_input, "unknown vendor " + vendor.name);
  using namespace asio::experimental::awaitable_operators;
  co_await (impl->claimer() && impl->completer() && impl->listener());
  co_return Result<void>{};
}

void Worker::stop() { impl_->stop(); }

WorkerMetrics Worker::metrics() const {
  WorkerMetrics m = impl_->metrics;
  m.held = impl_->held.size();
  return m;
}

const std::string& Worker::owner() const noexcept { return impl_->options.owner; }

}  // namespace partnerkit::pg
