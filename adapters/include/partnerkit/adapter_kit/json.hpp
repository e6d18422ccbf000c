// Reading a vendor's JSON answer defensively: a bounded parse and typed member access.
#pragma once

#include <boost/json/object.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/string.hpp>
#include <boost/json/value.hpp>

#include <cstddef>
#include <exception>
#include <string_view>

namespace partnerkit::adapter_kit {

// Bodies larger than this are not parsed: a 2xx is then a protocol error, an error body keeps the
// status table's code. (The transport caps bodies too; this keeps decode safe on its own.)
inline constexpr std::size_t max_decode_body_bytes = 1024 * 1024;
// Nesting accepted in a vendor's JSON.
inline constexpr std::size_t json_max_depth = 64;

// Parses at most max_decode_body_bytes with nesting limited to json_max_depth. False on any failure
// (an empty body too); never throws. The tree is allocated from `out`'s storage (a decoder may pass
// a value on a monotonic resource: a 1 KB answer is ~70 allocations on the default one).
inline bool parse_json(std::string_view body, boost::json::value& out) {
  if (body.size() > max_decode_body_bytes) return false;
  boost::json::parse_options opt;
  opt.max_depth = json_max_depth;
  boost::system::error_code ec;
  try {
    out = boost::json::parse(boost::json::string_view(body.data(), body.size()), ec, out.storage(), opt);
  } catch (const std::exception&) {  // allocation failure on a hostile body
    return false;
  }
  return !ec;
}

// The member `key` of `o` when it is a string, else null.
inline const boost::json::string* string_member(const boost::json::object& o, std::string_view key) noexcept {
  const auto* v = o.if_contains(boost::json::string_view(key.data(), key.size()));
  return v ? v->if_string() : nullptr;
}

// The member `key` of `o` when it is an object, else null.
inline const boost::json::object* object_member(const boost::json::object& o, std::string_view key) noexcept {
  const auto* v = o.if_contains(boost::json::string_view(key.data(), key.size()));
  return v ? v->if_object() : nullptr;
}

// The member `key` of `o` when it is an array, else null.
inline const boost::json::array* array_member(const boost::json::object& o, std::string_view key) noexcept {
  const auto* v = o.if_contains(boost::json::string_view(key.data(), key.size()));
  return v ? v->if_array() : nullptr;
}

}  // namespace partnerkit::adapter_kit
