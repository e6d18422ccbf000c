#include "detail/target.hpp"

#include <partnerkit/text/ascii.hpp>

#include <partnerkit/transport_errors.hpp>

#include <boost/asio/ip/address.hpp>
#include <boost/url/parse.hpp>

#include <cstdint>

namespace partnerkit::detail {

bool is_loopback_host(std::string_view host, bool is_ip) {
  if (is_ip) {
    boost::system::error_code ec;
    auto a = boost::asio::ip::make_address(host, ec);
    return !ec && a.is_loopback();
  }
  return text::iequals(host, "localhost") ||
         (host.size() > 10 && text::iequals(host.substr(host.size() - 10), ".localhost"));
}

boost::system::error_code parse_target(std::string_view url, bool allow_plain_http_loopback, Target& t) {
  auto parsed = boost::urls::parse_uri(url);
  if (!parsed) return transport_error::url_rejected;
  const auto& u = *parsed;
  const auto scheme = u.scheme_id();
  if (scheme == boost::urls::scheme::https) {
    t.tls = true;
  } else if (scheme == boost::urls::scheme::http) {
    t.tls = false;
  } else {
    return transport_error::scheme_refused;
  }
  switch (u.host_type()) {
    case boost::urls::host_type::name:
      t.host = u.host_name();
      t.host_is_ip = false;
      break;
    case boost::urls::host_type::ipv4:
      t.host = u.host_ipv4_address().to_string();
      t.host_is_ip = true;
      break;
    case boost::urls::host_type::ipv6:
      t.host = u.host_ipv6_address().to_string();
      t.host_is_ip = true;
      break;
    default:
      return transport_error::url_rejected;
  }
  if (t.host.empty()) return transport_error::url_rejected;
  for (char c : t.host) {
    // A decoded name with control characters or spaces cannot be a DNS name.
    if (static_cast<unsigned char>(c) <= 0x20 || c == 0x7f) return transport_error::url_rejected;
  }
  t.loopback = is_loopback_host(t.host, t.host_is_ip);
  if (!t.tls && !(allow_plain_http_loopback && t.loopback)) return transport_error::scheme_refused;
  const std::uint16_t default_port = t.tls ? 443 : 80;
  std::uint16_t port = default_port;
  if (u.has_port() && !u.port().empty()) {
    // Boost.URL keeps port_number() 0 for a port that does not fit 16 bits: checked here.
    port = u.port_number();
    if (port == 0) return transport_error::url_rejected;
  }
  t.port = std::to_string(port);
  const std::string bracketed = u.host_type() == boost::urls::host_type::ipv6 ? "[" + t.host + "]" : t.host;
  t.host_header = port == default_port ? bracketed : bracketed + ":" + t.port;
  t.target = std::string(u.encoded_target());
  if (t.target.empty()) t.target = "/";
  if (t.target.front() != '/') return transport_error::url_rejected;
  t.origin = (t.tls ? "https://" : "http://") + text::ascii_lower(bracketed) + ":" + t.port;
  return {};
}

}  // namespace partnerkit::detail
