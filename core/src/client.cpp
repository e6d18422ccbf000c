#include <partnerkit/client.hpp>
#include <partnerkit/http_errors.hpp>
#include <partnerkit/policy/pacer.hpp>
#include <partnerkit/policy/retry_loop.hpp>
#include <partnerkit/secrets.hpp>
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

#include <atomic>
#include <charconv>
#include <mutex>
#include <random>
#include <unordered_map>

namespace partnerkit {
namespace asio = boost::asio;
using steady = std::chrono::steady_clock;

namespace {
class ProvisionOp;
}

struct detail::ClientState {
  Client::executor_type executor;
  std::shared_ptr<const AdapterRegistry> registry;
  std::shared_ptr<Transport> transport;
  ClientOptions options;

  std::mutex mutex;                                                     // guards everything below
  std::map<std::pair<std::string, std::string>, policy::Pacer> pacers;  // (vendor, api key)
  std::mt19937_64 seeder;
  std::unordered_map<const void*, std::weak_ptr<ProvisionOp>> live;
  // Each adapter's capabilities, asked once: a copy per call (its vectors of strings) cost ~3 % of a create's
  // client instructions.
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

// A duplicate that concerns the partner itself (its email, or no field named) may be our own earlier
// attempt; a referral key or id taken by someone else is a real conflict, never reconciled.
bool names_the_partner(const Error& e) {
  if (e.field.empty() || e.field == "email") return true;
  for (const auto& issue : e.issues)
    if (issue.field == "email") return true;
  return false;
}

// One provisioning call: validate, encode, then attempts (rate-limit wait, send, decode) until a
// result. All state changes run on the op's strand; timers and the transport are cancelled
// through it, so the handler completes exactly once.
class ProvisionOp : public std::enable_shared_from_this<ProvisionOp> {
 public:
  ProvisionOp(std::shared_ptr<detail::ClientState> state, std::string vendor, PartnerSpec spec,
              ProvisionOptions options, Client::provision_handler handler)
      : state_(std::move(state)),
        strand_(asio::make_strand(state_->executor)),
        vendor_(std::move(vendor)),
        spec_(std::move(spec)),
        maybe_applied_(options.may_have_been_applied),
        handler_(std::move(handler)),
        timer_(strand_),
        deadline_timer_(strand_),
        loop_(state_->options.retry, state_->options.backoff, state_->next_seed(), steady::now(),
              state_->options.call_timeout.count() > 0
                  ? std::optional<steady::time_point>(steady::now() + state_->options.call_timeout)
                  : std::nullopt) {}

  void start() {
    // The slot is connected now, in the initiating call: a cancellation emitted right after
    // async_provision returns (before begin() runs on the strand) reaches the op and is not lost.
    auto slot = asio::get_associated_cancellation_slot(handler_);
    if (slot.is_connected()) {
      slot.assign([weak = weak_from_this()](asio::cancellation_type type) {
        if ((type & (asio::cancellation_type::terminal | asio::cancellation_type::partial |
                     asio::cancellation_type::total)) != asio::cancellation_type::none)
          if (auto self = weak.lock()) self->cancel(errc::cancelled);
      });
    }
    asio::post(strand_, [self = shared_from_this()] { self->guarded([&] { self->begin(); }); });
  }

  // From any thread: ends the op with `code` (cancelled, or timeout for the call deadline).
  void cancel(errc code) {
    if (code == errc::cancelled) cancel_requested_ = true;  // seen by begin()/send() before the post runs
    asio::post(strand_, [self = shared_from_this(), code] { self->guarded([&] { self->stop_with(code); }); });
  }

 private:
  // Nothing escapes: an exception from an adapter or plugin (encode, decode, capabilities), a hook,
  // the transport or this op itself ends the op with errc::internal, never the process.
  template <class F>
  void guarded(F&& f) noexcept {
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
      Error err = Error::make(errc::internal, "internal error while provisioning on " + vendor_ + ": " +
                                                  std::string(what.substr(0, 512)));
      err.attempts = attempt_;
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
    scrubber_ = state_->scrubber_for(vendor_, *adapter_, &spec_, *config_);  // applied in finish(), to hooks
    {
      std::lock_guard lock(state_->mutex);
      auto& caps = state_->capabilities[adapter_.get()];
      if (!caps) caps = std::make_shared<const Capabilities>(adapter_->capabilities());
      capabilities_ = caps;
    }

    auto valid = validated(std::move(spec_));
    if (!valid) return finish(valid.error());
    spec_ = std::move(*valid);

    auto encoded = adapter_->encode(spec_, *config_);
    if (!encoded) return finish(encoded.error());
    encoded_ = std::move(*encoded);
    if (state_->options.hooks.before_send || state_->options.hooks.after_response)
      redacted_ =
          state_->options.hooks.unsafe_raw_bytes ? encoded_.request : redacted(encoded_.request, scrubber_);

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

    if (state_->options.call_timeout.count() > 0) {
      deadline_timer_.expires_after(state_->options.call_timeout);
      deadline_timer_.async_wait([self = shared_from_this()](boost::system::error_code ec) {
        if (!ec) self->guarded([&] { self->stop_with(errc::timeout); });
      });
    }
    next_attempt();
  }

