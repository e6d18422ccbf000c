#include <partnerkit/detail/calendar.hpp>
#include <partnerkit/http_errors.hpp>
#include <partnerkit/secrets.hpp>
#include <partnerkit/text/ascii.hpp>
#include <partnerkit/text/utf8.hpp>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include <array>
#include <cstdint>
#include <string>

namespace partnerkit {
namespace {

using detail::days_from_civil;
using detail::days_in_month;
using text::iequals;
using text::is_alpha;
using text::is_digit;
using text::trim;
using text::utf8_prefix;

using std::chrono::milliseconds;

constexpr milliseconds max_wait = std::chrono::hours(24);

// Numbers below this are delta-seconds (1e9 s is 2001-09-09 as an epoch, 31 years as a delay).
constexpr std::uint64_t epoch_seconds_floor = 1'000'000'000ULL;
// Numbers from this on are epoch milliseconds (1e11 s would be the year 5138; 1e11 ms is 1973).
constexpr std::uint64_t epoch_millis_floor = 100'000'000'000ULL;

// A tiny cursor over a header value.
struct Cursor {
  std::string_view s;
  std::size_t i = 0;

  bool done() const noexcept { return i >= s.size(); }
  bool eat(char c) noexcept {
    if (i < s.size() && s[i] == c) return ++i, true;
    return false;
  }
  bool spaces(bool required) noexcept {
    std::size_t start = i;
    while (i < s.size() && s[i] == ' ') ++i;
    return !required || i > start;
  }
  // Exactly n digits (n == 0: 1 or 2 digits).
  bool digits(int n, int& out) noexcept {
    int count = 0;
    out = 0;
    const int max = n == 0 ? 2 : n;
    while (count < max && i < s.size() && is_digit(s[i])) {
      out = out * 10 + (s[i] - '0');
      ++i;
      ++count;
    }
    return n == 0 ? count >= 1 : count == n;
  }
  std::string_view word() noexcept {
    std::size_t start = i;
    while (i < s.size() && is_alpha(s[i])) ++i;
    return s.substr(start, i - start);
  }
};

bool weekday_ok(std::string_view w) noexcept {
  static constexpr std::array<std::string_view, 7> shortn{"mon", "tue", "wed", "thu", "fri", "sat", "sun"};
  static constexpr std::array<std::string_view, 7> longn{"monday", "tuesday",  "wednesday", "thursday",
                                                         "friday", "saturday", "sunday"};
  for (auto n : shortn)
    if (iequals(w, n)) return true;
  for (auto n : longn)
    if (iequals(w, n)) return true;
  return false;
}

unsigned month_from(std::string_view w) noexcept {
  static constexpr std::array<std::string_view, 12> names{"jan", "feb", "mar", "apr", "may", "jun",
                                                          "jul", "aug", "sep", "oct", "nov", "dec"};
  for (unsigned m = 0; m < names.size(); ++m)
    if (iequals(w, names[m])) return m + 1;
  return 0;
}

bool time_of_day(Cursor& c, int& hh, int& mm, int& ss) noexcept {
  return c.digits(2, hh) && c.eat(':') && c.digits(2, mm) && c.eat(':') && c.digits(2, ss) && hh < 24 &&
         mm < 60 && ss <= 60;  // 60: a leap second, taken as the next second's start
}

// IMF-fixdate "Sun, 06 Nov 1994 08:49:37 GMT", RFC 850 "Sunday, 06-Nov-94 08:49:37 GMT",
// asctime "Sun Nov  6 08:49:37 1994". Returns milliseconds since the Unix epoch.
std::optional<std::int64_t> parse_http_date(std::string_view value) noexcept {
  Cursor c{value};
  std::string_view wd = c.word();
  if (!weekday_ok(wd)) return std::nullopt;
  int day = 0, year = 0, hh = 0, mm = 0, ss = 0;
  unsigned month = 0;
  if (c.eat(',')) {
    if (!c.spaces(true)) return std::nullopt;
    if (!c.digits(2, day)) return std::nullopt;
    if (c.eat('-')) {  // RFC 850
      month = month_from(c.word());
      if (!c.eat('-') || !c.digits(2, year)) return std::nullopt;
      year += year < 70 ? 2000 : 1900;
    } else {  // IMF-fixdate
      if (!c.spaces(true)) return std::nullopt;
      month = month_from(c.word());
      if (!c.spaces(true) || !c.digits(4, year)) return std::nullopt;
    }
    if (!c.spaces(true) || !time_of_day(c, hh, mm, ss) || !c.spaces(true)) return std::nullopt;
    std::string_view zone = c.word();
    if (!iequals(zone, "GMT") && !iequals(zone, "UTC")) return std::nullopt;
  } else {  // asctime
    if (!c.spaces(true)) return std::nullopt;
    month = month_from(c.word());
    if (!c.spaces(true) || !c.digits(0, day) || !c.spaces(true) || !time_of_day(c, hh, mm, ss) ||
        !c.spaces(true) || !c.digits(4, year))
      return std::nullopt;
  }
  c.spaces(false);
  if (!c.done() || month == 0 || day < 1 || static_cast<unsigned>(day) > days_in_month(year, month))
    return std::nullopt;
  const std::int64_t days = days_from_civil(year, month, static_cast<unsigned>(day));
  return ((days * 24 + hh) * 60 + mm) * 60 * 1000 + std::int64_t{ss} * 1000;
}

// A non-negative decimal number, to millisecond precision: integral part (saturating) and
// fractional milliseconds. nullopt unless the whole value is one.
struct Number {
  std::uint64_t whole = 0;
  std::uint64_t frac_ms = 0;
  bool saturated = false;
};

std::optional<Number> parse_number(std::string_view s) noexcept {
  Number n;
  std::size_t i = 0;
  if (i < s.size() && s[i] == '+') ++i;
  std::size_t start = i;
  for (; i < s.size() && is_digit(s[i]); ++i) {
    const auto d = static_cast<std::uint64_t>(s[i] - '0');
    if (n.whole > (UINT64_MAX - d) / 10)
      n.saturated = true;
    else if (!n.saturated)
      n.whole = n.whole * 10 + d;
  }
  if (i == start) return std::nullopt;
  if (i < s.size() && s[i] == '.') {
    ++i;
    std::size_t fstart = i;
    std::uint64_t scale = 100;
    for (; i < s.size() && is_digit(s[i]); ++i) {
      n.frac_ms += static_cast<std::uint64_t>(s[i] - '0') * scale;
      scale /= 10;
    }
    if (i == fstart) return std::nullopt;
  }
  if (i != s.size()) return std::nullopt;
  return n;
}

milliseconds clamp_wait(std::int64_t ms) noexcept {
  if (ms <= 0) return milliseconds(0);
  if (ms >= max_wait.count()) return max_wait;
  return milliseconds(ms);
}

// Bodies bigger than this are not parsed as JSON; they are scrubbed as text.
constexpr std::size_t max_parsed_body = 1 << 20;

}  // namespace

errc errc_from_http_status(int status) noexcept {
  switch (status) {
    case 400:
      return errc::rejected;
    case 401:
      return errc::unauthenticated;
    case 403:
      return errc::permission_denied;
    case 404:
      return errc::not_found;
    case 409:
      return errc::already_exists;
    case 410:
      return errc::invite_expired;
    case 422:
      return errc::rejected;
    case 429:
      return errc::rate_limited;
    default:
      break;
  }
  if (status >= 400 && status <= 499) return errc::rejected;
  if (status >= 500 && status <= 599) return errc::vendor_unavailable;
  return errc::protocol;
}

std::optional<milliseconds> parse_retry_after(std::string_view value,
                                              std::chrono::system_clock::time_point now) {
  value = trim(value);
  if (value.empty()) return std::nullopt;
  const std::int64_t now_ms = std::chrono::duration_cast<milliseconds>(now.time_since_epoch()).count();
  if (is_digit(value.front()) || value.front() == '+') {
    auto n = parse_number(value);
    if (!n) return std::nullopt;
    if (n->saturated) return max_wait;  // a number beyond 64 bits: far future whichever unit
    if (n->whole < epoch_seconds_floor) {
      const std::uint64_t ms = n->whole * 1000 + n->frac_ms;  // < 1e12: no overflow
      return clamp_wait(static_cast<std::int64_t>(ms));
    }
    if (n->whole < epoch_millis_floor)
      return clamp_wait(static_cast<std::int64_t>(n->whole * 1000 + n->frac_ms) - now_ms);
    if (n->whole > static_cast<std::uint64_t>(INT64_MAX / 2)) return max_wait;
    return clamp_wait(static_cast<std::int64_t>(n->whole) - now_ms);
  }
  auto at = parse_http_date(value);
  if (!at) return std::nullopt;
  return clamp_wait(*at - now_ms);
}

std::optional<milliseconds> retry_after_from_headers(const HttpHeaders& headers,
                                                     std::chrono::system_clock::time_point now) {
  for (std::string_view name : {"Retry-After", "X-RateLimit-Reset", "RateLimit-Reset"}) {
    for (const auto& [k, v] : headers) {
      if (!iequals(k, name)) continue;
      if (auto wait = parse_retry_after(v, now)) return wait;
    }
  }
  return std::nullopt;
}

std::string sanitized_body(std::string_view body) {
  if (body.empty()) return {};
  std::string text;
  bool parsed = false;
  if (body.size() <= max_parsed_body) {
    boost::system::error_code ec;
    boost::json::value v = boost::json::parse(body, ec);
    if (!ec) {
      redact_secret_members(v);
      text = boost::json::serialize(v);
      parsed = true;
    }
  }
  if (!parsed) text = redact_secret_text(body);
  if (text.size() > max_raw_body_bytes) text.resize(utf8_prefix(text, max_raw_body_bytes).size());
  return text;
}

// Our words for a status (the vendor's own go to Error::vendor_message).
std::string_view status_meaning(int status) noexcept {
  switch (status) {
    case 400:
      return "the vendor refused the request";
    case 401:
      return "the vendor did not accept the API key";
    case 403:
      return "the API key may not do this (scope or plan)";
    case 404:
      return "the vendor has no such object";
    case 406:
    case 422:
      return "the vendor refused the input";
    case 409:
      return "the vendor reports a conflict with an existing object";
    case 410:
      return "the vendor says it is gone";
    case 413:
      return "the request is too large for the vendor";
    case 429:
      return "the vendor's rate limit was reached";
    default:
      return status >= 500 ? "the vendor failed to answer" : "the vendor answered with an error";
  }
}

Error error_from_response(const HttpResponse& response, std::chrono::system_clock::time_point now) {
  Error e =
      Error::make(errc_from_http_status(response.status), "HTTP " + std::to_string(response.status) + ": " +
                                                              std::string(status_meaning(response.status)));
  e.http_status = response.status;
  // On a 429 the rate-limit reset headers say when to come back. On other statuses they describe
  // the window, not a wait (a vendor may send them on every error), so only Retry-After counts there.
  if (response.status == 429)
    e.retry_after = retry_after_from_headers(response.headers, now);
  else if (auto v = response.header("Retry-After"); !v.empty())
    e.retry_after = parse_retry_after(v, now);
  e.raw_body = sanitized_body(response.body);
  return e;
}

}  // namespace partnerkit
