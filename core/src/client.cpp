// partnerkit::Client. Every operation (create, find, get, update, deactivate) runs on one machine,
// OpBase: resolve the vendor, then steps — one encoded request each — sent with the rate limit,
// retries with backoff, the call deadline, cancellation and hooks, and decoded by the adapter's
// function for that operation. A flow (ProvisionOp, FindOp, SingleOp) says which steps to send and
// what each answer means; reconciliation by lookup is ProvisionOp's flow.
#include <partnerkit/client.hpp>
#include <partnerkit/http_errors.hpp>
#include <partnerkit/policy/pacer.hpp>
#include <partnerkit/policy/retry_loop.hpp>
#include <partnerkit/secrets.hpp>
#include <partnerkit/text/ascii.hpp>
#include <partnerkit/transport_errors.hpp>
#include <partnerkit/validation.hpp>

#include <boost/asio/bind_cancellation_slot.hpp>
#include <boost/asio/bind_executor.hpp>
#include <boost/asio/cancellation_signal.hpp>
#include <boost/asio/dispatch.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/use_future.hpp>

#include <algorithm>
#include <atomic>
#include <charconv>
#include <exception>
#include <mutex>
#include <random>
#include <unordered_map>

namespace partnerkit {
namespace asio = boost::asio;
using steady = std::chrono::steady_clock;

std::string_view to_string(Reconcile r) noexcept { return r == Reconcile::lookup ? "lookup" : "duplicate"; }

std::optional<Reconcile> reconcile_from_string(std::string_view s) noexcept {
  if (s == "lookup") return Reconcile::lookup;
  if (s == "duplicate") return Reconcile::duplicate;
  return std::nullopt;
}

namespace {
class OpBase;
}

struct detail::ClientState {
  Client::executor_type executor;
  std::shared_ptr<const AdapterRegistry> registry;
  std::shared_ptr<Transport> transport;
  ClientOptions options;

  std::mutex mutex;                                                     // guards everything below
  std::map<std::pair<std::string, std::string>, policy::Pacer> pacers;  // (vendor, api key)
  std::mt19937_64 seeder;
  std::unordered_map<const void*, std::weak_ptr<OpBase>> live;
  // Each adapter's capabilities, asked once: a copy per call (its vectors of strings) cost ~3 % of a
  // create's client instructions.
  std::unordered_map<const Adapter*, std::shared_ptr<const Capabilities>> capabilities;
  bool closed = false;
  std::map<std::string, Scrubber, std::less<>> scrubbers;  // per vendor: its key's and settings' secrets

  std::uint64_t next_seed() {
    std::lock_guard lock(mutex);
    return seeder();
  }

  // The secrets of one operation on `vendor`: the vendor's (built once per Client) and the spec's.
  Scrubber scrubber_for(const std::string& vendor, const Adapter& adapter, const PartnerSpec* spec,
                        const VendorConfig& config) {
    Scrubber base;
    {
      std::lock_guard lock(mutex);
      auto it = scrubbers.find(vendor);
      if (it == scrubbers.end())
        it = scrubbers.emplace(vendor, operation_scrubber(&adapter, nullptr, config)).first;
      base = it->second;
    }
    return Scrubber(operation_secrets(&adapter, spec, config), base);
  }
};

namespace {

using Partners = std::vector<Partner>;

using text::iequals;

std::string_view key_name(FindQuery::Key k) noexcept {
  switch (k) {
    case FindQuery::Key::external_id:
      return "external_id";
    case FindQuery::Key::email:
      return "email";
    case FindQuery::Key::vendor_id:
      return "vendor_id";
  }
  return "key";
}

bool supports(const OperationSupport& s, Operation op, FindQuery::Key key = FindQuery::Key::email) {
  switch (op) {
    case Operation::create:
      return true;
    case Operation::find:
      return key == FindQuery::Key::external_id ? s.find_by_external_id
             : key == FindQuery::Key::email     ? s.find_by_email
                                                : s.find_by_vendor_id;
    case Operation::get:
      return s.get;
    case Operation::update:
      return s.update;
    case Operation::deactivate:
      return s.deactivate;
  }
  return false;
}

// The partners of a find answer whose key matches the query exactly. External ids are not part
// of Partner: for them the adapter's decode_find is the judge (the contract says exact matches only).
Partners exact_matches(Partners found, const FindQuery& q) {
  std::erase_if(found, [&](const Partner& p) {
    switch (q.key) {
      case FindQuery::Key::email:
        return !iequals(p.email, q.value);
      case FindQuery::Key::vendor_id:
        return !p.id || *p.id != q.value;
      case FindQuery::Key::external_id:
        return false;
    }
    return true;
  });
  return found;
}

Error ambiguous(const std::string& vendor, const FindQuery& q, const Partners& found) {
  std::string ids;
  for (const auto& p : found) {
    if (!ids.empty()) ids += ", ";
    ids += p.id.value_or("(no id)");
  }
  return Error::make(errc::protocol,
                     std::to_string(found.size()) + " partners on " + vendor + " match " +
                         std::string(key_name(q.key)) + " exactly (" + ids + "); expected at most one",
                     std::string(key_name(q.key)));
}

// A duplicate that concerns the partner itself (its email, or no field named) may be our own earlier
// attempt; a referral key or id taken by someone else is a real conflict, never reconciled.
bool names_the_partner(const Error& e) {
  if (e.field.empty() || e.field == "email") return true;
  for (const auto& issue : e.issues)
    if (issue.field == "email") return true;
  return false;
}

// The duplicates a lookup can settle: the partner's email or external id (a lookup by it tells ours
// from someone else's), or no field named.
bool lookup_can_settle(const Error& e) {
  if (names_the_partner(e) || e.field == "external_id") return true;
  for (const auto& issue : e.issues)
    if (issue.field == "external_id") return true;
  return false;
}

// Calls into an adapter: an exception (a bug in it) becomes errc::internal on this call, never a crash.
template <class T, class F>
Result<T> guarded(const Adapter& adapter, std::string_view what, F&& f) {
  try {
    return f();
  } catch (const std::exception& e) {
    return Error::make(errc::internal, "the " + std::string(adapter.name()) + " adapter threw in " +
                                           std::string(what) + ": " + e.what());
  } catch (...) {
    return Error::make(errc::internal,
                       "the " + std::string(adapter.name()) + " adapter threw in " + std::string(what));
  }
}

// One request of an operation: what is sent, and what decode is told about it.
struct Step {
  Operation op = Operation::create;
  EncodedRequest encoded;
  const PartnerSpec* spec = nullptr;  // create, update: what was encoded
  FindQuery query;                    // find
  std::string partner_id;             // get, update, deactivate
  DeactivateOptions deactivate;       // deactivate
};

// The retry budget of a sequence of attempts: a create keeps one across the lookups that interrupt
// it; each lookup has its own.
struct Budget {
  policy::RetryLoop loop;
  int attempts = 0;
};

// The machine every operation runs on. All state changes run on the op's strand; timers and the
// transport are cancelled through it, so the handler completes exactly once.
class OpBase : public std::enable_shared_from_this<OpBase> {
 public:
  OpBase(std::shared_ptr<detail::ClientState> state, std::string vendor)
      : state_(std::move(state)),
        strand_(asio::make_strand(state_->executor)),
        vendor_(std::move(vendor)),
        timer_(strand_),
        deadline_timer_(strand_),
        deadline_(state_->options.call_timeout.count() > 0
                      ? std::optional<steady::time_point>(steady::now() + state_->options.call_timeout)
                      : std::nullopt) {}
  virtual ~OpBase() = default;

