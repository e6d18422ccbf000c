#include "common.hpp"

#include <partnerkit/detail/calendar.hpp>
#include <partnerkit/http_errors.hpp>

#include <boost/json/parse.hpp>

#include <cstdint>

namespace partnerkit::adapters_detail {
namespace {

using detail::days_from_civil;
using detail::days_in_month;

char lower(char c) noexcept { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }
bool is_digit(char c) noexcept { return c >= '0' && c <= '9'; }

// Reads exactly n digits at s[pos]; advances pos.
bool digits(std::string_view s, std::size_t& pos, std::size_t n, unsigned& out) noexcept {
  if (pos + n > s.size()) return false;
  unsigned v = 0;
  for (std::size_t i = 0; i < n; ++i) {
    const char c = s[pos + i];
    if (!is_digit(c)) return false;
    v = v * 10 + static_cast<unsigned>(c - '0');
  }
  pos += n;
  out = v;
  return true;
}

bool expect(std::string_view s, std::size_t& pos, char c) noexcept {
  if (pos < s.size() && s[pos] == c) {
    ++pos;
    return true;
  }
  return false;
}

}  // namespace

std::string request_url(const VendorConfig& config, std::string_view default_base_url,
                        std::string_view path) {
  std::string_view base = config.base_url.empty() ? default_base_url : std::string_view(config.base_url);
  while (!base.empty() && base.back() == '/') base.remove_suffix(1);
  std::string url;
  url.reserve(base.size() + path.size());
  url.append(base);
  url.append(path);
  return url;
}

std::optional<Error> check_api_key(std::string_view vendor, std::string_view api_key) {
  if (api_key.empty()) {
    return Error::make(errc::unauthenticated, "no API key configured for " + std::string(vendor), "api_key");
  }
  for (char ch : api_key) {
    const auto c = static_cast<unsigned char>(ch);
    if (c <= 0x20 || c >= 0x7F) {
      // Never echo the key: it is a secret.
      return Error::make(errc::unauthenticated,
                         "the API key configured for " + std::string(vendor) +
                             " contains spaces, control or non-ASCII characters",
                         "api_key");
    }
  }
  return std::nullopt;
}

std::string url_component(std::string_view text) {
  static constexpr char hex[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(text.size());
  for (char ch : text) {
    const auto c = static_cast<unsigned char>(ch);
    if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '.' ||
        c == '_' || c == '~') {
      out.push_back(ch);
    } else {
      out.push_back('%');
      out.push_back(hex[c >> 4]);
      out.push_back(hex[c & 0x0F]);
    }
  }
  return out;
}

std::optional<Error> check_partner_id(std::string_view vendor, std::string_view partner_id) {
  if (partner_id.empty())
    return Error::make(errc::invalid_input, std::string(vendor) + ": no partner id given", "partner_id");
  return std::nullopt;
}

HttpHeaders accept_headers(std::string_view api_key) {
  HttpHeaders h = json_headers(api_key);
  h.erase(h.begin() + 1);  // Content-Type: no body
  return h;
}

HttpHeaders json_headers(std::string_view api_key) {
  HttpHeaders h;
  h.reserve(3);
  std::string auth;
  auth.reserve(7 + api_key.size());
  auth.append("Bearer ").append(api_key);
  h.emplace_back("Authorization", std::move(auth));
  h.emplace_back("Content-Type", "application/json");
  h.emplace_back("Accept", "application/json");
  return h;
}

void Dropper::cannot_carry(std::string_view field) {
  std::string msg;
  msg.append(vendor_).append(" cannot carry ").append(field);
  drop(std::string(field), std::move(msg));
}

void Dropper::drop(std::string field, std::string message) {
  if (strict_) {
    issues_.push_back(FieldIssue{std::move(field), std::move(message)});
  } else if (warnings_) {
    message.append("; dropped");
    warnings_->push_back(std::move(message));
  }
}

Error Dropper::error() const {
  std::string msg = issues_.front().message;
  if (issues_.size() > 1) msg += " (and " + std::to_string(issues_.size() - 1) + " more)";
  Error e = Error::make(errc::unsupported_field, std::move(msg), issues_.front().field);
  e.issues = issues_;
  return e;
}

Error bad_utf8_error(std::string_view vendor, std::string field) {
  std::string msg = "a string for " + std::string(vendor) + " is not valid UTF-8";
  if (!field.empty()) msg = field + " is not valid UTF-8";
  Error e = Error::make(errc::invalid_input, std::move(msg), field);
  if (!field.empty()) e.issues.push_back(FieldIssue{field, "not valid UTF-8"});
  return e;
}

std::optional<std::string> full_name(const PartnerSpec& spec) {
  if (spec.name) return *spec.name;
  if (spec.first_name && spec.last_name) {
    std::string n;
    n.reserve(spec.first_name->size() + 1 + spec.last_name->size());
    n.append(*spec.first_name).append(" ").append(*spec.last_name);
    return n;
  }
  if (spec.first_name) return *spec.first_name;
  if (spec.last_name) return *spec.last_name;
  return std::nullopt;
}

NameParts split_name(const PartnerSpec& spec) {
  NameParts parts;
  if (spec.first_name || spec.last_name) {
    if (spec.first_name) parts.first = *spec.first_name;
    if (spec.last_name) parts.last = *spec.last_name;
    return parts;
  }
  if (!spec.name) return parts;
  std::string_view n = *spec.name;
  while (!n.empty() && n.front() == ' ') n.remove_prefix(1);
  while (!n.empty() && n.back() == ' ') n.remove_suffix(1);
  if (n.empty()) return parts;
  const auto sp = n.find(' ');
  if (sp == std::string_view::npos) {
    parts.first = n;
    return parts;
  }
  parts.first = n.substr(0, sp);
  std::string_view rest = n.substr(sp + 1);
  while (!rest.empty() && rest.front() == ' ') rest.remove_prefix(1);
  if (!rest.empty()) parts.last = rest;
  return parts;
}

const boost::json::object* overrides_for(const PartnerSpec& spec, std::string_view vendor) {
  if (spec.vendor_overrides.empty()) return nullptr;
  auto it = spec.vendor_overrides.find(std::string(vendor));
  if (it == spec.vendor_overrides.end() || it->second.empty()) return nullptr;
  return &it->second;
}

std::chrono::system_clock::time_point now_of(const DecodeContext& context) {
  if (context.sent_at == std::chrono::system_clock::time_point{}) return std::chrono::system_clock::now();
  return context.sent_at;
}

bool parse_json(std::string_view body, boost::json::value& out) {
  if (body.size() > max_decode_body_bytes) return false;
  boost::json::parse_options opt;
  opt.max_depth = json_max_depth;
  boost::system::error_code ec;
  try {
    out = boost::json::parse(boost::json::string_view(body.data(), body.size()), ec, {}, opt);
  } catch (const std::exception&) {  // allocation failure on a hostile body
    return false;
  }
  return !ec;
}

Error protocol_error(const HttpResponse& response, std::string message, std::string field) {
  Error e = Error::make(errc::protocol, std::move(message), std::move(field));
  e.retryable = false;
  e.http_status = response.status;
  e.raw_body = sanitized_body(response.body);
  return e;
}

std::string capped(std::string_view text, std::size_t max) {
  if (text.size() <= max) return std::string(text);
  std::size_t n = max;
  // Do not cut inside a UTF-8 sequence: back up over continuation bytes.
  while (n > 0 && (static_cast<unsigned char>(text[n]) & 0xC0) == 0x80) --n;
  std::string out(text.substr(0, n));
  out.append("...");
  return out;
}

bool iequals(std::string_view a, std::string_view b) noexcept {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i)
    if (lower(a[i]) != lower(b[i])) return false;
  return true;
}

