#include <partnerkit/rate_limit.hpp>
#include <partnerkit/text/ascii.hpp>

#include <charconv>
#include <cmath>
#include <cstdio>

namespace partnerkit {
namespace {

std::string_view trim(std::string_view s) noexcept { return text::trim(s, text::ows); }

// A finite, non-negative decimal with nothing after it.
std::optional<double> number(std::string_view s) {
  s = trim(s);
  if (s.empty() || s.size() > 32) return std::nullopt;
  double v = 0;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || p != s.data() + s.size() || !std::isfinite(v) || v < 0) return std::nullopt;
  return v;
}

std::optional<std::chrono::milliseconds> window(std::string_view s) {
  s = trim(s);
  // The unit, and an optional count in front of it ("30s", "30 s", "min", "2min").
  std::size_t i = 0;
  while (i < s.size() && ((s[i] >= '0' && s[i] <= '9') || s[i] == '.')) ++i;
  double n = 1;
  if (i > 0) {
    auto v = number(s.substr(0, i));
    if (!v || *v <= 0) return std::nullopt;
    n = *v;
  }
  const std::string_view unit = trim(s.substr(i));
  double unit_ms = 0;
  if (unit == "ms")
    unit_ms = 1;
  else if (unit == "s" || unit == "sec" || unit == "second" || unit == "seconds")
    unit_ms = 1000;
  else if (unit == "m" || unit == "min" || unit == "minute" || unit == "minutes")
    unit_ms = 60'000;
  else if (unit == "h" || unit == "hour" || unit == "hours")
    unit_ms = 3'600'000;
  else if (unit == "d" || unit == "day" || unit == "days")
    unit_ms = 86'400'000;
  else
    return std::nullopt;
  const double ms = n * unit_ms;
  if (ms < 1 || ms > 366.0 * 86'400'000) return std::nullopt;
  return std::chrono::milliseconds(static_cast<long long>(std::llround(ms)));
}

std::string format(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.6g", v);
  return buf;
}

}  // namespace

std::optional<RateLimit> parse_rate_limit(std::string_view text, std::string* why) {
  auto fail = [&](const char* reason) -> std::optional<RateLimit> {
    if (why) *why = reason;
    return std::nullopt;
  };
  text = trim(text);
  RateLimit out;
  // Burst: ",burst=N", ", burst N" or ":N" at the end.
  if (auto comma = text.find(','); comma != std::string_view::npos) {
    std::string_view b = trim(text.substr(comma + 1));
    if (b.substr(0, 5) == "burst") b = trim(b.substr(5));
    if (!b.empty() && b.front() == '=') b = trim(b.substr(1));
    auto n = number(b);
    if (!n || *n < 1 || *n > 1e6 || std::floor(*n) != *n) return fail("burst: expected a whole number >= 1");
    out.burst = *n;
    text = trim(text.substr(0, comma));
  } else if (auto colon = text.find(':'); colon != std::string_view::npos) {
    auto n = number(text.substr(colon + 1));
    if (!n || *n < 1 || *n > 1e6 || std::floor(*n) != *n) return fail("burst: expected a whole number >= 1");
    out.burst = *n;
    text = trim(text.substr(0, colon));
  }
  std::string_view count = text, per = "s";
  if (auto slash = text.find('/'); slash != std::string_view::npos) {
    count = text.substr(0, slash);
    per = text.substr(slash + 1);
  } else if (auto p = text.find(" per "); p != std::string_view::npos) {
    count = text.substr(0, p);
    per = text.substr(p + 5);
  }
  auto n = number(count);
  if (!n || *n > 1e9) return fail("expected a count such as 200, 200/s, 3000/min or 45/30s");
  auto w = window(per);
  if (!w) return fail("expected a window such as s, min, h or 30s after the '/'");
  out.count = *n;
  out.window = *w;
  return out;
}

std::string to_string(const RateLimit& limit) {
  if (limit.count <= 0) return "no limit";
  const auto ms = limit.window.count();
  std::string out = format(limit.count);
  if (ms == 1000)
    out += "/s";
  else if (ms == 60'000)
    out += "/min";
  else if (ms == 3'600'000)
    out += "/h";
  else if (ms % 1000 == 0)
    out += " per " + std::to_string(ms / 1000) + " s";
  else
    out += " per " + std::to_string(ms) + " ms";
  if (limit.burst > 1) out += ", burst " + format(limit.burst);
  return out;
}

}  // namespace partnerkit

#include <partnerkit/adapter.hpp>

namespace partnerkit {

RateLimit declared_rate_limit(const Capabilities& capabilities) noexcept {
  if (capabilities.rate_limit.count > 0) return capabilities.rate_limit;
  if (capabilities.default_requests_per_second > 0)
    return RateLimit::per_second(capabilities.default_requests_per_second);
  return RateLimit{};
}

}  // namespace partnerkit
