#include <partnerkit/transport_errors.hpp>

#include <boost/asio/error.hpp>
#include <boost/asio/ssl/error.hpp>
#include <boost/beast/core/error.hpp>
#include <boost/beast/http/error.hpp>

namespace partnerkit {
namespace {

std::string suffix(bool written) {
  return written ? " after the request was sent; the vendor may have applied it"
                 : " before the request was sent";
}

}  // namespace

Error error_from_transport(boost::system::error_code ec, bool request_written) {
  namespace asio = boost::asio;
  namespace http = boost::beast::http;
  Error e;
  e.cause = ec;
  const auto& cat = ec.category();

  if (ec == asio::error::operation_aborted) {
    e = Error::make(errc::cancelled, "cancelled" + suffix(request_written));
  } else if (ec == boost::beast::error::timeout || ec == asio::error::timed_out) {
    e = Error::make(errc::timeout, "no answer in time" + suffix(request_written));
  } else if (ec == asio::ssl::error::stream_truncated) {
    e = Error::make(errc::network, "the TLS stream was cut" + suffix(request_written));
  } else if (cat == asio::error::get_ssl_category()) {
    e = Error::make(errc::tls, "TLS failed: " + ec.message());
  } else if (ec == http::error::body_limit) {
    e = Error::make(errc::protocol, "the response body is over the size cap");
  } else if (ec == http::error::header_limit || ec == http::error::buffer_overflow) {
    e = Error::make(errc::protocol, "the response headers are over the size cap");
  } else if (ec == http::error::end_of_stream || ec == asio::error::eof ||
             ec == asio::error::connection_reset || ec == asio::error::broken_pipe ||
             ec == asio::error::connection_aborted || ec == http::error::partial_message) {
    // A response cut off mid-way is a lost connection, not a malformed answer: the request may have
    // been applied, so it is retried and reconciled like a reset.
    e = Error::make(errc::network, "the connection was closed" + suffix(request_written));
  } else if (cat == boost::system::error_code(http::error::body_limit).category()) {
    e = Error::make(errc::protocol, "malformed HTTP response: " + ec.message());
  } else if (ec == boost::system::errc::invalid_argument) {
    // The transport refused the request before sending it (a bad URL, header or method).
    e = Error::make(errc::invalid_input, "the request cannot be sent: " + ec.message(), "base_url");
  } else if (ec == boost::system::errc::protocol_not_supported) {
    // A scheme the transport will not use, e.g. plain http:// to a host that is not loopback.
    e = Error::make(errc::invalid_input, "refused URL scheme: " + ec.message(), "base_url");
  } else if (ec == asio::error::host_not_found || ec == asio::error::host_not_found_try_again ||
             ec == asio::error::no_data || ec == asio::error::no_recovery) {
    e = Error::make(errc::network, "DNS lookup failed: " + ec.message());
  } else {
    e = Error::make(errc::network, ec.message() + suffix(request_written));
  }
  e.cause = ec;
  return e;
}

}  // namespace partnerkit