  void start() {
    // The slot is connected now, in the initiating call: a cancellation emitted right after
    // async_* returns (before begin() runs on the strand) reaches the op and is not lost.
    auto slot = handler_slot();
    if (slot.is_connected()) {
      slot.assign([weak = weak_from_this()](asio::cancellation_type type) {
        if ((type & (asio::cancellation_type::terminal | asio::cancellation_type::partial |
                     asio::cancellation_type::total)) != asio::cancellation_type::none)
          if (auto self = weak.lock()) self->cancel(errc::cancelled);
      });
    }
    asio::post(strand_, [self = shared_from_this()] { self->shielded([&] { self->begin(); }); });
  }

  // From any thread: ends the op with `code` (cancelled, or timeout for the call deadline).
  void cancel(errc code) {
    if (code == errc::cancelled) cancel_requested_ = true;  // seen by begin()/send() before the post runs
    asio::post(strand_,
               [self = shared_from_this(), code] { self->shielded([&] { self->stop_with(code); }); });
  }

 protected:
  // ---- what a flow implements ----
  // The first step (the vendor, adapter, config and bucket are resolved): send_step() or finish().
  virtual void run() = 0;
  // A step's final answer: success, or the error its retries ended with.
  virtual void on_step(Result<Partners> result) = 0;
  // A create attempt that may have been applied failed and would be retried: true makes the op
  // wait the retry delay and call reconcile() instead of sending the create again.
  virtual bool reconcile_before_retry() { return false; }
  virtual void reconcile() {}
  // A create attempt that may have been applied failed and cannot be reconciled first: false stops
  // the loop (stop_reason::not_idempotent) instead of sending it again.
  virtual bool may_resend_create() const { return true; }
  virtual asio::cancellation_slot handler_slot() = 0;
  // The spec whose secrets (a password) are scrubbed from what the operation hands out.
  virtual const PartnerSpec* scrub_spec() const { return nullptr; }
  // Hands the result to the handler: posted, never inline. Called once.
  virtual void complete(Result<Partners> result) = 0;

  // ---- what a flow calls ----
  Budget new_budget() {
    return Budget{policy::RetryLoop(state_->options.retry, state_->options.backoff, state_->next_seed(),
                                    steady::now(), deadline_),
                  0};
  }

  void send_step(Step step, Budget& budget) {
    step_ = std::move(step);
    budget_ = &budget;
    if (state_->options.hooks.before_send || state_->options.hooks.after_response)
      redacted_ = state_->options.hooks.unsafe_raw_bytes ? step_.encoded.request
                                                         : redacted(step_.encoded.request, scrubber_);
    next_attempt();
  }

  // The op's final result; the flow returns right after calling it.
  void finish(Result<Partners> result) {
    if (done_) return;
    done_ = true;
    scrub(scrubber_, result);  // every string handed out passes the operation's scrubber
    if (pacing_wait_) {        // an abandoned wait gives its slot back
      pacing_wait_ = false;
      std::lock_guard lock(state_->mutex);
      pacer_->release(planned_, steady::now());
    }
    deadline_timer_.cancel();
    timer_.cancel();
    {
      std::lock_guard lock(state_->mutex);
      state_->live.erase(this);
    }
    auto slot = handler_slot();
    if (slot.is_connected()) slot.clear();
    complete(std::move(result));
  }
  void finish(Error e) {
    if (e.attempts == 0) e.attempts = attempts_;
    finish(Result<Partners>(std::move(e)));
  }
  void finish(Partner p) {
    p.vendor = vendor_;
    p.attempts = attempts_;
    finish(Result<Partners>(Partners{std::move(p)}));
  }

  // The error of a create that is not sent again because a repeat could create a second partner.
  Error refuse_resend(Error err) const {
    err.stopped = stop_reason::not_idempotent;
    err.retryable = false;
    err.message += std::string(err.message.empty() ? "" : "; ") + "not sent again: " + vendor_ +
                   " may have applied it, a repeat could create a second partner and there is no " +
                   "lookup to check (look for the partner on " + vendor_ + " before retrying by hand)";
    if (err.attempts == 0) err.attempts = attempts_;
    return err;
  }

  // Hands a result to an Asio handler: post first (never inline), then dispatch onto the handler's
  // own executor.
  template <class Handler, class R>
  void post_to(Handler handler, R result) {
    auto ex = asio::get_associated_executor(handler, state_->executor);
    asio::post(state_->executor, [ex, h = std::move(handler), r = std::move(result)]() mutable {
      asio::dispatch(ex, [h = std::move(h), r = std::move(r)]() mutable { std::move(h)(std::move(r)); });
    });
  }

