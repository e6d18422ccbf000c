#include "rate_policy_json.hpp"

#include <boost/json.hpp>

namespace partnerkit::pg::detail {

namespace json = boost::json;
using policy::RateSource;

std::string rate_policy_to_json(const policy::RatePolicyState& s) {
  json::object o;
  o["rate"] = s.rate;
  o["target"] = s.target;
  o["probe_step"] = s.probe_step;
  o["slow_start"] = s.slow_start;
  o["source"] = policy::to_string(s.source);
  if (s.learnt) o["learnt"] = *s.learnt;
  o["throttle_margin"] = s.throttle_margin;
  o["throttled"] = s.throttled;
  return json::serialize(o);
}

std::optional<policy::RatePolicyState> rate_policy_from_json(std::string_view text) {
  boost::system::error_code ec;
  auto v = json::parse(text, ec);
  if (ec || !v.is_object()) return std::nullopt;
  const auto& o = v.as_object();
  auto number = [&](std::string_view key) -> std::optional<double> {
    auto* x = o.if_contains(key);
    if (!x || !x->is_number()) return std::nullopt;
    return x->to_number<double>();
  };
  auto rate = number("rate"), target = number("target"), step = number("probe_step");
  auto margin = number("throttle_margin"), throttled = number("throttled");
  auto* slow = o.if_contains("slow_start");
  auto* source = o.if_contains("source");
  if (!rate || !target || !step || !margin || !throttled || !slow || !slow->is_bool() || !source ||
      !source->is_string())
    return std::nullopt;
  policy::RatePolicyState s;
  s.rate = *rate;
  s.target = *target;
  s.probe_step = *step;
  s.slow_start = slow->as_bool();
  s.throttle_margin = *margin;
  s.throttled = *throttled > 0 ? static_cast<std::size_t>(*throttled) : 0;
  s.learnt = number("learnt");
  bool known = false;
  for (auto r : {RateSource::unlimited, RateSource::configured, RateSource::declared, RateSource::probed,
                 RateSource::learnt, RateSource::external}) {
    if (policy::to_string(r) == source->as_string()) {
      s.source = r;
      known = true;
    }
  }
  if (!known || !(s.rate >= 0) || !(s.target >= 0)) return std::nullopt;
  return s;
}

}  // namespace partnerkit::pg::detail
