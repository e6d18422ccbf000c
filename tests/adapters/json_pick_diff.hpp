// JsonPick's two readers side by side: parse (the simple scanner, Boost.JSON's parser for the rest) and
// parse_with_boost (Boost.JSON's parser alone). Used by tests/adapters/json_pick_simple_test.cpp and
// fuzz/decode_dub_pick_fuzz.cpp: the verdicts and every pick must agree.
#pragma once

#include <partnerkit/adapter_kit/json_pick.hpp>

#include <string>
#include <string_view>

namespace partnerkit::test {

namespace json_pick_detail {

using adapter_kit::JsonKind;
using adapter_kit::PickedValue;

inline std::string kind_name(JsonKind k) {
  constexpr const char* names[] = {"absent", "null", "boolean", "number", "string", "array", "object"};
  return names[static_cast<int>(k)];
}

inline std::string value_diff(const std::string& what, const PickedValue& fast, const PickedValue& boost,
                              std::string_view body = {}) {
  if (fast.kind != boost.kind)
    return what + ": kind " + kind_name(fast.kind) + " vs " + kind_name(boost.kind);
  if (fast.text != boost.text)
    return what + ": text \"" + std::string(fast.text) + "\" vs \"" + std::string(boost.text) + "\"";
  // A text Boost.JSON passed as a view into the body is that view on both paths (the fast path reads
  // a copy of the body: its views must be put back).
  const auto in_body = [&](std::string_view t) {
    return !t.empty() && !body.empty() && t.data() >= body.data() &&
           t.data() + t.size() <= body.data() + body.size();
  };
  if (in_body(boost.text) && fast.text.data() != boost.text.data())
    return what + ": text not a view into the body";
  return {};
}

}  // namespace json_pick_detail

// "" when JsonPick::parse and JsonPick::parse_with_boost give `body` the same verdict and the same picks
// under `plan`, else what differs (fast first). `fast_read`, when given, tells whether the simple scanner
// decided.
inline std::string json_pick_paths_differ(const adapter_kit::PickPlan& plan, std::string_view body,
                                          bool* fast_read = nullptr) {
  using namespace json_pick_detail;
  adapter_kit::JsonPick fast(plan), boost(plan);
  const bool fast_ok = fast.parse(body);
  const bool boost_ok = boost.parse_with_boost(body);
  if (fast_read) *fast_read = fast.read_by_simple_scan();
  if (boost.read_by_simple_scan()) return "parse_with_boost says the simple scanner read it";
  if (fast_ok != boost_ok)
    return fast_ok ? "the fast path accepts what Boost.JSON refuses"
                   : "the fast path refuses what Boost.JSON accepts";
  if (!fast_ok) return fast.read_by_simple_scan() ? "the simple scanner refused" : std::string();
  if (fast.root() != boost.root()) return "root " + kind_name(fast.root()) + " vs " + kind_name(boost.root());
  for (std::size_t i = 0; i < plan.members.size(); ++i)
    if (auto d = value_diff("member " + std::string(plan.members[i]), fast.member(i), boost.member(i), body);
        !d.empty())
      return d;
  if (auto d = value_diff("array", fast.array(), boost.array(), body); !d.empty()) return d;
  if (fast.elements() != boost.elements())
    return "elements " + std::to_string(fast.elements()) + " vs " + std::to_string(boost.elements());
  for (std::size_t e = 0; e < fast.elements(); ++e) {
    if (fast.element_kind(e) != boost.element_kind(e))
      return "element " + std::to_string(e) + " kind " + kind_name(fast.element_kind(e)) + " vs " +
             kind_name(boost.element_kind(e));
    for (std::size_t i = 0; i < plan.element_members.size(); ++i)
      if (auto d = value_diff("element " + std::to_string(e) + " " + std::string(plan.element_members[i]),
                              fast.element_member(e, i), boost.element_member(e, i), body);
          !d.empty())
        return d;
  }
  return {};
}

}  // namespace partnerkit::test