bool icontains(std::string_view haystack, std::string_view needle) noexcept {
  if (needle.empty()) return true;
  if (needle.size() > haystack.size()) return false;
  for (std::size_t i = 0; i + needle.size() <= haystack.size(); ++i)
    if (iequals(haystack.substr(i, needle.size()), needle)) return true;
  return false;
}

bool same_email(std::string_view sent, std::string_view answered) noexcept {
  const auto trim = [](std::string_view s) {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
    return s;
  };
  return iequals(trim(sent), trim(answered));
}

const boost::json::string* string_member(const boost::json::object& o, std::string_view key) noexcept {
  const auto* v = o.if_contains(boost::json::string_view(key.data(), key.size()));
  return v ? v->if_string() : nullptr;
}

std::optional<std::chrono::sys_time<std::chrono::milliseconds>> parse_iso8601(std::string_view s) noexcept {
  std::size_t pos = 0;
  unsigned year = 0, month = 0, day = 0, hour = 0, minute = 0, second = 0;
  if (!digits(s, pos, 4, year) || !expect(s, pos, '-') || !digits(s, pos, 2, month) || !expect(s, pos, '-') ||
      !digits(s, pos, 2, day))
    return std::nullopt;
  if (pos >= s.size() || (s[pos] != 'T' && s[pos] != 't' && s[pos] != ' ')) return std::nullopt;
  ++pos;
  if (!digits(s, pos, 2, hour) || !expect(s, pos, ':') || !digits(s, pos, 2, minute) ||
      !expect(s, pos, ':') || !digits(s, pos, 2, second))
    return std::nullopt;
  if (month < 1 || month > 12 || day < 1 || day > days_in_month(year, month) || hour > 23 || minute > 59 ||
      second > 60)
    return std::nullopt;
  std::int64_t millis = 0;
  if (pos < s.size() && (s[pos] == '.' || s[pos] == ',')) {
    ++pos;
    std::size_t n = 0;
    while (pos < s.size() && is_digit(s[pos])) {
      if (n < 3) millis = millis * 10 + (s[pos] - '0');
      ++n;
      ++pos;
    }
    if (n == 0) return std::nullopt;
    for (std::size_t k = n; k < 3; ++k) millis *= 10;
  }
  std::int64_t offset_minutes = 0;
  if (pos < s.size()) {
    const char c = s[pos];
    if (c == 'Z' || c == 'z') {
      ++pos;
    } else if (c == '+' || c == '-') {
      ++pos;
      unsigned oh = 0, om = 0;
      if (!digits(s, pos, 2, oh)) return std::nullopt;
      expect(s, pos, ':');
      if (!digits(s, pos, 2, om) || oh > 23 || om > 59) return std::nullopt;
      offset_minutes = (c == '+' ? 1 : -1) * static_cast<std::int64_t>(oh * 60 + om);
    } else {
      return std::nullopt;
    }
  }
  if (pos != s.size()) return std::nullopt;
  const std::int64_t days = days_from_civil(year, month, day);
  const std::int64_t secs = days * 86400 + hour * 3600 + minute * 60 + second - offset_minutes * 60;
  return std::chrono::sys_time<std::chrono::milliseconds>(std::chrono::milliseconds(secs * 1000 + millis));
}

}  // namespace partnerkit::adapters_detail
