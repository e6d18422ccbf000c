// Base64 (RFC 4648 section 4, with padding): HTTP Basic credentials and vendors that want binary as text.
// The encoder is core's (<partnerkit/text/encoding.hpp>), which the secret scrubber uses too.
#pragma once

#include <partnerkit/text/encoding.hpp>

#include <string>
#include <string_view>

namespace partnerkit::adapter_kit {

inline std::string base64_encode(std::string_view in) { return text::base64(in); }

}  // namespace partnerkit::adapter_kit
