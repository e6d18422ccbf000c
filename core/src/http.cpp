#include <partnerkit/http.hpp>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include <algorithm>
#include <cctype>

namespace partnerkit {
namespace {

bool iequals(std::string_view a, std::string_view b) noexcept {
  return a.size() == b.size() &&
         std::equal(a.begin(), a.end(), b.begin(),
                    [](unsigned char x, unsigned char y) { return std::tolower(x) == std::tolower(y); });
}

bool is_credential_header(std::string_view name) noexcept {
  return iequals(name, "authorization") || iequals(name, "proxy-authorization") ||
         iequals(name, "x-api-key") || iequals(name, "cookie");
}

// Secrets a body may carry: Partnero's password, and anything a plugin names alike.
bool is_secret_key(std::string_view key) noexcept {
  return iequals(key, "password") || iequals(key, "api_key") || iequals(key, "apiKey") ||
         iequals(key, "token");
}

void redact_json(boost::json::value& v) {
  if (auto* o = v.if_object()) {
    for (auto& kv : *o) {
      if (is_secret_key(kv.key()) && kv.value().is_string())
        kv.value() = "REDACTED";
      else
        redact_json(kv.value());
    }
  } else if (auto* a = v.if_array()) {
    for (auto& e : *a) redact_json(e);
  }
}

}  // namespace

std::string_view find_header(const HttpHeaders& headers, std::string_view name) noexcept {
  for (const auto& [k, v] : headers)
    if (iequals(k, name)) return v;
  return {};
}

HttpRequest redacted(const HttpRequest& request) {
  HttpRequest copy = request;
  for (auto& [k, v] : copy.headers)
    if (is_credential_header(k)) v = "REDACTED";
  if (!copy.body.empty()) {
    boost::system::error_code ec;
    boost::json::value body = boost::json::parse(copy.body, ec);
    if (!ec) {
      redact_json(body);
      copy.body = boost::json::serialize(body);
    } else if (copy.body.find("password") != std::string::npos) {
      copy.body = "REDACTED";  // not JSON: we cannot tell where the secret is
    }
  }
  return copy;
}

}  // namespace partnerkit
