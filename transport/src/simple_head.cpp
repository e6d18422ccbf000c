#include "detail/simple_head.hpp"

#include "detail/swar.hpp"

#include <partnerkit/text/ascii.hpp>

#include <array>
#include <cstring>

namespace partnerkit::detail {
namespace {

// RFC 9110 tchar: the set Beast's parse_field takes in a field name.
constexpr std::array<bool, 256> token_chars = [] {
  std::array<bool, 256> t{};
  for (int c = 0; c < 256; ++c)
    t[static_cast<std::size_t>(c)] = text::is_token_char(static_cast<unsigned char>(c));
  return t;
}();

// SP, HTAB and VCHAR: a subset of what Beast takes in a reason or a value (it also takes obs-text,
// which we leave to it).
constexpr std::array<bool, 256> text_chars = [] {
  std::array<bool, 256> t{};
  for (int c = 0x20; c < 0x7f; ++c) t[static_cast<std::size_t>(c)] = true;
  t['\t'] = true;
  return t;
}();

bool is_digit(char c) noexcept { return c >= '0' && c <= '9'; }

// Fields whose meaning Beast's do_field takes in (framing, the connection's fate): left to Beast,
// except Content-Length, read here.
enum class Special { none, content_length, decline };

Special special(std::string_view name) noexcept {
  switch (name.size()) {
    case 7:
      return text::iequals(name, "upgrade") ? Special::decline : Special::none;
    case 10:
      return swar::lowered_equals(name, "connection") ? Special::decline : Special::none;
    case 14:
      return swar::lowered_equals(name, "content-length") ? Special::content_length : Special::none;
    case 16:
      return swar::lowered_equals(name, "proxy-connection") ? Special::decline : Special::none;
    case 17:
      return swar::lowered_equals(name, "transfer-encoding") ? Special::decline : Special::none;
    default:
      return Special::none;
  }
}

// Past the SP/HTAB/VCHAR bytes from p: eight at a time up to the first other byte (or HTAB, or
// obs-text), then one by one.
const char* skip_text(const char* p, const char* last) noexcept {
  while (last - p >= 8) {
    const std::uint64_t v = swar::load(p);
    if (v & swar::highs) break;
    const std::uint64_t m = swar::print_bytes(v);
    if (m != swar::highs) {
      p += swar::first_miss(m);
      break;
    }
    p += 8;
  }
  while (p < last && text_chars[static_cast<unsigned char>(*p)]) ++p;
  return p;
}

}  // namespace

bool parse_simple_head(std::string_view data, std::size_t limit, std::uint64_t max_body,
                       SimpleHead& out) noexcept {
  // Strictly shorter than the limit: Beast takes a head of exactly `limit` bytes too, a margin we
  // leave to it.
  const std::size_t window = data.size() < limit ? data.size() : (limit > 0 ? limit - 1 : 0);
  const char* const first = data.data();
  const char* const last = first + window;
  static constexpr std::string_view version = "HTTP/1.1 ";
  if (window < version.size() + 8 || std::memcmp(first, version.data(), version.size()) != 0) return false;
  const char* p = first + version.size();
  if (!is_digit(p[0]) || !is_digit(p[1]) || !is_digit(p[2]) || p[3] != ' ') return false;
  const int status = (p[0] - '0') * 100 + (p[1] - '0') * 10 + (p[2] - '0');
  if (status < 200 || status > 599 || status == 204 || status == 304) return false;
  p = skip_text(p + 4, last);
  if (last - p < 2 || p[0] != '\r' || p[1] != '\n') return false;
  p += 2;

  std::size_t count = 0;
  bool has_length = false;
  std::uint64_t length = 0;
  for (;;) {
    if (last - p < 2) return false;
    if (p[0] == '\r') {
      if (p[1] != '\n') return false;
      p += 2;
      break;
    }
    const char* const name_begin = p;
    while (p < last && token_chars[static_cast<unsigned char>(*p)]) ++p;
    if (p == last || *p != ':' || p == name_begin) return false;
    const std::string_view name(name_begin, static_cast<std::size_t>(p - name_begin));
    ++p;
    while (p < last && (*p == ' ' || *p == '\t')) ++p;
    const char* const value_begin = p;
    p = skip_text(p, last);
    // CRLF, then a byte that is not SP/HTAB (that would be obs-fold).
    if (last - p < 3 || p[0] != '\r' || p[1] != '\n' || p[2] == ' ' || p[2] == '\t') return false;
    const char* value_end = p;
    while (value_end != value_begin && (value_end[-1] == ' ' || value_end[-1] == '\t')) --value_end;
    p += 2;
    const std::string_view value(value_begin, static_cast<std::size_t>(value_end - value_begin));
    switch (special(name)) {
      case Special::decline:
        return false;
      case Special::content_length:
        if (has_length || value.empty() || value.size() > 18) return false;
        for (char c : value) {
          if (!is_digit(c)) return false;
          length = length * 10 + static_cast<std::uint64_t>(c - '0');
        }
        has_length = true;
        break;
      case Special::none:
        break;
    }
    if (count == SimpleHead::max_fields) return false;
    out.fields[count++] = {static_cast<std::size_t>(name_begin - first), name.size(),
                           static_cast<std::size_t>(value_begin - first), value.size()};
  }
  if (!has_length || length > max_body) return false;
  out.status = status;
  out.size = static_cast<std::size_t>(p - first);
  out.content_length = length;
  out.field_count = count;
  return true;
}

}  // namespace partnerkit::detail
