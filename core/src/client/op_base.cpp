// OpBase's steps: resolving the vendor, pacing, sending, decoding, retrying and stopping (op_base.hpp).
#include "op_base.hpp"

#include <partnerkit/transport_errors.hpp>

#include <boost/asio/bind_cancellation_slot.hpp>
#include <boost/asio/bind_executor.hpp>
#include <boost/asio/io_context.hpp>

#include <algorithm>

namespace partnerkit::client_detail {

void OpBase::fail_internal(std::string_view what) noexcept {
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

void OpBase::begin() {
  if (done_) return;  // cancelled before it began
  if (cancel_requested_) return stop_with(errc::cancelled);
  // One lock for what every op looks up in the state (each its own lock cost ~6 lock pairs a
  // create): the live list, the call timer, the vendor's route and the first retry seed. A vendor's
  // first op resolves the route (resolve_vendor) and keeps it for the next ones.
  bool closed = false;
  const detail::ClientState::Route* route = nullptr;
  {
    std::lock_guard lock(state_->mutex);
    closed = state_->closed;
    if (!closed) link_live();
    if (deadline_) {
      if (!state_->call_timer) state_->call_timer = std::make_shared<CallTimer>(state_->executor);
      call_timer_ = state_->call_timer.get();
    }
    if (!closed) {
      route = state_->route_locked(vendor_);
      if (route) first_seed_ = state_->seeder();
    }
  }
  // Not under the lock: finish() takes it.
  if (closed) return finish(Error::make(errc::cancelled, "the client was destroyed"));
  if (route) {
    adapter_ = route->adapter;
    config_ = route->config;
    scrubber_ = route->scrubber;
    capabilities_ = route->capabilities;
    pacer_ = route->pacer;
  } else if (!resolve_vendor()) {
    return;  // finished
  }
  // The operation's own secrets (the spec's password...) beside the vendor's: applied in finish()
  // and to what hooks see.
  if (const PartnerSpec* spec = scrub_spec()) {
    auto own = spec_secrets(adapter_.get(), *spec, *config_);
    if (!own.empty()) scrubber_ = &own_scrubber_.emplace(own, *scrubber_);
  }
  if (deadline_) {
    deadline_entry_.owner = this;
    call_timer_->add(deadline_entry_, *deadline_);
  }
  run();
}

bool OpBase::resolve_vendor() {
  adapter_ = state_->registry->find(vendor_);
  const auto vo = adapter_ ? state_->options.vendors.find(vendor_) : state_->options.vendors.end();
  if (adapter_ && vo != state_->options.vendors.end()) config_ = &vo->second.config;
  if (!adapter_) {
    finish(
        Error::make(errc::invalid_input, "no adapter is registered for vendor '" + vendor_ + "'", "vendor"));
    return false;
  }
  if (!config_) {
    finish(Error::make(errc::invalid_input,
                       "vendor '" + vendor_ + "' is not configured (no base URL or API key)", "vendor"));
    return false;
  }
  first_seed_ = state_->next_seed();
  scrubber_ = &state_->vendor_scrubber(vendor_, *adapter_, *config_);
  {
    std::lock_guard lock(state_->mutex);
    if (auto it = state_->capabilities.find(adapter_.get()); it != state_->capabilities.end())
      capabilities_ = it->second;
  }
  if (!capabilities_) {
    auto caps = guarded<Capabilities>(*adapter_, "capabilities", [&] { return adapter_->capabilities(); });
    if (!caps) {
      finish(caps.error());
      return false;
    }
    auto shared = std::make_shared<const Capabilities>(std::move(*caps));
    std::lock_guard lock(state_->mutex);
    capabilities_ = state_->capabilities.emplace(adapter_.get(), std::move(shared)).first->second;
  }
  std::lock_guard lock(state_->mutex);
  const std::pair<std::string_view, std::string_view> key(vendor_, config_->api_key);
  auto it = state_->pacers.find(key);
  if (it == state_->pacers.end()) {
    policy::PacerConfig pc{declared_rate_limit(*capabilities_), vo->second.rate_limit};
    pc.paced_elsewhere = vo->second.paced_by_caller;
    it = state_->pacers.emplace(std::make_pair(vendor_, config_->api_key), policy::Pacer(pc, steady::now()))
             .first;
  }
  pacer_ = &it->second;  // std::map nodes are stable
  if (!state_->route_locked(vendor_))
    state_->routes.push_front(
        detail::ClientState::Route{vendor_, adapter_, config_, scrubber_, capabilities_, pacer_});
  return true;
}

void OpBase::next_attempt() {
  policy::Pacer::Slot slot;
  // With no before_send hook to run between them, a slot free now is reserved, held and marked sent
  // under one lock (a lock pair each cost ~0.1k instructions a create); the same calls in the same
  // order as next_attempt → send → transmit make them.
  const bool fuse = !state_->options.hooks.before_send && !stopping_ && !cancel_requested_;
  std::optional<steady::duration> hold;
  {
    std::lock_guard lock(state_->mutex);
    const auto now = steady::now();
    slot = pacer_->reserve(now, budget_->loop.deadline());
    if (fuse && slot.granted && !slot.later && slot.wait <= steady::duration::zero()) {
      hold = pacer_->hold(now, slot.send_at);
      if (*hold <= steady::duration::zero()) {
        pacer_->on_sent(slot.send_at, now);
        sent_steady_ = now;
      }
    }
  }
  if (hold) {
    planned_ = slot.send_at;
    if (*hold <= steady::duration::zero()) return transmit(/*paced=*/true);
    return hold_for(*hold);
  }
  if (slot.later) {  // too far ahead to reserve yet: ask again nearer the time
    timer().expires_at(slot.send_at);
    timer().async_wait([self = shared_from_this()](boost::system::error_code ec) {
      self->serial([&] {
        if (self->done_) return;
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
  timer().expires_at(slot.send_at);
  pacing_wait_ = true;
  timer().async_wait([self = shared_from_this()](boost::system::error_code ec) {
    self->serial([&] {
      if (self->done_) return;
      self->pacing_wait_ = false;
      if (ec) return self->stop_with(self->stop_code_);
      self->send();
    });
  });
}

Error OpBase::no_slot_before_deadline(steady::duration wait) {
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

void OpBase::send() {
  if (cancel_requested_ && !stopping_) return stop_with(errc::cancelled);
  if (stopping_) return stop_with(stop_code_);
  steady::duration hold;
  {
    std::lock_guard lock(state_->mutex);
    hold = pacer_->hold(steady::now(), planned_);  // the one before left late: keep the spacing
  }
  if (hold <= steady::duration::zero()) return transmit(/*paced=*/false);
  hold_for(hold);
}

void OpBase::hold_for(steady::duration hold) {
  timer().expires_after(hold);
  timer().async_wait([self = shared_from_this()](boost::system::error_code ec) {
    self->serial([&] {
      if (self->done_) return;
      if (ec) return self->stop_with(self->stop_code_);
      self->send();  // ask the pacer again: the timer may have fired late
    });
  });
}

void OpBase::transmit(bool paced) {
  if (stopping_) return stop_with(stop_code_);  // (not when paced: next_attempt checked it)
  ++attempts_;
  ++budget_->attempts;
  if (state_->options.hooks.before_send) state_->options.hooks.before_send(redacted_);
  sent_at_ = std::chrono::system_clock::now();
  if (!paced) {
    sent_steady_ = steady::now();
    std::lock_guard lock(state_->mutex);
    pacer_->on_sent(planned_, sent_steady_);
  }
  in_flight_ = true;
  // SendResult by reference: the type-erased call moved it twice already (an answer's headers and
  // body each time).
  auto done = [self = shared_from_this()](boost::system::error_code ec, SendResult&& r) {
    self->serial([&] { self->on_sent(ec, r); });
  };
  // Bound to the io_context's own executor when the client's is one: the transport converts the
  // handler's executor to an any_completion_executor, and from an any_io_executor that conversion
  // allocates (a shared_ptr copy) on every send.
  if (const auto* io = ex_.target<asio::io_context::executor_type>())
    state_->transport->async_send_lent(
        step_.sent().request,
        asio::bind_cancellation_slot(transport_cancel_.slot(), asio::bind_executor(*io, std::move(done))));
  else
    state_->transport->async_send_lent(
        step_.sent().request,
        asio::bind_cancellation_slot(transport_cancel_.slot(), asio::bind_executor(ex_, std::move(done))));
}

Result<Partners> OpBase::decode(const HttpResponse& response) {
  DecodeContext context;
  static const PartnerSpec no_spec;  // one for every op: a PartnerSpec is ~1.4 KB
  context.spec = step_.spec ? step_.spec : &no_spec;
  context.config = config_;
  context.sent_at = sent_at_;
  context.clock_skew = state_->options.clock_skew;
  context.operation = step_.op;
  context.query = step_.op == Operation::find ? &step_.query : nullptr;
  context.partner_id = step_.partner_id;
  context.deactivate = step_.op == Operation::deactivate ? &step_.deactivate : nullptr;
  context.keep_raw = keep_raw_;
  const Adapter& a = *adapter_;
  auto one = [](Result<Partner> r) -> Result<Partners> {
    if (!r) return r.error();
    return one_partner(std::move(*r));
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
Result<Partners> OpBase::decode_as(const Adapter& a, const HttpResponse& response,
                                   const DecodeContext& context, One one) {
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

void OpBase::on_sent(boost::system::error_code ec, SendResult& r) {
  in_flight_ = false;
  const auto now = steady::now();
  // An answer's round trip (on_answered) is told with what the answer says (learn_rate_limit),
  // under one lock; without an answer to decode, here. (A hook that throws in between costs the
  // pacer one round-trip sample, nothing else.)
  steady::time_point written = r.written_at;
  if ((done_ || stopping_ || ec) && written != steady::time_point{}) {
    std::lock_guard lock(state_->mutex);
    pacer_->on_answered(written, now);
    written = {};
  }
  if (done_) return;
  if (stopping_) {
    if (r.request_written && is_write()) maybe_applied_ = true;
    return stop_with(stop_code_);
  }
  // Built where it lies (a default Error assigned over cost a construction, a move and two
  // destructions per call).
  Result<Partners> result =
      ec ? transport_failure(ec, r.request_written) : answered(r.response, now, written);

  if (result) {
    for (auto& p : *result) {
      p.attempts = attempts_;
      p.warnings.insert(p.warnings.begin(), step_.sent().warnings.begin(), step_.sent().warnings.end());
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
  const bool reconcile_first = (step_.op == Operation::create || step_.op == Operation::deactivate) &&
                               maybe_applied_ && reconcile_before_retry();
  timer().expires_after(decision.delay);
  timer().async_wait([self = shared_from_this(), reconcile_first](boost::system::error_code ec) {
    self->serial([&] {
      if (self->done_) return;
      if (ec) return self->stop_with(self->stop_code_);
      if (reconcile_first) return self->reconcile();
      self->next_attempt();
    });
  });
}

Result<Partners> OpBase::transport_failure(boost::system::error_code ec, bool request_written) {
  Error err = error_from_transport(ec, request_written);
  if (is_write() && policy::may_have_been_applied(err, request_written)) maybe_applied_ = true;
  return err;
}

Result<Partners> OpBase::answered(const HttpResponse& response, steady::time_point now,
                                  steady::time_point written) {
  answered_status_ = response.status;
  const Hooks& hooks = state_->options.hooks;
  const bool throttled = response.status == 429 && hooks.after_throttled;
  if (hooks.after_response || throttled) {
    const HttpResponse shown = hooks.unsafe_raw_bytes ? response : redacted(response, *scrubber_);
    const auto elapsed = std::chrono::duration_cast<std::chrono::microseconds>(now - sent_steady_);
    if (hooks.after_response) hooks.after_response(redacted_, shown, elapsed);
    if (throttled && (hooks.before_send || hooks.after_response))  // redacted_ is set
      hooks.after_throttled(redacted_, shown, elapsed);
    else if (throttled)
      hooks.after_throttled(
          hooks.unsafe_raw_bytes ? step_.sent().request : redacted(step_.sent().request, *scrubber_), shown,
          elapsed);
  }
  Result<Partners> result = decode(response);
  std::optional<Error> failure;
  if (!result) failure = result.error();
  // A 5xx, a 2xx this decoder rejects, ...: any answer that does not prove a write was not
  // applied (only a 4xx does) lets a later "already exists" mean our own earlier attempt, and
  // makes a create's retry a lookup first.
  if (failure && is_write() && policy::may_have_been_applied(*failure, true)) maybe_applied_ = true;
  learn_rate_limit(response, failure ? &*failure : nullptr, now, written);
  answered_status_.reset();
  return result;
}

// Every answer tells the key's pacer what the vendor said about its limit (policy/pacer.hpp).
void OpBase::learn_rate_limit(const HttpResponse& response, const Error* error, steady::time_point now,
                              steady::time_point written) {
  auto observation = policy::observe_rate_limit(response, sent_at_);
  if (error && error->code == errc::rate_limited) observation.throttled = true;
  std::lock_guard lock(state_->mutex);
  if (written != steady::time_point{}) pacer_->on_answered(written, now);
  pacer_->on_response(observation, now);
}

void OpBase::stop_with(errc code) {
  if (done_) return;
  if (!stopping_) {
    stopping_ = true;
    stop_code_ = code;
  }
  if (timer_) timer_->cancel();
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

}  // namespace partnerkit::client_detail
