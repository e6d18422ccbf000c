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

// Issue 14 item 5: a code per phase, and the Error's message names it.
TEST(TransportErrors, EachPhaseHasItsOwnCodeAndMessage) {
  struct Case {
    transport_error code;
    errc expected;
    const char* says;
  };
  const Case cases[] = {
      {transport_error::resolve_timeout, errc::timeout, "resolving the host name"},
      {transport_error::connect_timeout, errc::timeout, "connecting"},
      {transport_error::tls_handshake_timeout, errc::timeout, "TLS handshake"},
      {transport_error::request_timeout, errc::timeout, "writing the request or reading the response"},
      {transport_error::pool_wait_timeout, errc::timeout, "waiting for a connection from the pool"},
      {transport_error::proxy_refused, errc::network, "proxy refused"},
      {transport_error::proxy_auth_required, errc::unauthenticated, "407"},
      {transport_error::url_rejected, errc::invalid_input, "malformed URL"},
      {transport_error::scheme_refused, errc::invalid_input, "scheme"},
      {transport_error::request_rejected, errc::invalid_input, "header"},
      {transport_error::switching_protocols, errc::protocol, "101"},
      {transport_error::response_framing_limit, errc::protocol, "chunk"},
  };
  for (const auto& c : cases) {
    const boost::system::error_code ec = c.code;
    EXPECT_EQ(ec.category(), transport_category());
    EXPECT_STREQ(ec.category().name(), "partnerkit.transport");
    const Error e = error_from_transport(ec, false);
    EXPECT_EQ(e.code, c.expected) << ec.message();
    EXPECT_EQ(e.cause, ec);
    EXPECT_NE(e.message.find(c.says), std::string::npos) << e.message;
    EXPECT_EQ(is_timeout(c.code), c.expected == errc::timeout) << ec.message();
  }
  EXPECT_EQ(error_from_transport(transport_error::proxy_auth_required, false).field, "proxy");
  EXPECT_FALSE(error_from_transport(transport_error::proxy_auth_required, false).retryable);
  EXPECT_EQ(error_from_transport(transport_error::url_rejected, false).field, "base_url");
}

TEST(TransportErrors, EveryTimeoutIsATimeoutCondition) {
  for (auto code : {transport_error::resolve_timeout, transport_error::connect_timeout,
                    transport_error::tls_handshake_timeout, transport_error::request_timeout,
                    transport_error::pool_wait_timeout}) {
    const boost::system::error_code ec = code;
    EXPECT_EQ(ec, boost::beast::condition::timeout) << ec.message();
    EXPECT_EQ(ec, boost::system::errc::timed_out) << ec.message();
    EXPECT_NE(ec, boost::beast::error::timeout);  // a distinct code, the same condition
  }
  const boost::system::error_code refused = transport_error::proxy_refused;
  EXPECT_NE(refused, boost::beast::condition::timeout);
}

TEST(TransportErrors, ReadingFailuresSayTheRequestMayHaveBeenApplied) {
  for (boost::system::error_code ec :
       {boost::system::error_code(http::error::body_limit), boost::system::error_code(http::error::bad_chunk),
        boost::system::error_code(0x0A000119 /* decryption failed or bad record mac */,
                                  asio::error::get_ssl_category()),
        boost::system::error_code(transport_error::request_timeout)}) {
    EXPECT_NE(error_from_transport(ec, true).message.find("may have applied"), std::string::npos)
        << ec.message();
  }
}
