// Dub's partner object (EnrolledPartner), shared by the create decoder and the operations beyond create.
#pragma once

#include <partnerkit/http.hpp>
#include <partnerkit/partner.hpp>

#include <boost/json/string.hpp>
#include <boost/json/value.hpp>

#include <string>

namespace partnerkit::dub_detail {

// The contract's required members, status and links; `what` names the answer in messages ("the partner",
// "partners[2]"). A protocol error when a required member is missing or of the wrong type. Without
// `keep_raw`, Partner::raw stays null (`v` may then live on a scratch resource).
Result<Partner> partner_from(boost::json::value v, const HttpResponse& response, const std::string& what,
                             bool keep_raw = true);

// The raw partner's tenantId (our external_id), or null.
const boost::json::string* tenant_of(const Partner& p);

}  // namespace partnerkit::dub_detail
