// What the transport's tests against the test TLS server share: options that trust its CA only (no
// system store, no proxy from the environment) with each test file's phase timeouts, and a JSON POST.
#pragma once

#include <partnerkit/beast_transport.hpp>
#include <partnerkit/http.hpp>

#include "test_tls_server.hpp"

#include <chrono>
#include <optional>
#include <string>

namespace partnerkit::test {

inline TransportOptions test_server_options(const TestServer& server, std::chrono::seconds connect_and_tls,
                                            std::chrono::seconds request) {
  TransportOptions o;
  o.use_default_verify_paths = false;  // trust the test CA only
  o.ca_pem = server.ca_pem();
  o.connect_timeout = connect_and_tls;
  o.tls_timeout = connect_and_tls;
  o.request_timeout = request;
  o.proxy_from_environment = false;
  return o;
}

// A POST of `body` as application/json, with `Authorization: Bearer <bearer>` when one is given.
inline HttpRequest json_post(std::string url, std::string body, std::optional<std::string> bearer = {}) {
  HttpRequest r;
  r.method = "POST";
  r.url = std::move(url);
  r.headers = {{"Content-Type", "application/json"}};
  if (bearer) r.headers.emplace_back("Authorization", "Bearer " + *bearer);
  r.body = std::move(body);
  return r;
}

}  // namespace partnerkit::test
