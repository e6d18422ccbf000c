// Timestamps as vendors write them, from the simulator's clock (VendorSimulator::now()).
#pragma once

#include <chrono>
#include <string>

namespace partnerkit::sandbox::kit {

// ISO 8601 in UTC with `fraction_digits` (0, 3 or 6) of the second: "2025-04-30T16:44:13Z",
// "2025-04-30T16:44:13.123Z" (JavaScript's Date.toISOString, Dub, Tolt), or
// "2025-04-30T16:44:13.123456Z" (Laravel's default, Partnero). Other values are taken as 3.
std::string iso8601(std::chrono::system_clock::time_point t, int fraction_digits = 3);

}  // namespace partnerkit::sandbox::kit