  std::shared_ptr<detail::ClientState> state_;
  asio::strand<asio::any_io_executor> strand_;
  std::string vendor_;
  std::shared_ptr<const Adapter> adapter_;
  const VendorConfig* config_ = nullptr;
  std::shared_ptr<const Capabilities> capabilities_;
  int attempts_ = 0;            // requests sent by this op, every step counted
  bool maybe_applied_ = false;  // a write (create, update, deactivate) may have been applied
  Scrubber scrubber_;           // the operation's secrets, by value

 private:
  // Nothing escapes: an exception from an adapter or plugin (encode, decode, capabilities), a hook,
  // the transport or this op itself ends the op with errc::internal, never the process.
  template <class F>
  void shielded(F&& f) noexcept {
    try {
      f();
    } catch (const std::exception& e) {
      fail_internal(e.what());
    } catch (...) {
      fail_internal("an exception that is not a std::exception");
    }
  }

  void fail_internal(std::string_view what) noexcept {
    try {
      in_flight_ = false;  // a transport that threw from async_send will not complete
      Error err = Error::make(errc::internal, "internal error in an operation on " + vendor_ + ": " +
                                                  std::string(what.substr(0, 512)));
      err.attempts = attempts_;
      err.http_status = answered_status_;
      if (maybe_applied_) err.message += "; an attempt may have been applied by the vendor";
      finish(std::move(err));
    } catch (...) {
      // Out of memory while reporting: nothing more can be done without terminating.
    }
  }

  void begin() {
    if (done_) return;  // cancelled before it began
    if (cancel_requested_) return stop_with(errc::cancelled);
    {
      std::lock_guard lock(state_->mutex);
      if (state_->closed) return finish(Error::make(errc::cancelled, "the client was destroyed"));
      state_->live.emplace(this, weak_from_this());
    }
    adapter_ = state_->registry->find(vendor_);
    if (!adapter_)
      return finish(Error::make(errc::invalid_input, "no adapter is registered for vendor '" + vendor_ + "'",
                                "vendor"));
    auto vo = state_->options.vendors.find(vendor_);
    if (vo == state_->options.vendors.end())
      return finish(Error::make(errc::invalid_input,
                                "vendor '" + vendor_ + "' is not configured (no base URL or API key)",
                                "vendor"));
    config_ = &vo->second.config;
    // The operation's secrets by value (key, settings, the spec's password...): applied in finish()
    // and to what hooks see.
    scrubber_ = state_->scrubber_for(vendor_, *adapter_, scrub_spec(), *config_);
    {
      std::lock_guard lock(state_->mutex);
      if (auto it = state_->capabilities.find(adapter_.get()); it != state_->capabilities.end())
        capabilities_ = it->second;
    }
    if (!capabilities_) {
      auto caps = guarded<Capabilities>(*adapter_, "capabilities", [&] { return adapter_->capabilities(); });
      if (!caps) return finish(caps.error());
      auto shared = std::make_shared<const Capabilities>(std::move(*caps));
      std::lock_guard lock(state_->mutex);
      capabilities_ = state_->capabilities.emplace(adapter_.get(), std::move(shared)).first->second;
    }

    {
      std::lock_guard lock(state_->mutex);
      auto key = std::make_pair(vendor_, config_->api_key);
      auto it = state_->pacers.find(key);
      if (it == state_->pacers.end()) {
        policy::PacerConfig pc{declared_rate_limit(*capabilities_), vo->second.rate_limit};
        it = state_->pacers.emplace(key, policy::Pacer(pc, steady::now())).first;
      }
      pacer_ = &it->second;  // std::map nodes are stable
    }

    if (deadline_) {
      deadline_timer_.expires_at(*deadline_);
      deadline_timer_.async_wait([self = shared_from_this()](boost::system::error_code ec) {
        if (!ec) self->shielded([&] { self->stop_with(errc::timeout); });
      });
    }
    run();
  }

  void next_attempt() {
    policy::Pacer::Slot slot;
    {
      std::lock_guard lock(state_->mutex);
      slot = pacer_->reserve(steady::now(), budget_->loop.deadline());
    }
    if (slot.later) {  // too far ahead to reserve yet: ask again nearer the time
      timer_.expires_at(slot.send_at);
      timer_.async_wait([self = shared_from_this()](boost::system::error_code ec) {
        if (self->done_) return;
        self->shielded([&] {
          if (ec) return self->stop_with(self->stop_code_);
          self->next_attempt();
        });
      });
      return;
    }
    // A slot past the deadline: fail now, and say when the limit frees one (nothing was reserved).
    if (!slot.granted) return finish(no_slot_before_deadline(slot.wait));
    planned_ = slot.send_at;
    if (slot.wait <= steady::duration::zero()) return send();
    timer_.expires_at(slot.send_at);
    pacing_wait_ = true;
    timer_.async_wait([self = shared_from_this()](boost::system::error_code ec) {
      if (self->done_) return;
      self->pacing_wait_ = false;
      self->shielded([&] {
        if (ec) return self->stop_with(self->stop_code_);
        self->send();
      });
    });
  }

  Error no_slot_before_deadline(steady::duration wait) {
    Error err = last_error_ && last_error_->code == errc::rate_limited
                    ? *last_error_
                    : Error::make(errc::rate_limited, "the rate limit leaves no slot before the deadline");
    const auto ms = std::chrono::ceil<std::chrono::milliseconds>(wait);
    err.retry_after = std::max(err.retry_after.value_or(ms), ms);
    if (err.message.find("no slot") == std::string::npos)
      err.message += " (the rate limit leaves no slot before the deadline)";
    err.attempts = attempts_;
    err.stopped = stop_reason::deadline;
    return err;
  }

  void send() {
    if (cancel_requested_ && !stopping_) return stop_with(errc::cancelled);
    if (stopping_) return stop_with(stop_code_);
    steady::duration hold;
    {
      std::lock_guard lock(state_->mutex);
      hold = pacer_->hold(steady::now(), planned_);  // the one before left late: keep the spacing
    }
    if (hold <= steady::duration::zero()) return transmit();
    timer_.expires_after(hold);
    timer_.async_wait([self = shared_from_this()](boost::system::error_code ec) {
      if (self->done_) return;
      self->shielded([&] {
        if (ec) return self->stop_with(self->stop_code_);
        self->send();  // ask the pacer again: the timer may have fired late
      });
    });
  }

