// The client's matching and reconciliation rules (op_base.hpp's flows use them): which operations and
// lookup keys an adapter supports, which partners of a find answer match its query exactly, and which
// duplicates a lookup can settle. Not part of the public API.
#pragma once

#include <partnerkit/client.hpp>
#include <partnerkit/text/ascii.hpp>

#include <string>
#include <string_view>
#include <vector>

namespace partnerkit::client_detail {

using Partners = std::vector<Partner>;

using text::iequals;

inline std::string_view key_name(FindQuery::Key k) noexcept {
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

inline bool supports(const OperationSupport& s, Operation op, FindQuery::Key key = FindQuery::Key::email) {
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
inline Partners exact_matches(Partners found, const FindQuery& q) {
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

inline Error ambiguous(const std::string& vendor, const FindQuery& q, const Partners& found) {
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
inline bool names_the_partner(const Error& e) {
  if (e.field.empty() || e.field == "email") return true;
  for (const auto& issue : e.issues)
    if (issue.field == "email") return true;
  return false;
}

// The duplicates a lookup can settle: the partner's email or external id (a lookup by it tells ours
// from someone else's), or no field named.
inline bool lookup_can_settle(const Error& e) {
  if (names_the_partner(e) || e.field == "external_id") return true;
  for (const auto& issue : e.issues)
    if (issue.field == "external_id") return true;
  return false;
}

}  // namespace partnerkit::client_detail
