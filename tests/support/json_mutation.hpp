// Random damage to a JSON text for the differential tests of the fast JSON readers against Boost.JSON
// (tests/adapters/json_pick_simple_test.cpp, tests/core/spec_json_flat_fast_test.cpp): one to three
// edits, each a byte replaced or inserted (JSON's structural bytes, escapes, digits, literals' letters,
// control bytes, lead and tail bytes of valid and invalid UTF-8), a few bytes erased, or the text cut.
#pragma once

#include <cstddef>
#include <random>
#include <string>

namespace partnerkit::test {

inline std::string mutate_json(std::string s, std::mt19937& rng) {
  static constexpr char bytes[] = {
      '"',    '\\',   '{',    '}',    '[',    ']',    ',',    ':',    ' ',    '\t',   '\n',   '0',    '1',
      '-',    '.',    'e',    'n',    't',    'f',    'u',    '\x7f', '\x80', '\xc3', '\xa9', '\0',   '\x1f',
      '\xe0', '\xed', '\xf0', '\xf4', '\xbf', '\xa0', '\x8f', '\x90', '\xc2', '\xdf', '\xf5', '\xff', '/'};
  const auto pick = [&rng](std::size_t n) {
    return std::uniform_int_distribution<std::size_t>(0, n - 1)(rng);
  };
  for (std::size_t n = 1 + pick(3); n > 0 && !s.empty(); --n) {
    const std::size_t at = pick(s.size());
    switch (pick(4)) {
      case 0:
        s[at] = bytes[pick(sizeof bytes)];
        break;
      case 1:
        s.insert(s.begin() + static_cast<std::ptrdiff_t>(at), bytes[pick(sizeof bytes)]);
        break;
      case 2:
        s.erase(at, 1 + pick(3));
        break;
      default:
        s.resize(at);
        break;
    }
  }
  return s;
}

}  // namespace partnerkit::test
