// Low-level transport failures (Asio, SSL, Beast error_codes) classified into the taxonomy, once.
// Public so that embedders writing their own Transport get the same classification.
#pragma once

#include <partnerkit/error.hpp>

#include <boost/system/error_code.hpp>

namespace partnerkit {

// operation_aborted → cancelled; timeouts → timeout; TLS handshake/verification → tls;
// HTTP parse errors and size limits → protocol; refused, reset, EOF, DNS → network.
// The message says when the request was written and so may have been applied.
Error error_from_transport(boost::system::error_code ec, bool request_written);

}  // namespace partnerkit
