// Which partner an operation means when the caller has no vendor id: the lookups a vendor can do
// for a spec, in the order the batch CLI and the queue worker try them — the external id (a CRM's
// own key, unique by contract), then the email.
#pragma once

#include <partnerkit/adapter.hpp>
#include <partnerkit/partner_spec.hpp>

#include <vector>

namespace partnerkit {

inline std::vector<FindQuery> lookups_for(const PartnerSpec& spec, const OperationSupport& ops) {
  std::vector<FindQuery> out;
  if (spec.external_id && !spec.external_id->empty() && ops.find_by_external_id)
    out.push_back({FindQuery::Key::external_id, *spec.external_id});
  if (!spec.email.empty() && ops.find_by_email) out.push_back({FindQuery::Key::email, spec.email});
  return out;
}

}  // namespace partnerkit
