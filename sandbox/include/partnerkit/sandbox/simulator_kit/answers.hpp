// What a simulator answers: JSON bodies, text bodies, and the pages a vendor's edge (its proxy or
// platform) sends for 413 and 5xx — clients must cope with bodies no application wrote.
#pragma once

#include <partnerkit/http.hpp>

#include <boost/json/value.hpp>

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

namespace partnerkit::sandbox::kit {

// `body` serialized, Content-Type: application/json.
HttpResponse json_response(int status, const boost::json::value& body);
HttpResponse text_response(int status, std::string_view content_type, std::string body);
// A status with no body and no Content-Type (JourneyBee's empty 201, a 204).
HttpResponse empty_response(int status);

// RFC 9110's reason phrase ("Bad Gateway"); "Error" for a status it does not name.
std::string_view reason_phrase(int status) noexcept;

// How a vendor's edge words a page it writes itself.
enum class EdgeStyle {
  plain_text,  // "502 Bad Gateway\n", text/plain (Vercel-style platforms)
  html,        // <html><head><title>502 Bad Gateway</title>...<h1>502 Bad Gateway</h1>..., text/html
  nginx,       // nginx's own error page, CRLF line ends, text/html
};
// 413, 502, 503, 504, ... as the edge sends them.
HttpResponse edge_page(int status, EdgeStyle style);

// A wait as delta-seconds for Retry-After or X-RateLimit-Reset, rounded up (at_least_one: never
// "0", what a 429's Retry-After must say).
std::string delta_seconds(std::chrono::milliseconds wait, bool at_least_one = true);
// Unix epoch milliseconds of `t` as text (what Dub sends in Retry-After and X-RateLimit-Reset).
std::string epoch_millis(std::chrono::system_clock::time_point t);

// zod's name of a JSON value's type: "string", "number", "boolean", "null", "array", "object".
std::string_view json_type_name(const boost::json::value& v) noexcept;
// The string, or JSON null when there is none.
boost::json::value nullable(const std::optional<std::string>& s);

}  // namespace partnerkit::sandbox::kit
