#include "detail/common.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include <cctype>
#include <cstdio>
#include <ctime>

namespace partnerkit::sandbox::detail {

std::string iso8601(std::chrono::system_clock::time_point t, int digits) {
  using namespace std::chrono;
  auto us = duration_cast<microseconds>(t.time_since_epoch()).count();
  long long secs = us / 1'000'000;
  long long frac = us % 1'000'000;
  if (frac < 0) {
    frac += 1'000'000;
    --secs;
  }
  std::time_t tt = static_cast<std::time_t>(secs);
  std::tm tm{};
  gmtime_r(&tt, &tm);
  char buf[64];
  if (digits == 6) {
    std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%06lldZ", tm.tm_year + 1900, tm.tm_mon + 1,
                  tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, frac);
  } else {
    std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%03lldZ", tm.tm_year + 1900, tm.tm_mon + 1,
                  tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, frac / 1000);
  }
  return buf;
}

std::string email_domain(std::string_view email) {
  auto at = email.rfind('@');
  if (at == std::string_view::npos) return {};
  return text::ascii_lower(email.substr(at + 1));
}

std::string_view json_type_name(const boost::json::value& v) noexcept {
  switch (v.kind()) {
    case boost::json::kind::null:
      return "null";
    case boost::json::kind::bool_:
      return "boolean";
    case boost::json::kind::int64:
    case boost::json::kind::uint64:
    case boost::json::kind::double_:
      return "number";
    case boost::json::kind::string:
      return "string";
    case boost::json::kind::array:
      return "array";
    case boost::json::kind::object:
      return "object";
  }
  return "unknown";
}

HttpResponse json_response(int status, const boost::json::value& body) {
  HttpResponse r;
  r.status = status;
  r.headers.emplace_back("Content-Type", "application/json");
  r.body = boost::json::serialize(body);
  return r;
}

HttpResponse text_response(int status, std::string_view content_type, std::string body) {
  HttpResponse r;
  r.status = status;
  r.headers.emplace_back("Content-Type", std::string(content_type));
  r.body = std::move(body);
  return r;
}

const std::string* header_ptr(const HttpHeaders& headers, std::string_view name) noexcept {
  for (const auto& [k, v] : headers)
    if (text::iequals(k, name)) return &v;
  return nullptr;
}

bool secure_equals(std::string_view a, std::string_view b) noexcept {
  if (a.size() != b.size()) return false;
  unsigned char diff = 0;
  for (std::size_t i = 0; i < a.size(); ++i) diff |= static_cast<unsigned char>(a[i] ^ b[i]);
  return diff == 0;
}

std::string IdGenerator::alnum(std::size_t n, bool lower_only) {
  static constexpr char chars[] = "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ";
  const std::uint64_t range = lower_only ? 36 : 62;
  std::string out;
  out.reserve(n);
  for (std::size_t i = 0; i < n; ++i) out += chars[rng_() % range];
  return out;
}

bool parse_json(std::string_view text, boost::json::value& out) {
  boost::system::error_code ec;
  out = boost::json::parse(text, ec);
  return !ec;
}

}  // namespace partnerkit::sandbox::detail
