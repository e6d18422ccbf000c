// What the built-in adapters share: URLs and headers, lenient/strict dropping, names, and the defensive
// pieces of decoding (bounded JSON parsing, protocol errors, ISO 8601 times).
#pragma once

#include <partnerkit/adapter.hpp>
#include <partnerkit/error.hpp>
#include <partnerkit/http.hpp>

#include <boost/json/object.hpp>
#include <boost/json/string.hpp>
#include <boost/json/value.hpp>

#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace partnerkit::adapters_detail {

// Bodies larger than this are not parsed: a 2xx is then a protocol error, an error body keeps the
// status table's code. (The transport caps bodies too; this keeps decode safe on its own.)
inline constexpr std::size_t max_decode_body_bytes = 1024 * 1024;
// Vendor messages kept in Error::message are cut at this many bytes (on a UTF-8 boundary).
inline constexpr std::size_t max_message_bytes = 1024;
// Nesting accepted in a vendor's JSON.
inline constexpr std::size_t json_max_depth = 64;

// base_url (or the vendor's default when empty) without trailing '/', then path.
std::string request_url(const VendorConfig& config, std::string_view default_base_url, std::string_view path);

// Error when the key is missing (unauthenticated, field "api_key") or could break the header (control
// characters, spaces): nothing is sent in either case.
std::optional<Error> check_api_key(std::string_view vendor, std::string_view api_key);

// text percent-encoded so it is one URL path segment or query value (everything but RFC 3986 unreserved).
std::string url_component(std::string_view text);

// Error when a partner id can't address a path (empty or not valid UTF-8): invalid_input, field "partner_id".
std::optional<Error> check_partner_id(std::string_view vendor, std::string_view partner_id);

// A bodiless request (GET, DELETE): Authorization and Accept only.
HttpHeaders accept_headers(std::string_view api_key);

// Authorization: Bearer <key>, Content-Type and Accept application/json.
HttpHeaders json_headers(std::string_view api_key);

// Fields a vendor cannot carry: a warning in lenient mode, collected issues in strict mode.
class Dropper {
 public:
  Dropper(std::string_view vendor, bool strict, std::vector<std::string>* warnings)
      : vendor_(vendor), strict_(strict), warnings_(warnings) {}

  // "<vendor> cannot carry <field>; dropped"
  void cannot_carry(std::string_view field);
  // A custom explanation (without the "; dropped" suffix, which lenient mode adds).
  void drop(std::string field, std::string message);

  bool failed() const noexcept { return !issues_.empty(); }
  // unsupported_field naming the first field, with every issue.
  Error error() const;

 private:
  std::string_view vendor_;
  bool strict_;
  std::vector<std::string>* warnings_;
  std::vector<FieldIssue> issues_;
};

// The invalid_input for a string that is not valid UTF-8.
Error bad_utf8_error(std::string_view vendor, std::string field);

// spec.name, else first_name + " " + last_name (either alone), else nullopt.
std::optional<std::string> full_name(const PartnerSpec& spec);

// first_name/last_name when either is set; else the full name split once at its first space.
struct NameParts {
  std::optional<std::string_view> first;
  std::optional<std::string_view> last;
};
NameParts split_name(const PartnerSpec& spec);

// The overrides object of `vendor` in the spec, or null.
const boost::json::object* overrides_for(const PartnerSpec& spec, std::string_view vendor);

// ---- decoding ----

// context.sent_at, or the system clock when the caller gave none.
std::chrono::system_clock::time_point now_of(const DecodeContext& context);

// Parses at most max_decode_body_bytes with nesting limited to json_max_depth. False on any failure.
bool parse_json(std::string_view body, boost::json::value& out);

// A protocol error about a 2xx answer: http_status, raw_body (sanitized) and the message set.
Error protocol_error(const HttpResponse& response, std::string message, std::string field = {});

// text cut to at most max bytes without splitting a UTF-8 sequence ("..." appended when cut).
std::string capped(std::string_view text, std::size_t max = max_message_bytes);

bool iequals(std::string_view a, std::string_view b) noexcept;
bool icontains(std::string_view haystack, std::string_view needle) noexcept;
// Whether an answer's email names the partner sent: equal ignoring ASCII case and surrounding blanks.
// Every decoder checks it, so an answer about someone else is never taken for ours.
bool same_email(std::string_view sent, std::string_view answered) noexcept;

// The member `key` of `o` when it is a string, else null.
const boost::json::string* string_member(const boost::json::object& o, std::string_view key) noexcept;

// An ISO 8601 / RFC 3339 date-time: "2025-04-30T16:44:13.000Z", with fractions of any length and a
// "Z", "+hh:mm", "+hhmm" or no offset (taken as UTC). nullopt when it is not one.
std::optional<std::chrono::sys_time<std::chrono::milliseconds>> parse_iso8601(std::string_view text) noexcept;

}  // namespace partnerkit::adapters_detail
