// The errors an adapter makes itself: a protocol error about a 2xx that breaks the vendor's contract,
// invalid UTF-8 in a spec string, and the lenient/strict rule for fields a vendor cannot carry.
#pragma once

#include <partnerkit/adapter.hpp>
#include <partnerkit/adapter_kit/capabilities.hpp>
#include <partnerkit/adapter_kit/spec.hpp>
#include <partnerkit/error.hpp>
#include <partnerkit/http.hpp>
#include <partnerkit/http_errors.hpp>

#include <bit>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace partnerkit::adapter_kit {

// A protocol error about an answer: not retryable, http_status, raw_body (sanitized) and the message set.
inline Error protocol_error(const HttpResponse& response, std::string message, std::string field = {}) {
  Error e = Error::make(errc::protocol, std::move(message), std::move(field));
  e.retryable = false;
  e.http_status = response.status;
  e.raw_body = sanitized_body(response.body);
  return e;
}

// The invalid_input for a string that is not valid UTF-8 (field empty when not known).
inline Error bad_utf8_error(std::string_view vendor, std::string field) {
  std::string msg = "a string for " + std::string(vendor) + " is not valid UTF-8";
  if (!field.empty()) msg = field + " is not valid UTF-8";
  Error e = Error::make(errc::invalid_input, std::move(msg), field);
  if (!field.empty()) e.issues.push_back(FieldIssue{field, "not valid UTF-8"});
  return e;
}

// Fields a vendor cannot carry: in lenient mode a warning "<vendor> cannot carry <field>; dropped";
// in strict mode collected issues, returned by error() as one unsupported_field naming the first.
// Every field the spec sets and capabilities().fields does not list must pass through here (the
// author's kit checks it): drop_undeclared does exactly that from the declared list itself.
// A set of partner_spec_fields, a bit per index.
struct FieldMask {
  static_assert(std::size(partner_spec_fields) <= 32);
  std::uint32_t bits = 0;
};

class Dropper {
 public:
  Dropper(std::string_view vendor, bool strict, std::vector<std::string>* warnings)
      : vendor_(vendor), strict_(strict), warnings_(warnings) {}

  // "<vendor> cannot carry <field>"
  void cannot_carry(std::string_view field) {
    std::string msg;
    msg.append(vendor_).append(" cannot carry ").append(field);
    drop(std::string(field), std::move(msg));
  }
  // A custom explanation (without the "; dropped" suffix, which lenient mode adds).
  void drop(std::string field, std::string message) {
    if (strict_) {
      issues_.push_back(FieldIssue{std::move(field), std::move(message)});
    } else if (warnings_) {
      message.append("; dropped");
      warnings_->push_back(std::move(message));
    }
  }

  // cannot_carry(field) for each field of partner_spec_fields, in that order, that the spec sets and
  // `carried` does not list: the adapter's Carried table (capabilities.hpp), or any list of names such
  // as capabilities().fields. email and vendor_overrides are never dropped here.
  template <class Fields>
  void drop_undeclared(const PartnerSpec& spec, const Fields& carried) {
    // By index: sets_field is a switch, not a chain of name comparisons (issue 11: 1-2k per create).
    for (std::size_t i = 0; i < std::size(partner_spec_fields); ++i) {
      if (i == spec_field_index("email") || i == spec_field_index("vendor_overrides") || !sets_field(spec, i))
        continue;
      const std::string_view field = partner_spec_fields[i];
      bool declared = false;
      for (const auto& c : carried) declared = declared || field_name(c) == field;
      if (!declared) cannot_carry(field);
    }
  }

  // The same from a mask of the carried fields' indices in partner_spec_fields (declared_mask(carried),
  // which an adapter computes once): no name is compared per create.
  void drop_undeclared(const PartnerSpec& spec, FieldMask carried) {
    // The fields set, as a mask in one straight pass (sets_field with constant indices): most specs have
    // nothing to drop, and then no field is looked at twice.
    constexpr std::uint32_t never = (std::uint32_t{1} << spec_field_index("email")) |
                                    (std::uint32_t{1} << spec_field_index("vendor_overrides"));
    std::uint32_t drop =
        set_fields(spec, std::make_index_sequence<std::size(partner_spec_fields)>()) & ~carried.bits & ~never;
    while (drop) {  // in partner_spec_fields' order
      const auto i = static_cast<std::size_t>(std::countr_zero(drop));
      drop &= drop - 1;
      cannot_carry(partner_spec_fields[i]);
    }
  }
  template <class Fields>
  static FieldMask declared_mask(const Fields& carried) {
    FieldMask m;
    for (std::size_t i = 0; i < std::size(partner_spec_fields); ++i)
      for (const auto& c : carried)
        if (field_name(c) == partner_spec_fields[i]) m.bits |= std::uint32_t{1} << i;
    return m;
  }

  bool failed() const noexcept { return !issues_.empty(); }
  // unsupported_field naming the first field, with every issue. Only when failed().
  Error error() const {
    std::string msg = issues_.front().message;
    if (issues_.size() > 1) msg += " (and " + std::to_string(issues_.size() - 1) + " more)";
    Error e = Error::make(errc::unsupported_field, std::move(msg), issues_.front().field);
    e.issues = issues_;
    return e;
  }

 private:
  template <std::size_t... I>
  static std::uint32_t set_fields(const PartnerSpec& spec, std::index_sequence<I...>) noexcept {
    return ((static_cast<std::uint32_t>(sets_field(spec, I)) << I) | ...);
  }

  std::string_view vendor_;
  bool strict_;
  std::vector<std::string>* warnings_;
  std::vector<FieldIssue> issues_;
};

}  // namespace partnerkit::adapter_kit
