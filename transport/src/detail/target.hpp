// URL → where to connect: scheme, host, port, Host header, request target and pool key. Pure: no
// sockets, no DNS (tests/transport/transport_units_test.cpp checks it byte for byte).
#pragma once

#include <boost/system/error_code.hpp>

#include <string>
#include <string_view>

namespace partnerkit::detail {

struct Target {
  bool tls = true;
  std::string host;         // name or IP text, no brackets: what we resolve and verify
  std::string port;         // decimal
  std::string host_header;  // Host: value (brackets for IPv6, port when not the default)
  std::string target;       // path + query, "/" when empty
  std::string origin;       // pool key: "https://host:port", host lower-cased
  bool host_is_ip = false;
  bool loopback = false;
};

// localhost, *.localhost, 127.0.0.0/8, ::1.
bool is_loopback_host(std::string_view host, bool is_ip);

// Parses an absolute http(s) URL. Errors (transport_error): url_rejected (malformed, no host,
// port 0, control characters in the host), scheme_refused (not https; http only to a loopback host
// when allow_plain_http_loopback).
boost::system::error_code parse_target(std::string_view url, bool allow_plain_http_loopback, Target& t);

}  // namespace partnerkit::detail
