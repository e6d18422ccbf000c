#include <partnerkit/partner.hpp>
#include <partnerkit/partner_spec.hpp>

namespace partnerkit {

std::string_view to_string(PartnerStatus s) noexcept {
  switch (s) {
    case PartnerStatus::active:
      return "active";
    case PartnerStatus::pending:
      return "pending";
    case PartnerStatus::invited:
      return "invited";
    case PartnerStatus::declined:
      return "declined";
    case PartnerStatus::banned:
      return "banned";
    case PartnerStatus::deactivated:
      return "deactivated";
    case PartnerStatus::archived:
      return "archived";
    case PartnerStatus::rejected:
      return "rejected";
    case PartnerStatus::unknown:
      return "unknown";
  }
  return "unknown";
}

std::string_view to_string(Outcome o) noexcept {
  switch (o) {
    case Outcome::created:
      return "created";
    case Outcome::updated:
      return "updated";
    case Outcome::existing:
      return "existing";
  }
  return "created";
}

std::optional<Outcome> outcome_from_string(std::string_view s) noexcept {
  if (s == "created") return Outcome::created;
  if (s == "updated") return Outcome::updated;
  if (s == "existing") return Outcome::existing;
  return std::nullopt;
}

std::string_view to_string(PartnerType t) noexcept {
  return t == PartnerType::reseller ? "reseller" : "referral";
}

}  // namespace partnerkit
