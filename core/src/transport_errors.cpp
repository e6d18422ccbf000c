#include <partnerkit/transport_errors.hpp>

#include <boost/asio/error.hpp>
#include <boost/asio/ssl/error.hpp>
#include <boost/beast/core/error.hpp>
#include <boost/beast/http/error.hpp>

namespace partnerkit {
namespace {

class TransportCategory final : public boost::system::error_category {
 public:
  const char* name() const noexcept override { return "partnerkit.transport"; }

  std::string message(int code) const override {
    switch (static_cast<transport_error>(code)) {
      case transport_error::resolve_timeout:
        return "timed out resolving the host name";
      case transport_error::connect_timeout:
        return "timed out connecting (TCP, or the proxy's CONNECT)";
      case transport_error::tls_handshake_timeout:
        return "timed out in the TLS handshake";
      case transport_error::request_timeout:
        return "timed out writing the request or reading the response";
      case transport_error::pool_wait_timeout:
        return "timed out waiting for a connection from the pool";
      case transport_error::proxy_refused:
        return "the proxy refused the CONNECT tunnel";
      case transport_error::proxy_auth_required:
        return "the proxy asked for credentials (407 Proxy Authentication Required)";
      case transport_error::url_rejected:
        return "malformed URL";
      case transport_error::scheme_refused:
        return "refused URL scheme (https only; plain http only to loopback when allowed)";
      case transport_error::request_rejected:
        return "a method, header name or header value that cannot be sent";
      case transport_error::switching_protocols:
        return "the server answered 101 Switching Protocols";
      case transport_error::response_framing_limit:
        return "the response's chunk framing, extensions or trailers are over the header cap";
    }
    return "unknown transport error";
  }

  bool equivalent(int code, const boost::system::error_condition& condition) const noexcept override {
    if (is_timeout(static_cast<transport_error>(code))) {
      return condition == boost::beast::condition::timeout ||
             condition == boost::system::errc::make_error_condition(boost::system::errc::timed_out);
    }
    return default_error_condition(code) == condition;
  }
};

std::string suffix(bool written) {
  return written ? " after the request was sent; the vendor may have applied it"
                 : " before the request was sent";
}

Error from_own(transport_error code, bool written) {
  const std::string what = make_error_code(code).message();
  switch (code) {
    case transport_error::resolve_timeout:
    case transport_error::connect_timeout:
    case transport_error::tls_handshake_timeout:
    case transport_error::request_timeout:
    case transport_error::pool_wait_timeout:
      return Error::make(errc::timeout, "no answer in time: " + what + suffix(written));
    case transport_error::proxy_refused:
      return Error::make(errc::network, what + suffix(written));
    case transport_error::proxy_auth_required: {
      Error e = Error::make(errc::unauthenticated,
                            what + "; check the credentials of HTTPS_PROXY" + suffix(written), "proxy");
      return e;
    }
    case transport_error::url_rejected:
    case transport_error::scheme_refused:
      return Error::make(errc::invalid_input, "the request cannot be sent: " + what, "base_url");
    case transport_error::request_rejected:
      return Error::make(errc::invalid_input, "the request cannot be sent: " + what);
    case transport_error::switching_protocols:
    case transport_error::response_framing_limit:
      return Error::make(errc::protocol, what + suffix(written));
  }
  return Error::make(errc::network, what + suffix(written));
}

}  // namespace

const boost::system::error_category& transport_category() noexcept {
  static const TransportCategory category;
  return category;
}

bool is_timeout(transport_error e) noexcept {
  switch (e) {
    case transport_error::resolve_timeout:
    case transport_error::connect_timeout:
    case transport_error::tls_handshake_timeout:
    case transport_error::request_timeout:
    case transport_error::pool_wait_timeout:
      return true;
    default:
      return false;
  }
}

Error error_from_transport(boost::system::error_code ec, bool request_written) {
  namespace asio = boost::asio;
  namespace http = boost::beast::http;
  Error e;
  const auto& cat = ec.category();

  if (cat == transport_category()) {
    e = from_own(static_cast<transport_error>(ec.value()), request_written);
  } else if (ec == asio::error::operation_aborted) {
    e = Error::make(errc::cancelled, "cancelled" + suffix(request_written));
  } else if (ec == boost::beast::error::timeout || ec == asio::error::timed_out) {
    e = Error::make(errc::timeout, "no answer in time" + suffix(request_written));
  } else if (ec == asio::ssl::error::stream_truncated) {
    e = Error::make(errc::network, "the TLS stream was cut" + suffix(request_written));
  } else if (cat == asio::error::get_ssl_category()) {
    e = Error::make(errc::tls,
                    (request_written ? "TLS failed while reading the response: " : "TLS failed: ") +
                        ec.message() + suffix(request_written));
  } else if (ec == http::error::body_limit) {
    e = Error::make(errc::protocol, "the response body is over the size cap" + suffix(request_written));
  } else if (ec == http::error::header_limit || ec == http::error::buffer_overflow) {
    e = Error::make(errc::protocol, "the response headers are over the size cap" + suffix(request_written));
  } else if (ec == http::error::end_of_stream || ec == asio::error::eof ||
             ec == asio::error::connection_reset || ec == asio::error::broken_pipe ||
             ec == asio::error::connection_aborted || ec == http::error::partial_message) {
    // A response cut off mid-way is a lost connection, not a malformed answer: the request may have
    // been applied, so it is retried and reconciled like a reset.
    e = Error::make(errc::network, "the connection was closed" + suffix(request_written));
  } else if (cat == boost::system::error_code(http::error::body_limit).category()) {
    e = Error::make(errc::protocol, "malformed HTTP response: " + ec.message() + suffix(request_written));
  } else if (ec == boost::system::errc::invalid_argument) {
    // The transport refused the request before sending it (a bad URL, header or method).
    e = Error::make(errc::invalid_input, "the request cannot be sent: " + ec.message(), "base_url");
  } else if (ec == boost::system::errc::protocol_not_supported) {
    // A scheme the transport will not use, e.g. plain http:// to a host that is not loopback.
    e = Error::make(errc::invalid_input, "refused URL scheme: " + ec.message(), "base_url");
  } else if (ec == asio::error::host_not_found || ec == asio::error::host_not_found_try_again ||
             ec == asio::error::no_data || ec == asio::error::no_recovery) {
    e = Error::make(errc::network, "DNS lookup failed: " + ec.message());
  } else if (ec == asio::error::connection_refused) {
    e = Error::make(errc::network, "connection refused" + suffix(request_written));
  } else {
    e = Error::make(errc::network, ec.message() + suffix(request_written));
  }
  e.cause = ec;
  return e;
}

}  // namespace partnerkit
