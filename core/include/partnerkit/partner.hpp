// The normalized result of a provisioning call, whichever vendor answered.
#pragma once

#include <boost/json/value.hpp>

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace partnerkit {

// Vendors' statuses folded into one set. A status the library does not know is `unknown`,
// with the vendor's own word kept in Partner::status_raw and a warning: never a failure.
enum class PartnerStatus {
  active,
  pending,
  invited,
  declined,
  banned,
  deactivated,
  archived,
  rejected,
  unknown
};

// The statuses a deactivate leaves (a deactivate, archive, suspend or ban, per vendor): a partner in
// one of them is off, and deactivating it again is refused by some vendors.
constexpr bool is_deactivated(PartnerStatus s) noexcept {
  return s == PartnerStatus::deactivated || s == PartnerStatus::archived || s == PartnerStatus::banned;
}

// What the call did: made a new partner, changed an existing one, or found it already there.
enum class Outcome { created, updated, existing };

struct ReferralLink {
  std::string url;     // the link a partner shares (a short link, a referral URL)
  std::string id;      // the vendor's link id, when it has one
  std::string key;     // the slug, when known
  std::string domain;  // the short domain, when known
  friend bool operator==(const ReferralLink&, const ReferralLink&) = default;
};

struct Partner {
  std::string vendor;
  std::optional<std::string> id;  // absent when the vendor's create answers none
  std::string email;
  std::string name;
  PartnerStatus status = PartnerStatus::unknown;
  std::string status_raw;  // the vendor's own status word
  std::vector<ReferralLink> links;
  std::optional<std::string> created_at;  // as the vendor wrote it (ISO 8601)
  Outcome outcome = Outcome::created;
  std::vector<std::string> warnings;
  int attempts = 1;        // requests sent to get this answer
  boost::json::value raw;  // the vendor's JSON answer (null when it sent no body)
};

std::string_view to_string(PartnerStatus s) noexcept;
std::string_view to_string(Outcome o) noexcept;
std::optional<Outcome> outcome_from_string(std::string_view s) noexcept;

}  // namespace partnerkit
