// The machinery under partnerkit::Client (client.cpp): the state a Client shares with its operations,
// and OpBase, the machine every operation runs on — resolve the vendor, then steps (one encoded
// request each) sent with the rate limit, retries with backoff, the call deadline, cancellation and
// hooks, and decoded by the adapter's function for that operation. A flow says which steps to send
// and what each answer means: ProvisionOp (create and reconciliation by lookup, provision_op.cpp),
// FindOp and SingleOp (lifecycle_ops.cpp); the matching and reconciliation rules they share are
// matching.hpp's. Not part of the public API.
#pragma once

#include <partnerkit/client.hpp>
#include <partnerkit/http_errors.hpp>
#include <partnerkit/policy/pacer.hpp>
#include <partnerkit/policy/retry_loop.hpp>
#include <partnerkit/secrets.hpp>
#include <partnerkit/text/ascii.hpp>
#include <partnerkit/validation.hpp>

#include "call_timer.hpp"
#include "matching.hpp"

#include <boost/asio/cancellation_signal.hpp>
#include <boost/asio/dispatch.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>

#include <atomic>
#include <exception>
#include <forward_list>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <random>
#include <unordered_map>
#include <variant>

namespace partnerkit {
namespace client_detail {
class OpBase;

// A mutex that is none under ClientOptions::single_threaded: one thread runs every handler and call,
// so nothing can overlap (a lock pair cost ~60 instructions, ~6 a create).
class OptionalMutex {
 public:
  explicit OptionalMutex(bool enabled = true) noexcept : enabled_(enabled) {}
  void lock() {
    if (enabled_) mutex_.lock();
  }
  void unlock() {
    if (enabled_) mutex_.unlock();
  }

 private:
  bool enabled_;
  std::mutex mutex_;
};
}  // namespace client_detail

struct detail::ClientState {
  explicit ClientState(bool single_threaded) : mutex(!single_threaded) {}
  Client::executor_type executor;
  std::shared_ptr<const AdapterRegistry> registry;
  std::shared_ptr<Transport> transport;
  ClientOptions options;

  client_detail::OptionalMutex mutex;  // guards everything below
  // (vendor, api key), found by views: copying the two strings per call cost an allocation.
  struct PacerKeyLess {
    using is_transparent = void;
    template <class A, class B>
    bool operator()(const A& a, const B& b) const noexcept {
      return std::pair<std::string_view, std::string_view>(a.first, a.second) <
             std::pair<std::string_view, std::string_view>(b.first, b.second);
    }
  };
  std::map<std::pair<std::string, std::string>, policy::Pacer, PacerKeyLess> pacers;
  std::mt19937_64 seeder;
  // The ops begun and not finished, for ~Client: an intrusive list (OpBase::live_prev_/next_), as
  // a hash map it cost a node allocation and a rehash check per call.
  client_detail::OpBase* live = nullptr;
  // Each adapter's capabilities, asked once: a copy per call (its vectors of strings) cost ~3 % of a
  // create's client instructions.
  std::unordered_map<const Adapter*, std::shared_ptr<const Capabilities>> capabilities;
  bool closed = false;
  std::map<std::string, Scrubber, std::less<>> scrubbers;  // per vendor: its key's and settings' secrets
  // The call deadlines of the ops in flight (made by the first op with a deadline; ops hold it raw:
  // the state outlives them).
  std::shared_ptr<client_detail::CallTimer> call_timer;

  // What an op on a vendor looks up (its adapter, config, scrubber, capabilities and pacer),
  // resolved by the vendor's first op: a registry, a vendor map and a pacer map searched by string
  // per create cost ~0.5k instructions. The adapter of a name never changes (a name cannot be
  // registered twice) and the rest are never erased; a route is immutable once listed, and never
  // removed, so ops read it without the lock.
  struct Route {
    std::string vendor;
    std::shared_ptr<const Adapter> adapter;
    const VendorConfig* config = nullptr;
    const Scrubber* scrubber = nullptr;
    std::shared_ptr<const Capabilities> capabilities;
    policy::Pacer* pacer = nullptr;
  };
  std::forward_list<Route> routes;
  const Route* route_locked(std::string_view vendor) const {
    for (const auto& r : routes)
      if (r.vendor == vendor) return &r;
    return nullptr;
  }

