// Small helpers of the Store's SQL calls (private to pg/src).
#pragma once

#include <partnerkit/pg/connection.hpp>

#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>

#include <charconv>
#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace partnerkit::pg::detail {

// A PostgreSQL array literal of text values: {"a","b\"c",NULL}.
// (Sized once and copied in runs between the characters to escape: a character at a time was a
// twentieth of the worker's CPU per item, the completions' JSON being most of the text.)
inline std::string array_literal(const std::vector<Value>& values) {
  std::size_t size = 2;
  for (const auto& v : values) size += (v ? v->size() + 3 : 5);
  std::string out;
  out.reserve(size + size / 8);
  out += '{';
  for (std::size_t i = 0; i < values.size(); ++i) {
    if (i) out += ',';
    if (!values[i]) {
      out += "NULL";
      continue;
    }
    out += '"';
    const std::string& v = *values[i];
    std::size_t run = 0;  // the start of the characters not yet copied
    for (std::size_t k = 0; k < v.size(); ++k) {
      if (v[k] != '"' && v[k] != '\\') continue;
      out.append(v, run, k - run);
      out += '\\';
      run = k;  // the escaped character starts the next run
    }
    out.append(v, run, v.size() - run);
    out += '"';
  }
  out += '}';
  return out;
}

template <class Int>
Int to_int(const Value& v) {
  Int out{};
  if (v) std::from_chars(v->data(), v->data() + v->size(), out);
  return out;
}

// Query parameters, built outside the coroutines (GCC 12 cannot keep an initializer_list's array in
// a coroutine frame: "array used as initializer").
template <class... A>
std::vector<Value> params(A&&... a) {
  std::vector<Value> v;
  v.reserve(sizeof...(A));
  (v.emplace_back(std::forward<A>(a)), ...);
  return v;
}

// A text value, NULL when empty. (No `?:` on class types inside coroutines: GCC 12 destroys such
// temporaries twice when the expression also holds a co_await.)
inline Value or_null(std::string s) {
  if (s.empty()) return std::nullopt;
  return Value{std::move(s)};
}

// JSON text, NULL for a JSON null.
inline Value json_or_null(const boost::json::value& v) {
  if (v.is_null()) return std::nullopt;
  return Value{boost::json::serialize(v)};
}

inline Value array_or_null(const std::vector<Value>& values) {
  if (values.empty()) return std::nullopt;
  return Value{array_literal(values)};
}

inline std::string interval_ms(std::chrono::milliseconds d) {
  return std::to_string(d.count()) + " milliseconds";
}

// {1,2,3} -> [1,2,3]
inline std::vector<std::int64_t> parse_int_array(const Value& v) {
  std::vector<std::int64_t> out;
  if (!v || v->size() < 2) return out;
  std::string_view s(*v);
  s = s.substr(1, s.size() - 2);
  while (!s.empty()) {
    auto comma = s.find(',');
    auto part = s.substr(0, comma);
    std::int64_t n = 0;
    std::from_chars(part.data(), part.data() + part.size(), n);
    out.push_back(n);
    if (comma == std::string_view::npos) break;
    s.remove_prefix(comma + 1);
  }
  return out;
}

}  // namespace partnerkit::pg::detail
