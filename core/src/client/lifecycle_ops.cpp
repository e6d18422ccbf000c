// The lifecycle operations beyond create: FindOp (exact matches only) and SingleOp (get, update with
// only the vendor's updatable fields, deactivate).
#include "op_base.hpp"

#include <partnerkit/validation.hpp>

#include <algorithm>

namespace partnerkit::client_detail {
namespace {

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

  Result<std::optional<Partner>> convert(Result<Partners>&& r) override {
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
class SingleOp final : public PartnerResultOp {
 public:
  SingleOp(std::shared_ptr<detail::ClientState> state, std::string vendor, Operation op,
           std::string partner_id, PartnerSpec changes, DeactivateOptions deactivate,
           Client::provision_handler handler)
      : PartnerResultOp(std::move(state), std::move(vendor), std::move(handler)),
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
    if (op_ == Operation::deactivate) action_ = s;  // sent again after a read that finds it still on
    send_step(std::move(s), *budget_);
  }

  // A deactivate that may have been applied (a 5xx after the write, a lost answer) is not sent again
  // blind: some vendors refuse a second one (already archived, already banned). The partner is read
  // first; found off, the call is done.
  bool reconcile_before_retry() override { return action_ && !reading_ && capabilities_->operations.get; }
  void reconcile() override {
    auto encoded = guarded<EncodedRequest>(*adapter_, "encode_get",
                                           [&] { return adapter_->encode_get(partner_id_, *config_); });
    if (!encoded) return finish(encoded.error());
    reading_ = true;
    Step s;
    s.op = Operation::get;
    s.encoded = std::move(*encoded);
    s.partner_id = partner_id_;
    send_check(std::move(s), read_budget_);
  }
  void on_read(Result<Partners> r) {
    reading_ = false;
    if (!r) {
      Error e = r.error();
      e.message = "deactivate: an attempt may have been applied, and reading the partner to check failed: " +
                  e.message;
      return finish(std::move(e));
    }
    if (!r->empty() && is_deactivated(r->front().status)) {
      Partner p = std::move(r->front());
      p.outcome = Outcome::updated;
      p.warnings.insert(p.warnings.begin(), action_->encoded.warnings.begin(),
                        action_->encoded.warnings.end());
      p.warnings.push_back("an earlier attempt may have been applied; the partner was read and is off (" +
                           std::string(to_string(p.status)) + "), so nothing was sent again");
      return finish(std::move(p));
    }
    send_step(Step(*action_), *budget_);  // still on: the deactivate goes out again on its own budget
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
    if (auto e = validate_spec(changes_, input_warnings)) return std::move(*e);
    if (no_email) changes_.email.clear();
    dropped_.insert(dropped_.end(), input_warnings.begin(), input_warnings.end());
    if (set_fields(changes_).empty())  // every given field was blank
      return Error::make(errc::invalid_input,
                         "nothing to update on " + vendor_ + " (every given field was blank)");
    return {};
  }

  void on_step(Result<Partners> r) override {
    if (reading_) return on_read(std::move(r));
    if (!r) return finish(r.error());
    if (r->empty()) return finish(Error::make(errc::protocol, "the answer describes no partner"));
    r->front().outcome = op_ == Operation::get ? Outcome::existing : Outcome::updated;
    finish_first(std::move(r));
  }

  Operation op_;
  std::string partner_id_;
  PartnerSpec changes_;
  DeactivateOptions deactivate_;
  std::vector<std::string> dropped_;
  std::optional<Budget> budget_, read_budget_;
  std::optional<Step> action_;  // the deactivate, kept for a re-send after a read
  bool reading_ = false;
};

}  // namespace

void start_find_op(std::shared_ptr<detail::ClientState> state, std::string vendor, FindQuery query,
                   Client::find_handler handler) {
  std::make_shared<FindOp>(std::move(state), std::move(vendor), std::move(query), std::move(handler))
      ->start();
}

void start_single_op(std::shared_ptr<detail::ClientState> state, std::string vendor, Operation op,
                     std::string partner_id, PartnerSpec changes, DeactivateOptions deactivate,
                     Client::provision_handler handler) {
  std::make_shared<SingleOp>(std::move(state), std::move(vendor), op, std::move(partner_id),
                             std::move(changes), std::move(deactivate), std::move(handler))
      ->start();
}

}  // namespace partnerkit::client_detail
