// The one HTTP status -> taxonomy table and the rate-limit header parsing every adapter shares.
// Adapters start from error_from_response() and override only what their vendor does differently.
#pragma once

#include <partnerkit/error.hpp>
#include <partnerkit/http.hpp>

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

namespace partnerkit {

// 400 rejected, 401 unauthenticated, 403 permission_denied, 404 not_found, 409 already_exists,
// 410 invite_expired, 422 rejected, 429 rate_limited, 500/502/503/504 vendor_unavailable,
// other 4xx rejected, other 5xx vendor_unavailable, anything else protocol.
errc errc_from_http_status(int status) noexcept;

// A wait parsed from one header value, relative to `now`. Accepts delta-seconds ("30"),
// an HTTP-date ("Wed, 21 Oct 2015 07:28:00 GMT"), and Unix epochs in seconds or in milliseconds
// (some vendors send epoch ms in Retry-After and X-RateLimit-Reset). Past times give 0; garbage gives
// nullopt.
// Waits are capped at one day so a misread value cannot park a caller forever.
std::optional<std::chrono::milliseconds> parse_retry_after(std::string_view value,
                                                           std::chrono::system_clock::time_point now);

// Retry-After, else X-RateLimit-Reset / RateLimit-Reset, from a response's headers.
std::optional<std::chrono::milliseconds> retry_after_from_headers(const HttpHeaders& headers,
                                                                  std::chrono::system_clock::time_point now);

// The body kept in Error::raw_body: at most max_raw_body_bytes, with JSON secret fields
// ("password", tokens) replaced by "REDACTED".
std::string sanitized_body(std::string_view body);

// An Error for a non-2xx response: code from the table, retryable, http_status, retry_after
// (from headers, relative to now), raw_body sanitized, message ours: "HTTP <status>: <what the status
// means>". Adapters then fill vendor_code, vendor_message (the vendor's words; message stays ours), doc_url
// and field from the vendor's error body.
Error error_from_response(const HttpResponse& response, std::chrono::system_clock::time_point now);

}  // namespace partnerkit