  void transmit() {
    if (stopping_) return stop_with(stop_code_);
    ++attempts_;
    ++budget_->attempts;
    if (state_->options.hooks.before_send) state_->options.hooks.before_send(redacted_);
    sent_at_ = std::chrono::system_clock::now();
    sent_steady_ = steady::now();
    {
      std::lock_guard lock(state_->mutex);
      pacer_->on_sent(planned_, sent_steady_);
    }
    in_flight_ = true;
    state_->transport->async_send(
        step_.encoded.request,
        asio::bind_cancellation_slot(
            transport_cancel_.slot(),
            asio::bind_executor(strand_,
                                [self = shared_from_this()](boost::system::error_code ec, SendResult r) {
                                  self->shielded([&] { self->on_sent(ec, std::move(r)); });
                                })));
  }

  bool is_write() const noexcept { return step_.op != Operation::find && step_.op != Operation::get; }

  Result<Partners> decode(const HttpResponse& response) {
    DecodeContext context;
    context.spec = step_.spec ? step_.spec : &no_spec_;
    context.config = config_;
    context.sent_at = sent_at_;
    context.clock_skew = state_->options.clock_skew;
    context.operation = step_.op;
    context.query = step_.op == Operation::find ? &step_.query : nullptr;
    context.partner_id = step_.partner_id;
    context.deactivate = step_.op == Operation::deactivate ? &step_.deactivate : nullptr;
    const Adapter& a = *adapter_;
    auto one = [](Result<Partner> r) -> Result<Partners> {
      if (!r) return r.error();
      return Partners{std::move(*r)};
    };
    Result<Partners> out = decode_as(a, response, context, one);
    // An adapter that threw while decoding an answer: the answer's status is kept on the error.
    if (!out && out.error().code == errc::internal && !out.error().http_status) {
      Error e = out.error();  // (boost::system::result::error() is a copy)
      e.http_status = response.status;
      return e;
    }
    return out;
  }

  template <class One>
  Result<Partners> decode_as(const Adapter& a, const HttpResponse& response, const DecodeContext& context,
                             One one) {
    switch (step_.op) {
      case Operation::create:
        return one(guarded<Partner>(a, "decode", [&] { return a.decode(response, context); }));
      case Operation::find:
        return guarded<Partners>(a, "decode_find", [&] { return a.decode_find(response, context); });
      case Operation::get:
        return one(guarded<Partner>(a, "decode_get", [&] { return a.decode_get(response, context); }));
      case Operation::update:
        return one(guarded<Partner>(a, "decode_update", [&] { return a.decode_update(response, context); }));
      case Operation::deactivate:
        return one(
            guarded<Partner>(a, "decode_deactivate", [&] { return a.decode_deactivate(response, context); }));
    }
    return Error::make(errc::internal, "unknown operation");
  }

  void on_sent(boost::system::error_code ec, SendResult r) {
    in_flight_ = false;
    if (done_) return;
    if (stopping_) {
      if (r.request_written && is_write()) maybe_applied_ = true;
      return stop_with(stop_code_);
    }
    const auto now = steady::now();
    Result<Partners> result = Error{};
    if (ec) {
      Error err = error_from_transport(ec, r.request_written);
      if (is_write() && policy::may_have_been_applied(err, r.request_written)) maybe_applied_ = true;
      result = std::move(err);
    } else {
      answered_status_ = r.response.status;
      if (state_->options.hooks.after_response)
        state_->options.hooks.after_response(
            redacted_, state_->options.hooks.unsafe_raw_bytes ? r.response : redacted(r.response, scrubber_),
            std::chrono::duration_cast<std::chrono::microseconds>(now - sent_steady_));
      result = decode(r.response);
      std::optional<Error> failure;
      if (!result) failure = result.error();
      // A 5xx, a 2xx this decoder rejects, ...: any answer that does not prove a write was not
      // applied (only a 4xx does) lets a later "already exists" mean our own earlier attempt, and
      // makes a create's retry a lookup first.
      if (failure && is_write() && policy::may_have_been_applied(*failure, true)) maybe_applied_ = true;
      learn_rate_limit(r.response, failure ? &*failure : nullptr, now);
      answered_status_.reset();
    }

    if (result) {
      for (auto& p : *result) {
        p.attempts = attempts_;
        p.warnings.insert(p.warnings.begin(), step_.encoded.warnings.begin(), step_.encoded.warnings.end());
      }
      return on_step(std::move(result));
    }
    Error err = result.error();
    err.attempts = attempts_;

    auto decision = budget_->loop.on_failure(err, budget_->attempts, now);
    if (decision.retry && step_.op == Operation::create && maybe_applied_ && !reconcile_before_retry() &&
        !may_resend_create())
      return on_step(refuse_resend(std::move(err)));
    if (!decision.retry) {
      err.stopped = decision.reason;
      if (decision.reason == stop_reason::deadline && err.code != errc::rate_limited && !err.message.empty())
        err.message += " (no time left to retry)";
      return on_step(std::move(err));
    }
    if (state_->options.hooks.on_retry)
      state_->options.hooks.on_retry(
          RetryEvent{vendor_, attempts_, std::string(to_string(err.code)), err.http_status, decision.delay});
    last_error_ = std::move(err);
    const bool reconcile_first = step_.op == Operation::create && maybe_applied_ && reconcile_before_retry();
    timer_.expires_after(decision.delay);
    timer_.async_wait([self = shared_from_this(), reconcile_first](boost::system::error_code ec) {
      if (self->done_) return;
      self->shielded([&] {
        if (ec) return self->stop_with(self->stop_code_);
        if (reconcile_first) return self->reconcile();
        self->next_attempt();
      });
    });
  }

  // Every answer tells the key's pacer what the vendor said about its limit (policy/pacer.hpp).
  void learn_rate_limit(const HttpResponse& response, const Error* error, steady::time_point now) {
    auto observation = policy::observe_rate_limit(response, sent_at_);
    if (error && error->code == errc::rate_limited) observation.throttled = true;
    std::lock_guard lock(state_->mutex);
    pacer_->on_response(observation, now);
  }

