#include <partnerkit/transport_errors.hpp>

#include <boost/asio/error.hpp>
#include <boost/asio/ssl/error.hpp>
#include <boost/beast/core/error.hpp>
#include <boost/beast/http/error.hpp>

#include <gtest/gtest.h>

using namespace partnerkit;
namespace asio = boost::asio;
namespace http = boost::beast::http;

TEST(TransportErrors, ClassifiesLowLevelCodesOnce) {
  struct Case {
    boost::system::error_code ec;
    errc expected;
  };
  const Case cases[] = {
      {asio::error::operation_aborted, errc::cancelled},
      {boost::beast::error::timeout, errc::timeout},
      {asio::error::timed_out, errc::timeout},
      {asio::error::connection_refused, errc::network},
      {asio::error::connection_reset, errc::network},
      {asio::error::eof, errc::network},
      {http::error::end_of_stream, errc::network},
      {asio::error::host_not_found, errc::network},
      {asio::ssl::error::stream_truncated, errc::network},
      {boost::system::error_code(0x0A000086 /* certificate verify failed */, asio::error::get_ssl_category()),
       errc::tls},
      {http::error::body_limit, errc::protocol},
      {http::error::header_limit, errc::protocol},
      {http::error::bad_version, errc::protocol},
      {http::error::partial_message, errc::network},
      {boost::system::errc::make_error_code(boost::system::errc::invalid_argument), errc::invalid_input},
      {boost::system::errc::make_error_code(boost::system::errc::protocol_not_supported),
       errc::invalid_input},
  };
  for (const auto& c : cases) {
    Error e = error_from_transport(c.ec, true);
    EXPECT_EQ(e.code, c.expected) << c.ec.message();
    EXPECT_EQ(e.retryable, is_retryable(c.expected)) << c.ec.message();
    EXPECT_EQ(e.cause, c.ec);
  }
}

TEST(TransportErrors, MessageSaysWhetherTheRequestWasSent) {
  EXPECT_NE(error_from_transport(asio::error::connection_reset, true).message.find("may have applied"),
            std::string::npos);
  EXPECT_NE(error_from_transport(asio::error::connection_refused, false).message.find("before the request"),
            std::string::npos);
}