  void next_attempt() {
    policy::Pacer::Slot slot;
    {
      std::lock_guard lock(state_->mutex);
      slot = pacer_->reserve(steady::now(), loop_.deadline());
    }
    // A slot past the deadline: fail now, and say when the limit frees one (nothing was reserved).
    if (slot.later) {  // too far ahead to reserve yet: ask again nearer the time
      timer_.expires_at(slot.send_at);
      timer_.async_wait([self = shared_from_this()](boost::system::error_code ec) {
        if (self->done_) return;
        self->guarded([&] {
          if (ec) return self->stop_with(self->stop_code_);
          self->next_attempt();
        });
      });
      return;
    }
    if (!slot.granted) return finish(no_slot_before_deadline(slot.wait));
    planned_ = slot.send_at;
    if (slot.wait <= steady::duration::zero()) return send();
    timer_.expires_at(slot.send_at);
    pacing_wait_ = true;
    timer_.async_wait([self = shared_from_this()](boost::system::error_code ec) {
      if (self->done_) return;
      self->pacing_wait_ = false;
      self->guarded([&] {
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
    err.attempts = attempt_;
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
      self->guarded([&] {
        if (ec) return self->stop_with(self->stop_code_);
        self->send();  // ask the pacer again: the timer may have fired late
      });
    });
  }

  void transmit() {
    if (stopping_) return stop_with(stop_code_);
    ++attempt_;
    if (state_->options.hooks.before_send) state_->options.hooks.before_send(redacted_);
    sent_at_ = std::chrono::system_clock::now();
    sent_steady_ = steady::now();
    {
      std::lock_guard lock(state_->mutex);
      pacer_->on_sent(planned_, sent_steady_);
    }
    in_flight_ = true;
    state_->transport->async_send(
        encoded_.request, asio::bind_cancellation_slot(
                              transport_cancel_.slot(),
                              asio::bind_executor(strand_, [self = shared_from_this()](
                                                               boost::system::error_code ec, SendResult r) {
                                self->guarded([&] { self->on_sent(ec, std::move(r)); });
                              })));
  }

  void on_sent(boost::system::error_code ec, SendResult r) {
    in_flight_ = false;
    if (done_) return;
    if (stopping_) {
      if (r.request_written) maybe_applied_ = true;
      return stop_with(stop_code_);
    }
    const auto now = steady::now();
    Result<Partner> result = Error{};
    if (ec) {
      Error err = error_from_transport(ec, r.request_written);
      if (policy::may_have_been_applied(err, r.request_written)) maybe_applied_ = true;
      result = std::move(err);
    } else {
      answered_status_ = r.response.status;
      if (state_->options.hooks.after_response)
        state_->options.hooks.after_response(
            redacted_, state_->options.hooks.unsafe_raw_bytes ? r.response : redacted(r.response, scrubber_),
            std::chrono::duration_cast<std::chrono::microseconds>(now - sent_steady_));
      DecodeContext context;
      context.spec = &spec_;
      context.config = config_;
      context.sent_at = sent_at_;
      context.clock_skew = state_->options.clock_skew;
      result = adapter_->decode(r.response, context);
      // A 5xx, a 2xx this decoder rejects, ...: any answer that does not prove the request was not
      // applied (only a 4xx does) lets a later "already exists" mean our own earlier attempt.
      if (!result && policy::may_have_been_applied(result.error(), true)) maybe_applied_ = true;
      learn_rate_limit(r.response, result, now);
      answered_status_.reset();
    }

    if (result) {
      result->attempts = attempt_;
      for (auto& w : encoded_.warnings) result->warnings.push_back(w);
      return finish(std::move(result));
    }
    Error err = result.error();
    err.attempts = attempt_;

    // The idempotency rule: a create that may already have been applied and now answers
    // "already exists" was applied by us (or before us): the partner is there, once.
    if (err.code == errc::already_exists && maybe_applied_ &&
        capabilities_->create == CreateSemantics::create && names_the_partner(err))
      return finish(existing_partner(err));

    auto decision = loop_.on_failure(err, attempt_, now);
    if (!decision.retry) {
      err.stopped = decision.reason;
      if (decision.reason == stop_reason::deadline && err.code != errc::rate_limited && !err.message.empty())
        err.message += " (no time left to retry)";
      return finish(std::move(err));
    }
    if (state_->options.hooks.on_retry)
      state_->options.hooks.on_retry(
          RetryEvent{vendor_, attempt_, std::string(to_string(err.code)), err.http_status, decision.delay});
    last_error_ = std::move(err);
    timer_.expires_after(decision.delay);
    timer_.async_wait([self = shared_from_this()](boost::system::error_code ec) {
      if (self->done_) return;
      self->guarded([&] {
        if (ec) return self->stop_with(self->stop_code_);
        self->next_attempt();
      });
    });
  }

  // Every answer tells the key's pacer what the vendor said about its limit (policy/pacer.hpp).
  void learn_rate_limit(const HttpResponse& response, const Result<Partner>& result, steady::time_point now) {
    auto observation = policy::observe_rate_limit(response, sent_at_);
    if (!result && result.error().code == errc::rate_limited) observation.throttled = true;
    std::lock_guard lock(state_->mutex);
    pacer_->on_response(observation, now);
  }

  Partner existing_partner(const Error& err) const {
    Partner p;
    p.vendor = vendor_;
    p.email = spec_.email;
    if (spec_.name)
      p.name = *spec_.name;
    else if (spec_.first_name || spec_.last_name)
      p.name = spec_.first_name.value_or("") + (spec_.first_name && spec_.last_name ? " " : "") +
               spec_.last_name.value_or("");
    p.outcome = Outcome::existing;
    p.attempts = attempt_;
    p.warnings = encoded_.warnings;
    p.warnings.push_back("an earlier attempt may have been applied and " + vendor_ +
                         " now reports the partner exists (" +
                         (err.message.empty() ? std::string("already_exists") : err.message) + ")");
    return p;
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
    err.attempts = attempt_;
    err.stopped = stop_code_ == errc::timeout ? stop_reason::deadline : stop_reason::cancelled;
    finish(std::move(err));
  }

  void finish(Result<Partner> result) {
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
    auto slot = asio::get_associated_cancellation_slot(handler_);
    if (slot.is_connected()) slot.clear();
    // Post first (never inline), then dispatch onto the handler's own executor.
    auto ex = asio::get_associated_executor(handler_, state_->executor);
    asio::post(state_->executor, [ex, h = std::move(handler_), r = std::move(result)]() mutable {
      asio::dispatch(ex, [h = std::move(h), r = std::move(r)]() mutable { std::move(h)(std::move(r)); });
    });
  }

  std::shared_ptr<detail::ClientState> state_;
  asio::strand<asio::any_io_executor> strand_;
  std::string vendor_;
  PartnerSpec spec_;
  bool maybe_applied_;
  Client::provision_handler handler_;
  asio::steady_timer timer_;
  asio::steady_timer deadline_timer_;
  asio::cancellation_signal transport_cancel_;
  policy::RetryLoop loop_;

  std::shared_ptr<const Adapter> adapter_;
  const VendorConfig* config_ = nullptr;
  std::shared_ptr<const Capabilities> capabilities_;
  EncodedRequest encoded_;
  HttpRequest redacted_;
  Scrubber scrubber_;  // the operation's secrets, by value
  policy::Pacer* pacer_ = nullptr;
  steady::time_point planned_;  // the pacer's slot for the attempt being sent
  bool pacing_wait_ = false;    // waiting for planned_
  std::optional<Error> last_error_;

  int attempt_ = 0;
  std::optional<int> answered_status_;  // while an answer is being decoded: for an internal error
  std::chrono::system_clock::time_point sent_at_;
  steady::time_point sent_steady_;
  bool in_flight_ = false;
  bool stopping_ = false;
  errc stop_code_ = errc::cancelled;
  bool done_ = false;
  std::atomic<bool> cancel_requested_{false};  // set from any thread by cancel()
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
  std::vector<std::shared_ptr<ProvisionOp>> ops;
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

void Client::start_provision(std::string vendor, PartnerSpec spec, ProvisionOptions options,
                             provision_handler handler) {
  std::make_shared<ProvisionOp>(state_, std::move(vendor), std::move(spec), options, std::move(handler))
      ->start();
}

Result<Partner> Client::provision(std::string vendor, PartnerSpec spec, ProvisionOptions options) {
  return async_provision(std::move(vendor), std::move(spec), options, asio::use_future).get();
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

}  // namespace partnerkit
