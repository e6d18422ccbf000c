// The HTTP CONNECT proxy: settings from HTTPS_PROXY / NO_PROXY (or explicit options), the CONNECT
// request and the meaning of the proxy's answer. Pure; the connection does the I/O (send_op.cpp).
#pragma once

#include "detail/target.hpp"

#include <boost/system/error_code.hpp>

#include <string>
#include <string_view>
#include <vector>

namespace partnerkit {
struct TransportOptions;
}

namespace partnerkit::detail {

struct ProxyConfig {
  bool enabled = false;
  std::string host;
  std::string port;
  std::string authorization;  // "Basic …" or empty
  std::vector<std::string> no_proxy;
  bool no_proxy_all = false;

  // Loopback hosts, "*", exact names and domain suffixes of NO_PROXY go direct.
  bool bypass(const Target& t) const;
};

// Throws boost::system::system_error for a proxy URL that is not http://host[:port].
ProxyConfig make_proxy_config(const TransportOptions& options);

// "CONNECT host:port HTTP/1.1" with Host, User-Agent and Proxy-Authorization when configured.
std::string connect_request(const ProxyConfig& proxy, const Target& target, std::string_view user_agent);

// The proxy's final answer to CONNECT: 2xx → {} (the tunnel is open), 407 →
// transport_error::proxy_auth_required, anything else → transport_error::proxy_refused. Bytes the
// proxy sent after its answer (leftover) cannot be TLS from the origin yet: proxy_refused.
boost::system::error_code connect_answer(int status, std::size_t leftover);

}  // namespace partnerkit::detail