  void stop_with(errc code) {
    if (done_) return;
    if (!stopping_) {
      stopping_ = true;
      stop_code_ = code;
    }
    timer_.cancel();
    if (in_flight_) {
      transport_cancel_.emit(asio::cancellation_type::terminal);
      return;  // on_sent finishes
    }
    Error err = Error::make(
        stop_code_, stop_code_ == errc::timeout ? "the call deadline passed" : "cancelled by the caller");
    if (stop_code_ == errc::timeout && last_error_) {
      err.message += "; last failure: " + std::string(to_string(last_error_->code)) +
                     (last_error_->message.empty() ? "" : " (" + last_error_->message + ")");
      err.http_status = last_error_->http_status;
    }
    if (maybe_applied_) err.message += "; an attempt may have been applied by the vendor";
    err.attempts = attempts_;
    err.stopped = stop_code_ == errc::timeout ? stop_reason::deadline : stop_reason::cancelled;
    finish(std::move(err));
  }

  asio::steady_timer timer_;
  asio::steady_timer deadline_timer_;
  std::optional<steady::time_point> deadline_;
  asio::cancellation_signal transport_cancel_;
  policy::Pacer* pacer_ = nullptr;
  steady::time_point planned_;  // the pacer's slot for the attempt being sent
  bool pacing_wait_ = false;    // waiting for planned_
  Step step_;
  Budget* budget_ = nullptr;
  HttpRequest redacted_;
  std::optional<Error> last_error_;
  const PartnerSpec no_spec_{};

  std::optional<int> answered_status_;  // while an answer is being decoded: for an internal error
  std::chrono::system_clock::time_point sent_at_;
  steady::time_point sent_steady_;
  bool in_flight_ = false;
  bool stopping_ = false;
  errc stop_code_ = errc::cancelled;
  bool done_ = false;
  std::atomic<bool> cancel_requested_{false};  // set from any thread by cancel()
};

// An op completing a handler of signature void(R).
template <class R>
class HandlerOp : public OpBase {
 public:
  HandlerOp(std::shared_ptr<detail::ClientState> state, std::string vendor,
            asio::any_completion_handler<void(R)> handler)
      : OpBase(std::move(state), std::move(vendor)), handler_(std::move(handler)) {}

 protected:
  asio::cancellation_slot handler_slot() override { return asio::get_associated_cancellation_slot(handler_); }
  void complete(Result<Partners> result) override {
    post_to(std::move(handler_), convert(std::move(result)));
  }
  virtual R convert(Result<Partners> result) = 0;

 private:
  asio::any_completion_handler<void(R)> handler_;
};

// Operations answering one partner (create, get, update, deactivate).
class PartnerOp : public HandlerOp<Result<Partner>> {
 public:
  using HandlerOp::HandlerOp;

 protected:
  Result<Partner> convert(Result<Partners> r) override {
    if (!r) return r.error();
    if (r->empty()) return Error::make(errc::internal, "an operation completed without a partner");
    return std::move(r->front());
  }
};

// ---- create, with reconciliation ----
class ProvisionOp final : public PartnerOp {
 public:
  ProvisionOp(std::shared_ptr<detail::ClientState> state, std::string vendor, PartnerSpec spec,
              ProvisionOptions options, Client::provision_handler handler)
      : PartnerOp(std::move(state), std::move(vendor), std::move(handler)),
        spec_(std::move(spec)),
        options_(options) {
    maybe_applied_ = options.may_have_been_applied;
  }

 private:
  const PartnerSpec* scrub_spec() const override { return &spec_; }

  enum class Phase { create, lookup };
  enum class Why { earlier_attempt, already_exists };

  void run() override {
    std::vector<std::string> input_warnings;
    auto valid = guarded<PartnerSpec>(
        *adapter_, "validate", [&] { return validated_for(*adapter_, std::move(spec_), &input_warnings); });
    if (!valid) return finish(valid.error());
    spec_ = std::move(*valid);
    auto encoded =
        guarded<EncodedRequest>(*adapter_, "encode", [&] { return adapter_->encode(spec_, *config_); });
    if (!encoded) return finish(encoded.error());
    create_ = std::move(*encoded);
    create_.warnings.insert(create_.warnings.begin(), std::make_move_iterator(input_warnings.begin()),
                            std::make_move_iterator(input_warnings.end()));
    create_budget_.emplace(new_budget());
    if (maybe_applied_ && can_lookup()) return start_lookup(Why::earlier_attempt);
    if (!may_resend_create())  // an earlier run's attempt may have been applied: not sent blind
      return finish(refuse_resend(
          Error::make(errc::unsupported_operation, "an earlier attempt may have been applied")));
    start_create();
  }

  // The lookups that can settle whether the partner is there: external id first (exact by
  // construction), then email.
  std::vector<FindQuery> lookups() const {
    std::vector<FindQuery> out;
    if (options_.reconcile != Reconcile::lookup) return out;
    const auto& ops = capabilities_->operations;
    if (spec_.external_id && !spec_.external_id->empty() && ops.find_by_external_id)
      out.push_back(FindQuery{FindQuery::Key::external_id, *spec_.external_id});
    if (ops.find_by_email) out.push_back(FindQuery{FindQuery::Key::email, spec_.email});
    return out;
  }
  bool can_lookup() const { return !lookups().empty(); }

  void start_create() {
    phase_ = Phase::create;
    Step s;
    s.op = Operation::create;
    s.encoded = create_;
    s.spec = &spec_;
    send_step(std::move(s), *create_budget_);
  }

  void start_lookup(Why why) {
    phase_ = Phase::lookup;
    why_ = why;
    queries_ = lookups();
    next_query_ = 0;
    next_lookup();
  }

  void next_lookup() {
    if (next_query_ == queries_.size()) return not_found();
    const FindQuery& q = queries_[next_query_];
    auto encoded =
        guarded<EncodedRequest>(*adapter_, "encode_find", [&] { return adapter_->encode_find(q, *config_); });
    if (!encoded) return lookup_failed(encoded.error());
    lookup_budget_.emplace(new_budget());
    Step s;
    s.op = Operation::find;
    s.encoded = std::move(*encoded);
    s.encoded.warnings.clear();  // a lookup's own warnings are not the item's
    s.query = q;
    send_step(std::move(s), *lookup_budget_);
  }

