// One result line of the batch commands, written straight into a string: the same bytes as
// boost::json::serialize of the object it describes (a unit test holds them equal), without the
// object's tree of allocations per item.
#pragma once

#include <partnerkit/batch.hpp>

#include <string>
#include <string_view>

namespace partnerkit::cli {

// `s` as a JSON string (quoted, escaped as Boost.JSON's serializer escapes), appended to `out`.
void append_json_string(std::string& out, std::string_view s);

// {"index","line","vendor","email","outcome","partner_id","referral_link","attempts","warnings",
//  "from_journal","error":{"code","retryable","http_status","vendor_code","message"[,"vendor_message"],"field"
//  [,"issues"]}}
// and, with `with_status`, "status" (the partner's, or null); no newline, not scrubbed.
std::string result_line(const BatchResult& r, bool with_status);
// The same line and a newline, written at the start of `buf`, which is grown when too small and never
// shrunk (one buffer for every line: no allocation per line); the view is valid until `buf` changes.
std::string_view write_result_line(std::string& buf, const BatchResult& r, bool with_status);

}  // namespace partnerkit::cli
