// The one error model of partnerkit: a normalized code (also an error_code in its own category)
// plus the structured detail a caller needs to act on it.
#pragma once

#include <boost/system/error_code.hpp>
#include <boost/system/result.hpp>

#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

namespace partnerkit {

// The taxonomy of DESIGN.md. Values are stable: they are persisted in journals and printed by the CLI.
enum class errc {
  invalid_input = 1,      // the spec fails local validation; nothing was sent
  unsupported_field,      // strict mode: the spec uses a field this vendor cannot carry
  unauthenticated,        // missing or bad API key (401)
  permission_denied,      // key lacks scope or plan (403)
  not_found,              // a referenced object does not exist (404)
  already_exists,         // a duplicate (409, or a vendor's 422 "... already exists")
  rejected,               // the vendor refused the input for another reason (400, 422, 406)
  invite_expired,         // the partner's invitation expired (a vendor's 410)
  rate_limited,           // 429: retryable after retry_after
  vendor_unavailable,     // 5xx: retryable
  timeout,                // no answer in time; the request may have been applied
  network,                // connect refused, reset, DNS failure
  tls,                    // handshake or certificate verification failed
  protocol,               // the answer is not what the vendor's contract says
  cancelled,              // the caller cancelled
  unsupported_operation,  // the vendor (its adapter's capabilities) has no such operation; nothing was sent
  internal,               // a bug: an adapter, plugin or handler threw; reported on the item, never a crash
};

const boost::system::error_category& error_category() noexcept;

inline boost::system::error_code make_error_code(errc e) noexcept {
  return {static_cast<int>(e), error_category()};
}

// "invalid_input", "rate_limited", ... (the names of DESIGN.md, used in JSON output).
std::string_view to_string(errc e) noexcept;
// The inverse of to_string; nullopt for an unknown name.
std::optional<errc> errc_from_string(std::string_view name) noexcept;
// Whether the taxonomy marks the code retryable (rate_limited, vendor_unavailable, timeout, network).
bool is_retryable(errc e) noexcept;

// One problem of local validation, or one field the vendor complained about.
struct FieldIssue {
  std::string field;    // a path such as "email", "referrer.email", "contacts[1].email"
  std::string message;  // what is wrong, never echoing a secret
  friend bool operator==(const FieldIssue&, const FieldIssue&) = default;
};

// Why a retry loop stopped (google-cloud-cpp's habit: the final error says so).
enum class stop_reason {
  none,            // the error was final on its first attempt (permanent, or nothing was sent)
  permanent,       // a non-retryable error ended the loop
  exhausted,       // max attempts reached
  deadline,        // the overall deadline or max elapsed time would be exceeded
  not_idempotent,  // retrying could create a duplicate and the vendor cannot reconcile it
  cancelled,       // the caller cancelled
};
std::string_view to_string(stop_reason r) noexcept;

struct Error {
  errc code = errc::protocol;
  bool retryable = false;
  std::optional<int> http_status;
  std::string vendor_code;         // the vendor's own error code, e.g. "unprocessable_entity"
  std::string message;             // ours: what partnerkit says happened (never the vendor's words)
  std::string vendor_message;      // the vendor's own words, verbatim (capped, scrubbed); "" when none
  std::string doc_url;             // the vendor's documentation link, when given
  std::string field;               // the offending field path where known
  std::vector<FieldIssue> issues;  // every problem found (validation reports all of them)
  std::optional<std::chrono::milliseconds> retry_after;
  int attempts = 0;  // how many requests were sent (0: nothing was sent)
  stop_reason stopped = stop_reason::none;
  std::string raw_body;             // the vendor's body, size-capped, secrets removed
  boost::system::error_code cause;  // the low-level cause (Asio, SSL, Beast), if any

  // An error with the code's default retryability.
  static Error make(errc code, std::string message, std::string field = {});

  boost::system::error_code error_code() const noexcept { return make_error_code(code); }
};

// The most bytes of a vendor body kept in Error::raw_body.
inline constexpr std::size_t max_raw_body_bytes = 4096;

// Results are values: vendor and network failures never throw.
template <class T>
using Result = boost::system::result<T, Error>;

// Thrown by Result<T>::value() on an error: a programmer error (the caller did not check).
class ErrorException : public std::exception {
 public:
  explicit ErrorException(Error e);
  const char* what() const noexcept override { return what_.c_str(); }
  const Error& error() const noexcept { return error_; }

 private:
  Error error_;
  std::string what_;
};

// Found by ADL from boost::system::result<T, Error>::value().
[[noreturn]] void throw_exception_from_error(const Error& e, const boost::source_location& loc);

}  // namespace partnerkit

namespace boost::system {
template <>
struct is_error_code_enum<partnerkit::errc> : std::true_type {};
}  // namespace boost::system
