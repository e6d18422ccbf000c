// Helpers for the adapter tests: plain values in, plain values out.
#pragma once

#include <partnerkit/adapter.hpp>

#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>

#include <gtest/gtest.h>

#include <chrono>
#include <string>

namespace partnerkit::test {

inline VendorConfig config_with_key(std::string key = "test_key_123") {
  VendorConfig c;
  c.api_key = std::move(key);
  return c;
}

inline HttpResponse response(int status, std::string body, HttpHeaders headers = {}) {
  HttpResponse r;
  r.status = status;
  r.body = std::move(body);
  r.headers = std::move(headers);
  return r;
}

// 2025-06-01T12:00:00Z
inline std::chrono::system_clock::time_point fixed_now() {
  return std::chrono::system_clock::time_point(std::chrono::seconds(1748779200));
}

inline DecodeContext context_for(const PartnerSpec& spec) {
  DecodeContext c;
  c.spec = &spec;
  c.sent_at = fixed_now();
  return c;
}

// True when no value anywhere in v is JSON null.
inline bool has_no_null(const boost::json::value& v) {
  if (v.is_null()) return false;
  if (const auto* o = v.if_object()) {
    for (const auto& kv : *o)
      if (!has_no_null(kv.value())) return false;
  } else if (const auto* a = v.if_array()) {
    for (const auto& e : *a)
      if (!has_no_null(e)) return false;
  }
  return true;
}

inline boost::json::value parse_or_fail(const std::string& body) {
  boost::system::error_code ec;
  auto v = boost::json::parse(body, ec);
  EXPECT_FALSE(ec) << "not JSON: " << body;
  return v;
}

}  // namespace partnerkit::test