  std::uint64_t next_seed() {
    std::lock_guard lock(mutex);
    return seeder();
  }

  // The secrets of one operation on `vendor`, the vendor's part (key, settings): built once per
  // Client, under `mutex`; map nodes are stable and never erased, so ops keep a pointer (a copy per
  // op cost an allocation and ~0.4k instructions a create).
  const Scrubber& vendor_scrubber(const std::string& vendor, const Adapter& adapter,
                                  const VendorConfig& config) {
    std::lock_guard lock(mutex);
    auto it = scrubbers.find(vendor);
    if (it == scrubbers.end())
      it = scrubbers.emplace(vendor, operation_scrubber(&adapter, nullptr, config)).first;
    return it->second;
  }
};

namespace client_detail {

namespace asio = boost::asio;
using steady = std::chrono::steady_clock;

inline const Scrubber& no_secrets() {
  static const Scrubber none;
  return none;
}

// A vector of one partner, moved in (`Partners{std::move(p)}` copies it: an initializer_list's
// elements are const, and a Partner's raw JSON is a tree of allocations).
inline Partners one_partner(Partner&& p) {
  Partners out;
  out.push_back(std::move(p));
  return out;
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
  EncodedRequest encoded;                  // what is sent, unless `shared` is set
  const EncodedRequest* shared = nullptr;  // the flow's own (a create's, sent again after lookups)
  const EncodedRequest& sent() const noexcept { return shared ? *shared : encoded; }
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

// The machine every operation runs on. Every handler of the op (begin, its timers, the transport's
// completion, a cancellation) runs its body under the op's mutex (serial()), on the client's
// executor: on a one-thread io_context the mutex is never contended, on several threads it orders
// the handlers as a strand did. A strand cost ~3.4k instructions a create (its making, and a trip
// through the scheduler per hop onto it: begin, and the transport's completion); no handler of
// the op runs inline from another's body (the transport posts a completion inside async_send, a
// cancellation and timers post), so the mutex is not taken twice on one thread. Under
// ClientOptions::single_threaded there is no mutex: one thread runs every handler. Timers and the
// transport are cancelled through the op, so the handler completes exactly once.
class OpBase : public std::enable_shared_from_this<OpBase> {
 public:
  OpBase(std::shared_ptr<detail::ClientState> state, std::string vendor)
      : state_(std::move(state)),
        ex_(state_->executor),
        vendor_(std::move(vendor)),
        single_threaded_(state_->options.single_threaded),
        deadline_(state_->options.call_timeout.count() > 0
                      ? std::optional<steady::time_point>(steady::now() + state_->options.call_timeout)
                      : std::nullopt) {}
  virtual ~OpBase() {
    // An op dropped unfinished (its io_context destroyed with its handlers) leaves the lists too.
    if (call_timer_) call_timer_->remove(deadline_entry_);
    if (!linked_) return;
    std::lock_guard lock(state_->mutex);
    unlink_live();
  }

  // For ~Client, under the state's mutex: the next op begun and not finished.
  OpBase* next_live() const noexcept { return live_next_; }

  void start() {
    // The slot is connected now, in the initiating call: a cancellation emitted right after
    // async_* returns (before begin() runs) reaches the op and is not lost.
    auto slot = handler_slot();
    if (slot.is_connected()) {
      slot.assign([weak = weak_from_this()](asio::cancellation_type type) {
        if ((type & (asio::cancellation_type::terminal | asio::cancellation_type::partial |
                     asio::cancellation_type::total)) != asio::cancellation_type::none)
          if (auto self = weak.lock()) self->cancel(errc::cancelled);
      });
    }
    auto begin = [self = shared_from_this()] { self->serial([&] { self->begin(); }); };
    // Through the io_context's own executor when it is one: a post through an any_io_executor
    // makes two more type-erased executors (its blocking.never and relationship.fork preferences).
    if (const auto* io = ex_.target<asio::io_context::executor_type>())
      return asio::post(*io, std::move(begin));
    asio::post(ex_, std::move(begin));
  }

  // From any thread: ends the op with `code` (cancelled, or timeout for the call deadline).
  void cancel(errc code) {
    if (code == errc::cancelled) cancel_requested_ = true;  // seen by begin()/send() before the post runs
    asio::post(ex_, [self = shared_from_this(), code] { self->serial([&] { self->stop_with(code); }); });
  }

 protected:
  // ---- what a flow implements ----
  // The first step (the vendor, adapter, config and bucket are resolved): send_step() or finish().
  virtual void run() = 0;
  // A step's final answer: success, or the error its retries ended with.
  virtual void on_step(Result<Partners> result) = 0;
  // A create or deactivate attempt that may have been applied failed and would be retried: true
  // makes the op wait the retry delay and call reconcile() instead of sending it again.
  virtual bool reconcile_before_retry() { return false; }
  virtual void reconcile() {}
  // A create attempt that may have been applied failed and cannot be reconciled first: false stops
  // the loop (stop_reason::not_idempotent) instead of sending it again.
  virtual bool may_resend_create() const { return true; }
  virtual asio::cancellation_slot handler_slot() = 0;
  // The spec whose secrets (a password) are scrubbed from what the operation hands out.
  virtual const PartnerSpec* scrub_spec() const { return nullptr; }
  // Hands the result to the handler (post_to). Called once.
  virtual void complete(Result<Partners>&& result) = 0;

  // ---- what a flow calls ----
  // validate_in_place_for on the flow's own spec (normalized in place; a throwing adapter is
  // errc::internal): the error when it is invalid.
  std::optional<Error> validate_spec(PartnerSpec& spec, std::vector<std::string>& warnings) {
    auto valid = guarded<bool>(*adapter_, "validate", [&]() -> Result<bool> {
      if (auto e = validate_in_place_for(*adapter_, spec, &warnings)) return std::move(*e);
      return true;
    });
    if (!valid) return valid.error();
    return std::nullopt;
  }
  Budget new_budget() {
    std::uint64_t seed = 0;
    if (first_seed_) {  // drawn in begin() under its lock
      seed = *first_seed_;
      first_seed_.reset();
    } else {
      seed = state_->next_seed();
    }
    return Budget{
        policy::RetryLoop(state_->options.retry, state_->options.backoff, seed, steady::now(), deadline_), 0};
  }

  // (By rvalue reference: a Step is ~10 strings, and a by-value parameter moved them once more.)
  void send_step(Step&& step, Budget& budget) {
    step_ = std::move(step);
    budget_ = &budget;
    if (state_->options.hooks.before_send || state_->options.hooks.after_response)
      redacted_ = state_->options.hooks.unsafe_raw_bytes ? step_.sent().request
                                                         : redacted(step_.sent().request, *scrubber_);
    next_attempt();
  }

  // A request the op makes to check something (a lookup before a create, a read before a deactivate
  // is sent again): on a budget of its own, kept in `budget`, without its encode warnings (they are
  // not the call's).
  void send_check(Step&& step, std::optional<Budget>& budget) {
    step.encoded.warnings.clear();
    budget.emplace(new_budget());
    send_step(std::move(step), *budget);
  }

  // The op's final result; the flow returns right after calling it.
  void finish(Result<Partners>&& result) {
    if (done_) return;
    done_ = true;
    if (!keep_raw_ && result)
      for (auto& p : *result) p.raw = nullptr;  // never read: neither scrubbed nor carried
    scrub(*scrubber_, result);                  // every string handed out passes the operation's scrubber
    if (pacing_wait_) {                         // an abandoned wait gives its slot back
      pacing_wait_ = false;
      std::lock_guard lock(state_->mutex);
      pacer_->release(planned_, steady::now());
    }
    if (call_timer_) {
      call_timer_->remove(deadline_entry_);
      call_timer_ = nullptr;  // (not again in the destructor)
    }
    if (timer_) timer_->cancel();
    {
      std::lock_guard lock(state_->mutex);
      unlink_live();
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
    finish(Result<Partners>(one_partner(std::move(p))));
  }
  // The first partner of a step's answer is the op's result, finished where it lies: a Partner is
  // ~20 strings, and taking it out and wrapping it again moved it three times.
  void finish_first(Result<Partners>&& found) {
    Partner& p = found->front();
    p.vendor = vendor_;
    p.attempts = attempts_;
    finish(std::move(found));
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

  // Hands a result to an Asio handler: dispatched onto the handler's own executor. Never inline
  // from the initiating call: finish() only runs in a handler of the op (start() posts begin()),
  // so one hop suffices (a post before it cost a scheduler round trip per call). The
  // result rides boxed: a Partner is ~20 strings, and every capture and hop moved it again.
  // The handler may so run inline, under the op's and the transport's frames: an exception it
  // throws is thrown again from a handler of its own on the client's executor, and leaves run()
  // there as it did when the call was posted.
  template <class Handler, class R>
  void post_to(Handler handler, std::unique_ptr<R> boxed) {
    // (The candidate as the io_context's own executor when it is one: converting an any_io_executor
    // to the handler's any_completion_executor allocates.)
    const auto* io = state_->executor.template target<asio::io_context::executor_type>();
    auto ex = io ? asio::get_associated_executor(handler, *io)
                 : asio::get_associated_executor(handler, state_->executor);
    auto call = [io = state_->executor, h = std::move(handler), r = std::move(boxed)]() mutable {
      try {
        std::move(h)(std::move(*r));
      } catch (...) {
        asio::post(io, [e = std::current_exception()] { std::rethrow_exception(e); });
      }
    };
    asio::dispatch(ex, std::move(call));
  }

  std::shared_ptr<detail::ClientState> state_;
  asio::any_io_executor ex_;  // the client's: the op's timers and handlers
  std::string vendor_;
  std::shared_ptr<const Adapter> adapter_;
  const VendorConfig* config_ = nullptr;
  std::shared_ptr<const Capabilities> capabilities_;
  int attempts_ = 0;            // requests sent by this op, every step counted
  bool maybe_applied_ = false;  // a write (create, update, deactivate) may have been applied
  bool keep_raw_ = true;        // false: Partner::raw is dropped in finish() (ProvisionOptions)
  // The operation's secrets: the vendor's, kept by the state (vendor_scrubber), or own_scrubber_
  // for a spec with secrets of its own (the vendor's and the spec's). None until begin() resolves.
  const Scrubber* scrubber_ = &no_secrets();
  std::optional<Scrubber> own_scrubber_;

 private:
  // A handler's body: under the op's mutex (none under ClientOptions::single_threaded: handlers
  // cannot overlap), shielded.
  template <class F>
  void serial(F&& f) noexcept {
    if (single_threaded_) return shielded(std::forward<F>(f));
    std::lock_guard lock(mu_);
    shielded(std::forward<F>(f));
  }
  const bool single_threaded_;
  // Held by the handler running the op's state (serial). Recursive: a Transport that broke its
  // contract and completed inside async_send nests as it did on a strand, rather than deadlocking.
  std::recursive_mutex mu_;

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

  void fail_internal(std::string_view what) noexcept;

  void begin();
  // A vendor's first op: finds its adapter, config, scrubber, capabilities and pacer and lists the
  // route for the next ones. False when the op finished instead (unknown or unconfigured vendor, a
  // throwing adapter).
  bool resolve_vendor();

  void next_attempt();

  Error no_slot_before_deadline(steady::duration wait);

  void send();

  // paced: the pacer was told of the send already (next_attempt, under its lock).
  void transmit(bool paced);

  void hold_for(steady::duration hold);

  bool is_write() const noexcept { return step_.op != Operation::find && step_.op != Operation::get; }

  Result<Partners> decode(const HttpResponse& response);

  template <class One>
  Result<Partners> decode_as(const Adapter& a, const HttpResponse& response, const DecodeContext& context,
                             One one);

  void on_sent(boost::system::error_code ec, SendResult& r);
  // on_sent's result: the transport's error, or the decoded answer.
  Result<Partners> transport_failure(boost::system::error_code ec, bool request_written);
  // written: the request's write time, for the pacer's round trip (none: told already).
  Result<Partners> answered(const HttpResponse& response, steady::time_point now, steady::time_point written);

  // Every answer tells the key's pacer what the vendor said about its limit (policy/pacer.hpp).
  void learn_rate_limit(const HttpResponse& response, const Error* error, steady::time_point now,
                        steady::time_point written);

  void stop_with(errc code);

  // Made when first needed: each costs a service lookup under a mutex and an executor (~0.5k
  // instructions), and most creates wait for neither a pace nor a retry.
  asio::steady_timer& timer() { return timer_ ? *timer_ : timer_.emplace(ex_); }
  std::optional<asio::steady_timer> timer_;
  CallTimer* call_timer_ = nullptr;  // the state's, when the op has a deadline
  CallTimer::Entry deadline_entry_;
  std::optional<steady::time_point> deadline_;
  asio::cancellation_signal transport_cancel_;
  policy::Pacer* pacer_ = nullptr;
  std::optional<std::uint64_t> first_seed_;  // the first budget's seed, drawn in begin()
  steady::time_point planned_;               // the pacer's slot for the attempt being sent
  bool pacing_wait_ = false;                 // waiting for planned_
  Step step_;
  Budget* budget_ = nullptr;
  HttpRequest redacted_;
  std::optional<Error> last_error_;

  std::optional<int> answered_status_;  // while an answer is being decoded: for an internal error
  std::chrono::system_clock::time_point sent_at_;
  steady::time_point sent_steady_;
  bool in_flight_ = false;
  bool stopping_ = false;
  errc stop_code_ = errc::cancelled;
  bool done_ = false;
  std::atomic<bool> cancel_requested_{false};  // set from any thread by cancel()

  // The state's list of live ops; both under the state's mutex.
  void link_live() noexcept {
    live_next_ = state_->live;
    if (live_next_) live_next_->live_prev_ = this;
    state_->live = this;
    linked_ = true;
  }
  void unlink_live() noexcept {
    if (!linked_) return;
    if (live_prev_)
      live_prev_->live_next_ = live_next_;
    else
      state_->live = live_next_;
    if (live_next_) live_next_->live_prev_ = live_prev_;
    live_prev_ = live_next_ = nullptr;
    linked_ = false;
  }
  OpBase* live_prev_ = nullptr;
  OpBase* live_next_ = nullptr;
  bool linked_ = false;
};

// An op completing a handler of signature void(R), or, for the batch's creates, a
// detail::ProvisionSink (called with the op's answer as it lies: no box, no executor's hop).
template <class R>
class HandlerOp : public OpBase {
 public:
  using handler_type = asio::any_completion_handler<void(R)>;
  struct Sink {
    std::shared_ptr<detail::ProvisionSink> sink;
    std::uint64_t ticket = 0;
  };
  HandlerOp(std::shared_ptr<detail::ClientState> state, std::string vendor, handler_type handler)
      : OpBase(std::move(state), std::move(vendor)), handler_(std::move(handler)) {}
  HandlerOp(std::shared_ptr<detail::ClientState> state, std::string vendor, Sink sink)
      : OpBase(std::move(state), std::move(vendor)), handler_(std::move(sink)) {}

 protected:
  asio::cancellation_slot handler_slot() override {
    if (auto* h = std::get_if<handler_type>(&handler_)) return asio::get_associated_cancellation_slot(*h);
    return {};
  }
  void complete(Result<Partners>&& result) override {
    if (auto* s = std::get_if<Sink>(&handler_)) return s->sink->provision_done(s->ticket, std::move(result));
    // `new R(prvalue)`: the converted result is built in its box, not moved there.
    std::unique_ptr<R> boxed(new R(convert(std::move(result))));
    post_to(std::move(std::get<handler_type>(handler_)), std::move(boxed));
  }
  virtual R convert(Result<Partners>&& result) = 0;

 private:
  std::variant<handler_type, Sink> handler_;
};

// Operations answering one partner (create, get, update, deactivate).
class PartnerResultOp : public HandlerOp<Result<Partner>> {
 public:
  using HandlerOp::HandlerOp;

 protected:
  Result<Partner> convert(Result<Partners>&& r) override { return detail::first_partner(std::move(r)); }
};

// The flows' entry points (provision_op.cpp, lifecycle_ops.cpp): make the op and start it.
void start_provision_op(std::shared_ptr<detail::ClientState> state, std::string vendor, PartnerSpec&& spec,
                        ProvisionOptions options, Client::provision_handler handler);
void start_provision_op(std::shared_ptr<detail::ClientState> state, std::string vendor, PartnerSpec&& spec,
                        ProvisionOptions options, HandlerOp<Result<Partner>>::Sink sink);
void start_find_op(std::shared_ptr<detail::ClientState> state, std::string vendor, FindQuery query,
                   Client::find_handler handler);
void start_single_op(std::shared_ptr<detail::ClientState> state, std::string vendor, Operation op,
                     std::string partner_id, PartnerSpec changes, DeactivateOptions deactivate,
                     Client::provision_handler handler);

}  // namespace client_detail
}  // namespace partnerkit