  bool reconcile_before_retry() override { return phase_ == Phase::create && can_lookup(); }
  bool may_resend_create() const override {
    return !(maybe_applied_ && capabilities_->create == CreateSemantics::not_idempotent && !can_lookup());
  }
  void reconcile() override { start_lookup(Why::earlier_attempt); }

  void on_step(Result<Partners> r) override {
    if (phase_ == Phase::lookup) return on_lookup(std::move(r));
    if (r) {
      Partner p = std::move(r->front());
      p.warnings.insert(p.warnings.end(), notes_.begin(), notes_.end());
      return finish(std::move(p));
    }
    Error err = r.error();
    if (err.code == errc::already_exists) {
      if (lookup_can_settle(err) && can_lookup()) {
        exists_ = err;
        return start_lookup(Why::already_exists);
      }
      if (duplicate_rule_applies(err)) return finish(existing_without_id(err));
    }
    finish(std::move(err));
  }

  void on_lookup(Result<Partners> r) {
    if (!r) {
      // Out of retries or time: the item ends here (a resume looks it up again).
      if (is_retryable(r.error().code)) {
        Error e = r.error();
        if (maybe_applied_) e.message += "; an earlier attempt may have been applied by the vendor";
        return finish(std::move(e));
      }
      return lookup_failed(r.error());
    }
    const FindQuery& q = queries_[next_query_];
    Partners found = exact_matches(std::move(*r), q);
    if (q.key == FindQuery::Key::email)
      std::erase_if(found, [&](const Partner& p) { return p.email.empty(); });
    if (found.size() > 1) return finish(ambiguous(vendor_, q, found));
    if (found.empty()) {
      ++next_query_;
      return next_lookup();
    }
    Partner p = std::move(found.front());
    if (!p.email.empty() && !iequals(p.email, spec_.email)) {
      // Our external id names another partner: a conflict, never our partner.
      Error e = Error::make(errc::already_exists,
                            "external id " + q.value + " belongs to another partner on " + vendor_ +
                                (p.id ? " (id " + *p.id + ")" : std::string()),
                            "external_id");
      e.issues.push_back({"external_id", "belongs to another partner"});
      return finish(std::move(e));
    }
    p.outcome = Outcome::existing;
    p.warnings = create_.warnings;
    p.warnings.insert(p.warnings.end(), notes_.begin(), notes_.end());
    const std::string by = std::string(key_name(q.key));
    if (why_ == Why::already_exists)
      p.warnings.push_back(vendor_ + " reports the partner exists; found by " + by + " lookup" +
                           (maybe_applied_ ? " (an earlier attempt may have created it)" : ""));
    else
      p.warnings.push_back("an earlier attempt may have been applied; found by " + by +
                           " lookup, so nothing was sent again");
    finish(std::move(p));
  }

  // No lookup matched.
  void not_found() {
    if (why_ == Why::earlier_attempt) return start_create();  // not there: create it (the budget goes on)
    // The vendor says it exists but no lookup finds it (e.g. a search index that lags).
    notes_.push_back(vendor_ + " reports the partner exists but no lookup found it");
    if (duplicate_rule_applies(*exists_)) return finish(existing_without_id(*exists_));
    Error e = *exists_;
    finish(std::move(e));
  }

  // The lookup cannot be used (no permission, a contract break, ...): reconcile as vendors without a
  // lookup do.
  void lookup_failed(const Error& e) {
    notes_.push_back("the " + std::string(key_name(queries_[next_query_].key)) + " lookup failed (" +
                     std::string(to_string(e.code)) + (e.message.empty() ? "" : ": " + e.message) +
                     "); reconciled by the duplicate rule");
    options_.reconcile = Reconcile::duplicate;  // no further lookups in this call
    if (why_ == Why::earlier_attempt) {
      if (!may_resend_create())
        return finish(refuse_resend(Error::make(
            errc::unsupported_operation, "an earlier attempt may have been applied and the " +
                                             std::string(key_name(queries_[next_query_].key)) +
                                             " lookup failed (" + std::string(to_string(e.code)) + ")")));
      return start_create();
    }
    if (duplicate_rule_applies(*exists_)) return finish(existing_without_id(*exists_));
    finish(Error(*exists_));
  }

  // The rule of vendors without a lookup: a create that may already have been applied and now
  // answers "already exists" was applied by us (or before us): the partner is there, once.
  bool duplicate_rule_applies(const Error& err) const {
    return maybe_applied_ && capabilities_->create == CreateSemantics::create && names_the_partner(err);
  }

  Partner existing_without_id(const Error& err) const {
    Partner p;
    p.email = spec_.email;
    if (spec_.name)
      p.name = *spec_.name;
    else if (spec_.first_name || spec_.last_name)
      p.name = spec_.first_name.value_or("") + (spec_.first_name && spec_.last_name ? " " : "") +
               spec_.last_name.value_or("");
    p.outcome = Outcome::existing;
    p.warnings = create_.warnings;
    p.warnings.insert(p.warnings.end(), notes_.begin(), notes_.end());
    p.warnings.push_back("an earlier attempt may have been applied and " + vendor_ +
                         " now reports the partner exists (" +
                         (err.message.empty() ? std::string("already_exists") : err.message) + ")");
    return p;
  }

  PartnerSpec spec_;
  ProvisionOptions options_;
  EncodedRequest create_;
  std::optional<Budget> create_budget_;
  std::optional<Budget> lookup_budget_;
  Phase phase_ = Phase::create;
  Why why_ = Why::earlier_attempt;
  std::vector<FindQuery> queries_;
  std::size_t next_query_ = 0;
  std::optional<Error> exists_;     // the already_exists answer a lookup is settling
  std::vector<std::string> notes_;  // warnings gathered on the way
};

// ---- find ----
class FindOp final : public HandlerOp<Result<std::optional<Partner>>> {
 public:
  FindOp(std::shared_ptr<detail::ClientState> state, std::string vendor, FindQuery query,
         Client::find_handler handler)
      : HandlerOp(std::move(state), std::move(vendor), std::move(handler)), query_(std::move(query)) {}

