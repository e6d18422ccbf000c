// A create, with reconciliation: ProvisionOp validates and encodes the spec, sends the create, and
// settles an attempt that may have been applied, or an already_exists answer, by lookup (external id,
// then email) or by the duplicate rule.
#include "op_base.hpp"
#include "recycler.hpp"

#include <partnerkit/validation.hpp>

namespace partnerkit::client_detail {
namespace {

// ---- create, with reconciliation ----
class ProvisionOp final : public PartnerResultOp {
 public:
  template <class Handler>  // Client::provision_handler or a ProvisionSink (HandlerOp::Sink)
  ProvisionOp(std::shared_ptr<detail::ClientState> state, std::string vendor, PartnerSpec&& spec,
              ProvisionOptions options, Handler handler)
      : PartnerResultOp(std::move(state), std::move(vendor), std::move(handler)),
        spec_(std::move(spec)),
        options_(options) {
    maybe_applied_ = options.may_have_been_applied;
    keep_raw_ = options.keep_raw;
  }

 private:
  const PartnerSpec* scrub_spec() const override { return &spec_; }

  enum class Phase { create, lookup };
  enum class Why { earlier_attempt, already_exists };

  void run() override {
    std::vector<std::string> input_warnings;
    if (auto e = validate_spec(spec_, input_warnings)) return finish(std::move(*e));
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
    s.shared = &create_;  // not copied: create_ lives as long as the op
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
    Step s;
    s.op = Operation::find;
    s.encoded = std::move(*encoded);
    s.query = q;
    send_check(std::move(s), lookup_budget_);
  }

  bool reconcile_before_retry() override { return phase_ == Phase::create && can_lookup(); }
  bool may_resend_create() const override {
    return !(maybe_applied_ && capabilities_->create == CreateSemantics::not_idempotent && !can_lookup());
  }
  void reconcile() override { start_lookup(Why::earlier_attempt); }

  void on_step(Result<Partners> r) override {
    if (phase_ == Phase::lookup) return on_lookup(std::move(r));
    if (r) {
      auto& warnings = r->front().warnings;
      warnings.insert(warnings.end(), notes_.begin(), notes_.end());
      return finish_first(std::move(r));
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
    p.warnings.push_back(
        "an earlier attempt may have been applied and " + vendor_ + " now reports the partner exists (" +
        (err.message.empty() ? std::string("already_exists") : err.message) +
        (err.vendor_message.empty() ? "" : "; the vendor says: " + err.vendor_message) + ")");
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

}  // namespace

void start_provision_op(std::shared_ptr<detail::ClientState> state, std::string vendor, PartnerSpec&& spec,
                        ProvisionOptions options, Client::provision_handler handler) {
  std::allocate_shared<ProvisionOp>(Recycled<ProvisionOp>{}, std::move(state), std::move(vendor),
                                    std::move(spec), options, std::move(handler))
      ->start();
}

void start_provision_op(std::shared_ptr<detail::ClientState> state, std::string vendor, PartnerSpec&& spec,
                        ProvisionOptions options, HandlerOp<Result<Partner>>::Sink sink) {
  std::allocate_shared<ProvisionOp>(Recycled<ProvisionOp>{}, std::move(state), std::move(vendor),
                                    std::move(spec), options, std::move(sink))
      ->start();
}

}  // namespace partnerkit::client_detail
