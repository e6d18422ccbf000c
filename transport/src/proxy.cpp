#include "detail/proxy.hpp"

#include <partnerkit/text/ascii.hpp>

#include <partnerkit/beast_transport.hpp>
#include <partnerkit/transport_errors.hpp>

#include <boost/system/system_error.hpp>
#include <boost/url/parse.hpp>

#include <openssl/evp.h>

#include <algorithm>
#include <cstdlib>

namespace partnerkit::detail {
namespace {

std::string env(const char* a, const char* b) {
  if (const char* v = std::getenv(a); v && *v) return v;
  if (const char* v = std::getenv(b); v && *v) return v;
  return {};
}

}  // namespace

bool ProxyConfig::bypass(const Target& t) const {
  if (!enabled || t.loopback || no_proxy_all) return true;
  const std::string host = text::ascii_lower(t.host);
  for (const auto& entry : no_proxy) {
    std::string_view e = entry;
    if (!e.empty() && e.front() == '.') e.remove_prefix(1);
    if (host == e) return true;
    if (host.size() > e.size() && host.ends_with(e) && host[host.size() - e.size() - 1] == '.') return true;
  }
  return false;
}

ProxyConfig make_proxy_config(const TransportOptions& options) {
  ProxyConfig p;
  std::string url = options.proxy;
  std::string no_proxy = options.no_proxy;
  if (url.empty() && options.proxy_from_environment) url = env("HTTPS_PROXY", "https_proxy");
  if (no_proxy.empty() && (options.proxy_from_environment || !options.proxy.empty())) {
    no_proxy = env("NO_PROXY", "no_proxy");
  }
  if (url.empty()) return p;
  if (url.find("://") == std::string::npos) url = "http://" + url;
  auto parsed = boost::urls::parse_uri(url);
  if (!parsed || parsed->scheme_id() != boost::urls::scheme::http || parsed->encoded_host().empty()) {
    throw boost::system::system_error(make_error_code(boost::system::errc::invalid_argument),
                                      "partnerkit: unsupported proxy URL (only http://host:port)");
  }
  p.enabled = true;
  p.host = parsed->host_type() == boost::urls::host_type::ipv6 ? parsed->host_ipv6_address().to_string()
                                                               : std::string(parsed->host());
  p.port = parsed->has_port() && !parsed->port().empty() ? std::string(parsed->port()) : "80";
  // Boost.URL keeps port_number() 0 for a port that does not fit 16 bits (70000, 2^64 + 1, …):
  // refused here, never narrowed or handed to std::stoul later.
  if (p.port != "80" && parsed->port_number() == 0) {
    throw boost::system::system_error(make_error_code(boost::system::errc::invalid_argument),
                                      "partnerkit: the proxy URL's port is not 1-65535");
  }
  if (parsed->has_userinfo()) {
    std::string creds = parsed->user() + ":" + parsed->password();
    std::string encoded(4 * ((creds.size() + 2) / 3) + 1, '\0');
    const int n =
        EVP_EncodeBlock(reinterpret_cast<unsigned char*>(encoded.data()),
                        reinterpret_cast<const unsigned char*>(creds.data()), static_cast<int>(creds.size()));
    encoded.resize(static_cast<std::size_t>(std::max(n, 0)));
    p.authorization = "Basic " + encoded;
  }
  std::size_t pos = 0;
  while (pos <= no_proxy.size()) {
    std::size_t comma = no_proxy.find(',', pos);
    if (comma == std::string::npos) comma = no_proxy.size();
    std::string entry = no_proxy.substr(pos, comma - pos);
    entry.erase(0, entry.find_first_not_of(" \t"));
    entry.erase(entry.find_last_not_of(" \t") + 1);
    entry = text::ascii_lower(entry);
    if (entry == "*") p.no_proxy_all = true;
    if (!entry.empty()) p.no_proxy.push_back(entry);
    pos = comma + 1;
  }
  return p;
}

std::string connect_request(const ProxyConfig& proxy, const Target& target, std::string_view user_agent) {
  const std::string authority =
      (target.host.find(':') != std::string::npos ? "[" + target.host + "]" : target.host) + ":" +
      target.port;
  std::string out;
  out.reserve(128 + 2 * authority.size() + proxy.authorization.size());
  out.append("CONNECT ").append(authority).append(" HTTP/1.1\r\nHost: ").append(authority).append("\r\n");
  if (!user_agent.empty()) out.append("User-Agent: ").append(user_agent).append("\r\n");
  if (!proxy.authorization.empty())
    out.append("Proxy-Authorization: ").append(proxy.authorization).append("\r\n");
  out.append("\r\n");
  return out;
}

boost::system::error_code connect_answer(int status, std::size_t leftover) {
  if (status == 407) return transport_error::proxy_auth_required;
  if (status / 100 != 2 || leftover != 0) return transport_error::proxy_refused;
  return {};
}

}  // namespace partnerkit::detail
