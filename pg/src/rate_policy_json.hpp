// The rate policy's state (policy/rate_policy.hpp) as the JSON the credential's row holds.
#pragma once

#include <partnerkit/policy/rate_policy.hpp>

#include <optional>
#include <string>
#include <string_view>

namespace partnerkit::pg::detail {

std::string rate_policy_to_json(const policy::RatePolicyState& state);
// nullopt when the text is not a state this version wrote (garbled, or a field missing).
std::optional<policy::RatePolicyState> rate_policy_from_json(std::string_view text);

}  // namespace partnerkit::pg::detail
