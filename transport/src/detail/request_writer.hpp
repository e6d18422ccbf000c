// A request, serialized once into one buffer: written with a single TLS record and no Beast
// serializer (cheaper than http::request + http::async_write on the hot path). Pure.
#pragma once

#include "detail/target.hpp"

#include <partnerkit/http.hpp>

#include <boost/system/error_code.hpp>

#include <string>
#include <string_view>

namespace partnerkit::detail {

struct Wire {
  std::string bytes;
  bool head = false;   // HEAD: the response has no body
  bool close = false;  // the caller sent Connection: close
};

// "<METHOD> <target> HTTP/1.1", Host, the request's headers (its Host, Content-Length and
// Transfer-Encoding are dropped: ours are authoritative), User-Agent unless the request has one,
// Content-Length when there is a body or the method is POST/PUT/PATCH, then the body.
// transport_error::request_rejected for a method that is not a token, a header name that is not a
// token, or a value with CR, LF or NUL; `out` is then unspecified and nothing may be sent.
boost::system::error_code serialize_request(const HttpRequest& request, const Target& target,
                                            std::string_view user_agent, Wire& out);

// Whether a Connection header value lists "close" (case-insensitive, comma separated).
bool has_close_token(std::string_view value) noexcept;

}  // namespace partnerkit::detail
