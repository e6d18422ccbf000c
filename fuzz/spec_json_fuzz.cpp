// Fuzzes spec_from_json (text), validate/validated and the to_json round trip.
// Invariants: no crash, no sanitizer report; a parsed spec survives to_json(spec, true) unchanged;
// to_json without secrets never carries the password; a text the input reader's flat parser
// (core/src/detail/spec_json_flat.hpp) accepts is read by the tree path too, as the same spec; and that
// parser's fast path (the simple JSON scanner) gives what Boost.JSON's parser alone gives.
#include "detail/spec_json_flat.hpp"

#include <partnerkit/spec_json.hpp>
#include <partnerkit/validation.hpp>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <string_view>

namespace {

bool near(const boost::json::value& a, const boost::json::value& b) {
  if (a.is_double() || b.is_double()) {
    if (!a.is_number() || !b.is_number()) return false;
    const double x = a.to_number<double>(), y = b.to_number<double>();
    return x == y || std::fabs(x - y) <= 1e-12 * std::max(std::fabs(x), std::fabs(y));
  }
  if (a.kind() != b.kind()) return false;
  if (const auto* ao = a.if_object()) {
    const auto& bo = b.get_object();
    if (ao->size() != bo.size()) return false;
    for (const auto& kv : *ao) {
      const auto* bv = bo.if_contains(kv.key());
      if (!bv || !near(kv.value(), *bv)) return false;
    }
    return true;
  }
  if (const auto* aa = a.if_array()) {
    const auto& ba = b.get_array();
    if (aa->size() != ba.size()) return false;
    for (std::size_t i = 0; i < aa->size(); ++i)
      if (!near((*aa)[i], ba[i])) return false;
    return true;
  }
  return a == b;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  namespace pk = partnerkit;
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  {
    // The reader's tree path: boost::json::parse, then spec_from_json on the object.
    static pk::detail::FlatSpecParser flat;
    pk::PartnerSpec flat_spec;
    const bool accepted = flat.parse(text, flat_spec);
    // Its fast path (the simple JSON scanner) against Boost.JSON's parser alone: the same verdict and spec.
    pk::PartnerSpec boost_spec;
    if (flat.parse_with_boost(text, boost_spec) != accepted || (accepted && boost_spec != flat_spec))
      std::abort();
    if (accepted) {
      boost::system::error_code ec;
      const boost::json::value tree = boost::json::parse(text, ec);
      if (ec || !tree.is_object()) std::abort();
      auto by_tree = pk::spec_from_json(tree);
      if (!by_tree || *by_tree != flat_spec) std::abort();
    }
  }
  auto spec = pk::spec_from_json(text);
  if (!spec) {
    (void)boost::json::serialize(pk::to_json(spec.error()));
    return 0;
  }
  auto issues = pk::validate(*spec);
  auto valid = pk::validated(*spec);
  // validate() checks the spec as given, validated() normalizes first (trims, drops blanks,
  // upper-cases the country): normalizing never makes a valid spec invalid, what it returns passes
  // validate() as given, and normalizing again changes nothing.
  if (issues.empty() && !valid) std::abort();
  if (!valid) (void)boost::json::serialize(pk::to_json(valid.error()));
  if (valid) {
    if (!pk::validate(*valid).empty()) std::abort();
    auto again = pk::validated(*valid);
    if (!again || *again != *valid) std::abort();
  }

  auto back = pk::spec_from_json(pk::to_json(*spec, true));
  if (!back || *back != *spec) std::abort();  // round trip
  // Through text, doubles may move by an ulp: Boost.JSON 1.81 parses long numbers imprecisely.
  auto text_back = pk::spec_from_json(boost::json::serialize(pk::to_json(*spec, true)));
  if (!text_back || !near(pk::to_json(*text_back, true), pk::to_json(*spec, true))) std::abort();

  // Without include_secrets: no password member, and every "password" in an override is redacted.
  const boost::json::object out = pk::to_json(*spec).as_object();
  if (out.contains("password")) std::abort();
  if (const auto* vo = out.if_contains("vendor_overrides"))
    for (const auto& kv : vo->as_object())
      if (const auto* pw = kv.value().as_object().if_contains("password"); pw && *pw != "REDACTED")
        std::abort();
  return 0;
}
