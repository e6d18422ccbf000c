// DubAdapter::decode's two readers of a 2xx, side by side: with DecodeContext::keep_raw the tree
// (success_object, partner_from), without it a JsonPick. Used by fuzz/decode_dub_pick_fuzz.cpp and
// tests/adapters/dub_pick_test.cpp: the answers must agree on everything but Partner::raw.
#pragma once

#include <partnerkit/adapters/dub.hpp>

#include <string>

namespace partnerkit::test {

namespace dub_paths_detail {

inline std::string quoted(const std::string& s) { return "\"" + s + "\""; }

inline std::string partner_diff(const Partner& a, const Partner& b) {
  if (a.vendor != b.vendor) return "vendor " + quoted(a.vendor) + " vs " + quoted(b.vendor);
  if (a.id != b.id) return "id " + quoted(a.id.value_or("(none)")) + " vs " + quoted(b.id.value_or("(none)"));
  if (a.email != b.email) return "email " + quoted(a.email) + " vs " + quoted(b.email);
  if (a.name != b.name) return "name " + quoted(a.name) + " vs " + quoted(b.name);
  if (a.status != b.status || a.status_raw != b.status_raw)
    return "status " + quoted(a.status_raw) + " vs " + quoted(b.status_raw);
  if (a.links != b.links)
    return "links (" + std::to_string(a.links.size()) + " vs " + std::to_string(b.links.size()) + ")";
  if (a.created_at != b.created_at) return "created_at";
  if (a.outcome != b.outcome) return "outcome";
  if (a.warnings != b.warnings)
    return "warnings (" + std::to_string(a.warnings.size()) + " vs " + std::to_string(b.warnings.size()) +
           ")";
  if (a.attempts != b.attempts) return "attempts";
  if (!b.raw.is_null()) return "raw kept without keep_raw";
  return {};
}

inline std::string error_diff(const Error& a, const Error& b) {
  if (a.code != b.code) return "code";
  if (a.retryable != b.retryable) return "retryable";
  if (a.http_status != b.http_status) return "http_status";
  if (a.vendor_code != b.vendor_code) return "vendor_code";
  if (a.message != b.message) return "message " + quoted(a.message) + " vs " + quoted(b.message);
  if (a.vendor_message != b.vendor_message) return "vendor_message";
  if (a.doc_url != b.doc_url) return "doc_url";
  if (a.field != b.field) return "field " + quoted(a.field) + " vs " + quoted(b.field);
  if (a.issues != b.issues) return "issues";
  if (a.retry_after != b.retry_after) return "retry_after";
  if (a.attempts != b.attempts) return "attempts";
  if (a.stopped != b.stopped) return "stopped";
  if (a.raw_body != b.raw_body) return "raw_body";
  if (a.cause != b.cause) return "cause";
  return {};
}

}  // namespace dub_paths_detail

// "" when both readers give the same answer to `response` under `context` (keep_raw set either way),
// else what differs, tree first.
inline std::string dub_paths_differ(const HttpResponse& response, DecodeContext context) {
  const DubAdapter dub;
  context.keep_raw = true;
  const auto tree = dub.decode(response, context);
  context.keep_raw = false;
  const auto pick = dub.decode(response, context);
  if (tree.has_value() != pick.has_value())
    return tree ? "the tree accepts, the pick refuses: " + pick.error().message
                : "the tree refuses (" + tree.error().message + "), the pick accepts";
  return tree ? dub_paths_detail::partner_diff(*tree, *pick)
              : dub_paths_detail::error_diff(tree.error(), pick.error());
}

}  // namespace partnerkit::test