 private:
  void run() override {
    const std::string field(key_name(query_.key));
    if (!supports(capabilities_->operations, Operation::find, query_.key))
      return finish(Error::make(errc::unsupported_operation,
                                vendor_ + " cannot look a partner up by " + field + "; nothing was sent",
                                field));
    if (query_.value.empty()) return finish(Error::make(errc::invalid_input, field + " is empty", field));
    auto encoded = guarded<EncodedRequest>(*adapter_, "encode_find",
                                           [&] { return adapter_->encode_find(query_, *config_); });
    if (!encoded) return finish(encoded.error());
    budget_.emplace(new_budget());
    Step s;
    s.op = Operation::find;
    s.encoded = std::move(*encoded);
    s.query = query_;
    send_step(std::move(s), *budget_);
  }

  void on_step(Result<Partners> r) override {
    if (!r) return finish(r.error());
    Partners found = exact_matches(std::move(*r), query_);
    if (found.size() > 1) return finish(ambiguous(vendor_, query_, found));
    for (auto& p : found) {
      p.vendor = vendor_;
      p.outcome = Outcome::existing;
      p.attempts = attempts_;
    }
    finish(Result<Partners>(std::move(found)));
  }

  Result<std::optional<Partner>> convert(Result<Partners> r) override {
    if (!r) return r.error();
    if (r->empty()) return std::optional<Partner>();
    return std::optional<Partner>(std::move(r->front()));
  }

  FindQuery query_;
  std::optional<Budget> budget_;
};

// The PartnerSpec fields set in a spec (an optional holding a value, a list not empty, a non-empty
// email), by their snake_case names.
std::vector<std::string_view> set_fields(const PartnerSpec& s) {
  std::vector<std::string_view> out;
  auto add = [&](bool set, std::string_view name) {
    if (set) out.push_back(name);
  };
  add(!s.email.empty(), "email");
  add(s.name.has_value(), "name");
  add(s.first_name.has_value(), "first_name");
  add(s.last_name.has_value(), "last_name");
  add(s.company.has_value(), "company");
  add(s.referral_key.has_value(), "referral_key");
  add(s.external_id.has_value(), "external_id");
  add(s.image.has_value(), "image");
  add(s.country.has_value(), "country");
  add(s.description.has_value(), "description");
  add(!s.tags.empty(), "tags");
  add(s.group.has_value(), "group");
  add(s.partner_type.has_value(), "partner_type");
  add(s.referrer.has_value(), "referrer");
  add(!s.contacts.empty(), "contacts");
  add(s.invite.has_value(), "invite");
  add(s.password.has_value(), "password");
  add(s.link.has_value(), "link");
  add(!s.custom_fields.empty(), "custom_fields");
  add(!s.vendor_overrides.empty(), "vendor_overrides");
  return out;
}

void clear_field(PartnerSpec& s, std::string_view name) {
  if (name == "email")
    s.email.clear();
  else if (name == "name")
    s.name.reset();
  else if (name == "first_name")
    s.first_name.reset();
  else if (name == "last_name")
    s.last_name.reset();
  else if (name == "company")
    s.company.reset();
  else if (name == "referral_key")
    s.referral_key.reset();
  else if (name == "external_id")
    s.external_id.reset();
  else if (name == "image")
    s.image.reset();
  else if (name == "country")
    s.country.reset();
  else if (name == "description")
    s.description.reset();
  else if (name == "tags")
    s.tags.clear();
  else if (name == "group")
    s.group.reset();
  else if (name == "partner_type")
    s.partner_type.reset();
  else if (name == "referrer")
    s.referrer.reset();
  else if (name == "contacts")
    s.contacts.clear();
  else if (name == "invite")
    s.invite.reset();
  else if (name == "password")
    s.password.reset();
  else if (name == "link")
    s.link.reset();
  else if (name == "custom_fields")
    s.custom_fields.clear();
  else if (name == "vendor_overrides")
    s.vendor_overrides.clear();
}

// ---- get, update, deactivate ----
class SingleOp final : public PartnerOp {
 public:
  SingleOp(std::shared_ptr<detail::ClientState> state, std::string vendor, Operation op,
           std::string partner_id, PartnerSpec changes, DeactivateOptions deactivate,
           Client::provision_handler handler)
      : PartnerOp(std::move(state), std::move(vendor), std::move(handler)),
        op_(op),
        partner_id_(std::move(partner_id)),
        changes_(std::move(changes)),
        deactivate_(std::move(deactivate)) {}

 private:
  void run() override {
    if (!supports(capabilities_->operations, op_))
      return finish(
          Error::make(errc::unsupported_operation,
                      vendor_ + " has no " + std::string(to_string(op_)) + " operation; nothing was sent"));
    if (partner_id_.empty())
      return finish(Error::make(errc::invalid_input, "the partner's vendor id is empty", "partner_id"));
    Result<EncodedRequest> encoded = Error{};
    switch (op_) {
      case Operation::get:
        encoded = guarded<EncodedRequest>(*adapter_, "encode_get",
                                          [&] { return adapter_->encode_get(partner_id_, *config_); });
        break;
      case Operation::update:
        if (auto prepared = prepare_changes(); !prepared) return finish(prepared.error());
        encoded = guarded<EncodedRequest>(*adapter_, "encode_update", [&] {
          return adapter_->encode_update(partner_id_, changes_, *config_);
        });
        break;
      case Operation::deactivate:
        encoded = guarded<EncodedRequest>(*adapter_, "encode_deactivate", [&] {
          return adapter_->encode_deactivate(partner_id_, deactivate_, *config_);
        });
        break;
      default:
        return finish(Error::make(errc::internal, "not a single-partner operation"));
    }
    if (!encoded) return finish(encoded.error());
    budget_.emplace(new_budget());
    Step s;
    s.op = op_;
    s.encoded = std::move(*encoded);
    s.encoded.warnings.insert(s.encoded.warnings.begin(), dropped_.begin(), dropped_.end());
    s.spec = op_ == Operation::update ? &changes_ : nullptr;
    s.partner_id = partner_id_;
    s.deactivate = deactivate_;
    send_step(std::move(s), *budget_);
  }

  const PartnerSpec* scrub_spec() const override { return &changes_; }

