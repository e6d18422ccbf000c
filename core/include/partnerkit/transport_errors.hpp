// Transport failures: the transport's own error codes (one per phase, the way Boost.Redis names its
// errors) and the classification of every low-level failure (Asio, SSL, Beast error_codes and the
// codes below) into the taxonomy, once. Public so that embedders writing their own Transport get
// the same codes and the same classification.
#pragma once

#include <partnerkit/error.hpp>

#include <boost/system/error_code.hpp>

#include <type_traits>

namespace partnerkit {

// What a transport completes with when it, not the peer's socket, ends an exchange. Each code names
// the phase that failed, so a log line says where (error_code::message() is the phase's sentence).
// The timeouts are equivalent to boost::beast::condition::timeout and std::errc::timed_out, so
// `ec == beast::condition::timeout` holds for every one of them.
enum class transport_error {
  resolve_timeout = 1,     // the DNS lookup took longer than the connect timeout (nothing sent)
  connect_timeout,         // TCP connect (+ the proxy's CONNECT exchange) took too long (nothing sent)
  tls_handshake_timeout,   // the TLS handshake took too long (nothing sent)
  request_timeout,         // writing the request or reading its response took too long (may be applied)
  pool_wait_timeout,       // the total timeout passed while waiting for a pooled connection (nothing sent)
  proxy_refused,           // the proxy answered CONNECT with a status other than 2xx or 407 (nothing sent)
  proxy_auth_required,     // the proxy answered CONNECT with 407: wrong or missing proxy credentials
  url_rejected,            // the URL is malformed or names no usable host or port (nothing sent)
  scheme_refused,          // not https (plain http only to a loopback host, and only when allowed)
  request_rejected,        // a method, header name or header value that cannot be sent (nothing sent)
  switching_protocols,     // the server answered 101 Switching Protocols to a request that asked for none
  response_framing_limit,  // chunk-size lines, chunk extensions and trailers over the header cap
};

const boost::system::error_category& transport_category() noexcept;

inline boost::system::error_code make_error_code(transport_error e) noexcept {
  return {static_cast<int>(e), transport_category()};
}

// Whether the code is one of the transport's timeouts.
bool is_timeout(transport_error e) noexcept;

// operation_aborted → cancelled; timeouts → timeout; TLS handshake/verification → tls;
// HTTP parse errors and size limits → protocol; refused, reset, EOF, DNS → network; a refused URL,
// scheme or request → invalid_input; a proxy's 407 → unauthenticated (field "proxy").
// The message names the phase that failed and says when the request was written and so may have
// been applied; Error::cause keeps `ec`.
Error error_from_transport(boost::system::error_code ec, bool request_written);

}  // namespace partnerkit

namespace boost::system {
template <>
struct is_error_code_enum<partnerkit::transport_error> : std::true_type {};
}  // namespace boost::system
