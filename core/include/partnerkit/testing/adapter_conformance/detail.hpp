// The author's kit: helpers of the checks (secrets, hostile bodies, test registration).
// Part of <partnerkit/testing/adapter_conformance.hpp>; include that.
#pragma once

#include <partnerkit/adapter.hpp>
#include <partnerkit/adapter_kit/base64.hpp>
#include <partnerkit/adapter_kit/url.hpp>
#include <partnerkit/error.hpp>
#include <partnerkit/http.hpp>
#include <partnerkit/partner.hpp>
#include <partnerkit/partner_spec.hpp>
#include <partnerkit/secrets.hpp>

#include <gtest/gtest.h>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <partnerkit/testing/adapter_conformance/suite.hpp>

namespace partnerkit::testing {

namespace detail {

inline std::string describe(const HttpRequest& r) {
  std::string s = r.method + " " + r.url + "\n";
  for (const auto& [k, v] : r.headers) s += k + ": " + v + "\n";
  return s + "\n" + r.body;
}

inline VendorConfig config_with_key(const ConformanceSuite& s, std::optional<VendorConfig> c = std::nullopt) {
  VendorConfig cfg = c ? *c : s.config;
  cfg.api_key = s.api_key;
  return cfg;
}

inline std::vector<std::string> secrets(const ConformanceSuite& s) {
  std::vector<std::string> out{s.api_key};
  if (s.sample.password && !s.sample.password->empty()) out.push_back(*s.sample.password);
  for (const auto& g : s.golden)
    if (g.spec.password && !g.spec.password->empty()) out.push_back(*g.spec.password);
  for (const auto& x : s.extra_secrets)
    if (!x.empty()) out.push_back(x);
  return out;
}

inline void expect_no_secret(std::string_view where, std::string_view text,
                             const std::vector<std::string>& secrets) {
  for (const auto& secret : secrets)
    EXPECT_EQ(text.find(secret), std::string_view::npos) << where << " contains a secret";
}

inline void expect_clean_error(const Error& e, const std::vector<std::string>& secrets) {
  expect_no_secret("Error::message", e.message, secrets);
  expect_no_secret("Error::vendor_message", e.vendor_message, secrets);
  expect_no_secret("Error::field", e.field, secrets);
  expect_no_secret("Error::vendor_code", e.vendor_code, secrets);
  expect_no_secret("Error::doc_url", e.doc_url, secrets);
  expect_no_secret("Error::raw_body", e.raw_body, secrets);
  for (const auto& i : e.issues) {
    expect_no_secret("Error::issues.field", i.field, secrets);
    expect_no_secret("Error::issues.message", i.message, secrets);
  }
  EXPECT_LE(e.raw_body.size(), max_raw_body_bytes) << "raw_body is not capped";
  EXPECT_LE(e.message.size(), 16u * 1024) << "message is not bounded";
  EXPECT_LE(e.vendor_message.size(), 16u * 1024) << "vendor_message is not bounded";
}

inline DecodeContext context_for(const PartnerSpec& spec, const VendorConfig& config) {
  DecodeContext ctx;
  ctx.spec = &spec;
  ctx.config = &config;
  ctx.sent_at = std::chrono::system_clock::now();
  return ctx;
}

// Bodies no vendor sends on purpose.
inline std::vector<std::pair<std::string, std::string>> hostile_bodies() {
  std::vector<std::pair<std::string, std::string>> out;
  out.emplace_back("empty", "");
  out.emplace_back("truncated", R"({"data":{"id":"p_1","email":"a@b.co","na)");
  out.emplace_back("truncated_string", R"({"error":{"code":"conflict","message":"unterminat)");
  out.emplace_back("null", "null");
  out.emplace_back("array", "[]");
  out.emplace_back("number", "42");
  out.emplace_back("string", R"("just a string")");
  out.emplace_back("wrong_types",
                   R"({"id":[],"email":{},"name":7,"status":false,"createdAt":[1],"links":"x","data":5,)"
                   R"("partner":"x","error":12,"errors":"x","message":{},"code":[],"success":"yes"})");
  out.emplace_back("wrong_types_nested",
                   R"({"data":{"id":{},"email":[],"status":1,"link":"x"},"error":{"code":{},"message":[]},)"
                   R"("errors":[{"field":1,"message":null},7]})");
  std::string big(2 * 1024 * 1024, 'A');
  out.emplace_back("two_megabyte_string",
                   "{\"message\":\"" + big + "\",\"error\":\"" + big.substr(0, 1024) + "\"}");
  out.emplace_back("two_megabyte_bare", big);
  out.emplace_back("deep_nesting", std::string(10000, '[') + std::string(10000, ']'));
  out.emplace_back("deep_nesting_objects", [] {
    std::string s;
    for (int i = 0; i < 10000; ++i) s += "{\"a\":";
    s += "1";
    s += std::string(10000, '}');
    return s;
  }());
  std::string garbage;
  for (int i = 0; i < 4096; ++i) garbage.push_back(static_cast<char>((i * 131 + 7) & 0xFF));
  out.emplace_back("binary_garbage", garbage);
  out.emplace_back("invalid_utf8", "{\"message\":\"\xC3\x28\xFF\xFE\",\"error\":\"\xED\xA0\x80\"}");
  return out;
}

// A body echoing the secrets in members a vendor might send back.
inline std::string echo_body(const ConformanceSuite& s) {
  boost::json::object o;
  o["password"] = s.sample.password.value_or("S3cret-Passw0rd!");
  o["api_key"] = s.api_key;
  o["token"] = s.api_key;
  o["authorization"] = "Bearer " + s.api_key;
  return boost::json::serialize(o);
}

inline std::string to_html(std::string_view in) {
  std::string out;
  for (char c : in) {
    if (c == '<')
      out += "&lt;";
    else if (c == '>')
      out += "&gt;";
    else if (c == '&')
      out += "&amp;";
    else if (c == '"')
      out += "&quot;";
    else if (c == '\'')
      out += "&#39;";
    else
      out.push_back(c);
  }
  return out;
}

inline std::string to_hex(std::string_view in, bool upper) {
  const char* hex = upper ? "0123456789ABCDEF" : "0123456789abcdef";
  std::string out;
  for (char ch : in) {
    const auto c = static_cast<unsigned char>(ch);
    out += {hex[c >> 4], hex[c & 15]};
  }
  return out;
}

inline std::string lower_case(std::string_view in) {
  std::string out(in);
  for (auto& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

// Whether `text` holds `secret` in a form the kit recognises independently of the scrubber:
// plain, in any letter case, or hex-encoded (either case); or in any form the scrubber knows.
inline bool holds_canary(std::string_view text, const std::string& secret, const Scrubber& known) {
  if (secret.empty()) return false;
  const std::string lower_text = lower_case(text);
  return lower_text.find(lower_case(secret)) != std::string::npos ||
         lower_text.find(to_hex(secret, false)) != std::string::npos || known.leaks(text);
}

// Every string a decoded result hands out, named.
inline std::vector<std::pair<std::string, std::string>> result_strings(const Result<Partner>& r) {
  std::vector<std::pair<std::string, std::string>> out;
  if (r) {
    const Partner& p = *r;
    out.emplace_back("Partner::id", p.id.value_or(""));
    out.emplace_back("Partner::email", p.email);
    out.emplace_back("Partner::name", p.name);
    out.emplace_back("Partner::status_raw", p.status_raw);
    out.emplace_back("Partner::created_at", p.created_at.value_or(""));
    for (const auto& l : p.links)
      out.emplace_back("Partner::links", l.url + " " + l.id + " " + l.key + " " + l.domain);
    for (const auto& w : p.warnings) out.emplace_back("Partner::warnings", w);
    out.emplace_back("Partner::raw", boost::json::serialize(p.raw));
  } else {
    const Error& e = r.error();
    out.emplace_back("Error::message", e.message);
    out.emplace_back("Error::vendor_message", e.vendor_message);
    out.emplace_back("Error::vendor_code", e.vendor_code);
    out.emplace_back("Error::doc_url", e.doc_url);
    out.emplace_back("Error::field", e.field);
    out.emplace_back("Error::raw_body", e.raw_body);
    for (const auto& i : e.issues) out.emplace_back("Error::issues", i.field + " " + i.message);
  }
  return out;
}

class LambdaTest : public ::testing::Test {
 public:
  explicit LambdaTest(std::function<void()> body) : body_(std::move(body)) {}
  void TestBody() override { body_(); }

 private:
  std::function<void()> body_;
};

inline std::string test_name(std::string_view text) {
  std::string out;
  for (char c : text) out.push_back(std::isalnum(static_cast<unsigned char>(c)) ? c : '_');
  return out.empty() ? "_" : out;
}

inline void add_test(const std::string& suite, const std::string& name, std::function<void()> body) {
  ::testing::RegisterTest(suite.c_str(), test_name(name).c_str(), nullptr, nullptr, __FILE__, __LINE__,
                          [body = std::move(body)]() -> ::testing::Test* { return new LambdaTest(body); });
}

}  // namespace detail

}  // namespace partnerkit::testing