  // Only the vendor's updatable fields go out; the rest fail (strict) or are dropped (lenient).
  Result<void> prepare_changes() {
    const auto& updatable = capabilities_->operations.updatable_fields;
    for (auto field : set_fields(changes_)) {
      if (std::find(updatable.begin(), updatable.end(), field) != updatable.end()) continue;
      if (config_->strict) {
        Error e = Error::make(errc::unsupported_field,
                              vendor_ + " cannot update " + std::string(field) + "; nothing was sent",
                              std::string(field));
        e.issues.push_back({std::string(field), "not updatable on " + vendor_});
        return e;
      }
      dropped_.push_back(std::string(field) + " dropped: " + vendor_ + " cannot update it");
      clear_field(changes_, field);
    }
    if (set_fields(changes_).empty())
      return Error::make(
          errc::invalid_input,
          "nothing to update on " + vendor_ + (dropped_.empty() ? "" : " (every given field was dropped)"));
    // The changed fields are checked as a create's are; an email not being changed is not required.
    const bool no_email = changes_.email.empty();
    if (no_email) changes_.email = "update@partnerkit.invalid";
    std::vector<std::string> input_warnings;
    auto valid = guarded<PartnerSpec>(*adapter_, "validate", [&] {
      return validated_for(*adapter_, std::move(changes_), &input_warnings);
    });
    if (!valid) return valid.error();
    changes_ = std::move(*valid);
    if (no_email) changes_.email.clear();
    dropped_.insert(dropped_.end(), input_warnings.begin(), input_warnings.end());
    if (set_fields(changes_).empty())  // every given field was blank
      return Error::make(errc::invalid_input,
                         "nothing to update on " + vendor_ + " (every given field was blank)");
    return {};
  }

  void on_step(Result<Partners> r) override {
    if (!r) return finish(r.error());
    if (r->empty()) return finish(Error::make(errc::protocol, "the answer describes no partner"));
    Partner p = std::move(r->front());
    p.outcome = op_ == Operation::get ? Outcome::existing : Outcome::updated;
    finish(std::move(p));
  }

  Operation op_;
  std::string partner_id_;
  PartnerSpec changes_;
  DeactivateOptions deactivate_;
  std::vector<std::string> dropped_;
  std::optional<Budget> budget_;
};

}  // namespace

Client::Client(executor_type executor, std::shared_ptr<const AdapterRegistry> registry,
               std::shared_ptr<Transport> transport, ClientOptions options)
    : state_(std::make_shared<detail::ClientState>()) {
  if (!registry) throw std::invalid_argument("partnerkit::Client: null registry");
  if (!transport) throw std::invalid_argument("partnerkit::Client: null transport");
  state_->executor = std::move(executor);
  state_->registry = std::move(registry);
  state_->transport = std::move(transport);
  state_->options = std::move(options);
  state_->seeder.seed(state_->options.jitter_seed ? state_->options.jitter_seed : std::random_device{}());
}

Client::~Client() {
  std::vector<std::shared_ptr<OpBase>> ops;
  {
    std::lock_guard lock(state_->mutex);
    state_->closed = true;
    for (auto& [_, weak] : state_->live)
      if (auto op = weak.lock()) ops.push_back(std::move(op));
  }
  for (auto& op : ops) op->cancel(errc::cancelled);
}

Client::executor_type Client::get_executor() const noexcept { return state_->executor; }
const ClientOptions& Client::options() const noexcept { return state_->options; }
const std::shared_ptr<const AdapterRegistry>& Client::registry() const noexcept { return state_->registry; }

void Client::start_provision(std::string vendor, PartnerSpec spec, ProvisionOptions options,
                             provision_handler handler) {
  std::make_shared<ProvisionOp>(state_, std::move(vendor), std::move(spec), options, std::move(handler))
      ->start();
}

void Client::start_find(std::string vendor, FindQuery query, find_handler handler) {
  std::make_shared<FindOp>(state_, std::move(vendor), std::move(query), std::move(handler))->start();
}

void Client::start_get(std::string vendor, std::string partner_id, provision_handler handler) {
  std::make_shared<SingleOp>(state_, std::move(vendor), Operation::get, std::move(partner_id), PartnerSpec{},
                             DeactivateOptions{}, std::move(handler))
      ->start();
}

void Client::start_update(std::string vendor, std::string partner_id, PartnerSpec changes,
                          provision_handler handler) {
  std::make_shared<SingleOp>(state_, std::move(vendor), Operation::update, std::move(partner_id),
                             std::move(changes), DeactivateOptions{}, std::move(handler))
      ->start();
}

void Client::start_deactivate(std::string vendor, std::string partner_id, DeactivateOptions options,
                              provision_handler handler) {
  std::make_shared<SingleOp>(state_, std::move(vendor), Operation::deactivate, std::move(partner_id),
                             PartnerSpec{}, std::move(options), std::move(handler))
      ->start();
}

std::vector<PacingReport> Client::pacing() const {
  std::vector<PacingReport> out;
  std::lock_guard lock(state_->mutex);
  for (const auto& [key, pacer] : state_->pacers) {
    const int n = !out.empty() && out.back().vendor == key.first ? out.back().key + 1 : 1;
    out.push_back(PacingReport{key.first, n, pacer.status()});
  }
  return out;
}

Result<Partner> Client::provision(std::string vendor, PartnerSpec spec, ProvisionOptions options) {
  return async_provision(std::move(vendor), std::move(spec), options, asio::use_future).get();
}

Result<std::optional<Partner>> Client::find(std::string vendor, FindQuery query) {
  return async_find(std::move(vendor), std::move(query), asio::use_future).get();
}

Result<Partner> Client::get(std::string vendor, std::string partner_id) {
  return async_get(std::move(vendor), std::move(partner_id), asio::use_future).get();
}

Result<Partner> Client::update(std::string vendor, std::string partner_id, PartnerSpec changes) {
  return async_update(std::move(vendor), std::move(partner_id), std::move(changes), asio::use_future).get();
}

Result<Partner> Client::deactivate(std::string vendor, std::string partner_id, DeactivateOptions options) {
  return async_deactivate(std::move(vendor), std::move(partner_id), std::move(options), asio::use_future)
      .get();
}

}  // namespace partnerkit
