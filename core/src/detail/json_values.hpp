// Checks on Boost.JSON values shared by the spec reader (spec_json.cpp) and validation.cpp.
// Not part of the public API.
#pragma once

#include <boost/json/value.hpp>

#include <cmath>

namespace partnerkit::detail {

// Whether a free-form value holds a number JSON cannot write (an overflowing literal parses as inf).
inline bool has_non_finite(const boost::json::value& v) noexcept {
  if (v.is_double()) return !std::isfinite(v.get_double());
  if (const auto* o = v.if_object()) {
    for (const auto& kv : *o)
      if (has_non_finite(kv.value())) return true;
  } else if (const auto* a = v.if_array()) {
    for (const auto& e : *a)
      if (has_non_finite(e)) return true;
  }
  return false;
}

}  // namespace partnerkit::detail
