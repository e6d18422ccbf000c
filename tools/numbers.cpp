// Numbers and rates from the command line, checked before any conversion.
#include "cli.hpp"

#include <charconv>
#include <cmath>
#include <iomanip>
#include <sstream>

namespace partnerkit::cli {

// A number in [min, max] (an integer when asked): NaN, infinities, out-of-range and trailing text are
// usage errors, so no value reaches a conversion that would be undefined behaviour.
double parse_number(const std::string& option, const std::string& text, double min, double max,
                    bool integer) {
  double v = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  const bool ok = ec == std::errc() && end == text.data() + text.size() && std::isfinite(v) && v >= min &&
                  v <= max && (!integer || v == std::floor(v));
  if (!ok) {
    std::ostringstream range;
    range << std::setprecision(15) << (integer ? "an integer" : "a number") << " from " << min << " to "
          << max;
    throw UsageError(option + " " + text + ": expected " + range.str());
  }
  return v;
}

// Seconds as milliseconds, at least 1 ms.
std::chrono::milliseconds parse_seconds(const std::string& option, const std::string& text) {
  constexpr double max_seconds = 365.0 * 24 * 3600;  // a year: far past any sensible deadline
  const double s = parse_number(option, text, 0.001, max_seconds);
  return std::chrono::milliseconds(std::max<long long>(1, std::llround(s * 1000)));
}

RateArgs parse_rates(const std::vector<std::string>& values) {
  RateArgs out;
  for (const auto& r : values) {
    std::string_view text = r, vendor;
    if (auto eq = text.find('=');
        eq != std::string_view::npos && text.substr(0, eq).find_first_of("0123456789") != 0 &&
        text.substr(0, eq) != "burst" && text.substr(0, eq).find(',') == std::string_view::npos) {
      vendor = text.substr(0, eq);
      text = text.substr(eq + 1);
    }
    std::string why;
    auto limit = parse_rate_limit(text, &why);
    if (!limit) throw UsageError("--rate " + r + ": " + why);
    if (vendor.empty())
      out.all = *limit;
    else
      out.per_vendor[std::string(vendor)] = *limit;
  }
  return out;
}

}  // namespace partnerkit::cli
