// HTTP requests and responses as plain values: what adapters produce and consume, what a
// Transport sends. No Beast types here, so adapters stay pure and testable byte for byte.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace partnerkit {

using HttpHeaders = std::vector<std::pair<std::string, std::string>>;

// Case-insensitive header look-up; empty when absent.
std::string_view find_header(const HttpHeaders& headers, std::string_view name) noexcept;

struct HttpRequest {
  std::string method = "POST";
  std::string url;  // absolute: https://host[:port]/path
  HttpHeaders headers;
  std::string body;

  std::string_view header(std::string_view name) const noexcept { return find_header(headers, name); }
  friend bool operator==(const HttpRequest&, const HttpRequest&) = default;
};

struct HttpResponse {
  int status = 0;
  HttpHeaders headers;
  std::string body;

  std::string_view header(std::string_view name) const noexcept { return find_header(headers, name); }
  friend bool operator==(const HttpResponse&, const HttpResponse&) = default;
};

// A copy of the request safe to print: headers and JSON body members with a secret-like name
// (is_secret_name: Authorization, X-Api-Key, password, apiToken, client_secret, ...) replaced by
// "REDACTED". By name only: redacted(request, scrubber) of secrets.hpp also scrubs by value.
HttpRequest redacted(const HttpRequest& request);

}  // namespace partnerkit
