// The hot path of reading a spec: a JSON line whose members are all top-level scalars of PartnerSpec
// (the common shape of a CRM export) read straight into the spec, with no tree. Not part of the public API.
//
// Two readers, one set of rules: the simple JSON scanner (partnerkit/detail/simple_json.hpp: SSE2, a strict
// subset of JSON, ~1k instructions for a 120-byte line against Boost.JSON's ~1.6k) reads the line when it
// is in its subset; when it gives up (a number, a control byte, an escape it does not take, a comment...),
// Boost.JSON's parser reads the line again from the first byte onto an empty spec. The scanner never
// refuses a line Boost.JSON would read (it gives up instead) and gives the same events, so the answer is
// the same either way (tests/core/spec_json_flat_fast_test, fuzz/spec_json and fuzz/input_fuzz compare
// parse with parse_with_boost).
//
// It only ever accepts: the same parser with boost::json::parse's default options must take the whole
// text, the root must be an object, every key must be a distinct PartnerSpec name other than the nested
// ones (referrer, contacts, link, custom_fields, vendor_overrides, which may only be null) and not one of
// `reserved` (SpecReaderOptions::extra_fields), and every value must have the type spec_from_json takes
// (a string; tags an array of strings; invite true/false; partner_type "referral"/"reseller"; null for
// any of them, which is absent). Anything else - bad JSON, a wrong type, an unknown or repeated key -
// is refused and the caller takes the tree path, which gives every verdict and message. So when it
// accepts, the spec equals what boost::json::parse + spec_from_json give (tests/core/spec_json_flat_test
// and fuzz/spec_json check that).
#pragma once

#include <partnerkit/partner_spec.hpp>

#include <memory>
#include <span>
#include <string>
#include <string_view>

namespace partnerkit::detail {

class FlatSpecParser {
 public:
  FlatSpecParser();
  ~FlatSpecParser();
  FlatSpecParser(const FlatSpecParser&) = delete;
  FlatSpecParser& operator=(const FlatSpecParser&) = delete;

  // Fills `out` (a default-constructed spec) and returns true, or returns false (then `out` holds part
  // of the text and is to be thrown away). Never throws but std::bad_alloc.
  // Lines of simple JSON (partnerkit/detail/simple_json.hpp) are read by that scanner; the others, and
  // those it gives up on, by Boost.JSON's parser from the first byte: the same answer either way.
  bool parse(std::string_view text, PartnerSpec& out, std::span<const std::string> reserved = {});
  // parse with Boost.JSON's parser alone (the differential tests' reference).
  bool parse_with_boost(std::string_view text, PartnerSpec& out, std::span<const std::string> reserved = {});
  // Whether the last parse accepted the line through the scanner (for tests: the flat lines do).
  bool read_by_simple_scan() const noexcept;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace partnerkit::detail
