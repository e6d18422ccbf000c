// The limits boost::json::parse's own handler (its value_stack) enforces, for a basic_parser handler
// that must reach exactly parse's verdicts without building the tree: JsonPick (adapter kit) and the
// flat spec line reader (core) take them from here.
#pragma once

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <boost/json/string.hpp>

#include <cstddef>

namespace partnerkit::detail {

struct JsonParseLimits {
  static constexpr std::size_t max_object_size = boost::json::object::max_size();
  static constexpr std::size_t max_array_size = boost::json::array::max_size();
  static constexpr std::size_t max_key_size = boost::json::string::max_size();
  static constexpr std::size_t max_string_size = boost::json::string::max_size();
};

}  // namespace partnerkit::detail
