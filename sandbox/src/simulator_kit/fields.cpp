#include <partnerkit/sandbox/simulator_kit/fields.hpp>

#include <partnerkit/text/ascii.hpp>
#include <partnerkit/text/utf8.hpp>

#include <array>

namespace partnerkit::sandbox::kit {
namespace {

// ISO 3166-1 alpha-2, the 249 officially assigned codes by first letter: row A holds AD, AE, AF, ...
// Read from Debian's iso-codes 4.15 (/usr/share/iso-codes/json/iso_3166-1.json, which follows the
// ISO 3166 Maintenance Agency), not from the client library's list.
constexpr std::array<std::string_view, 26> second_letters = {
    "DEFGILMOQRSTUWXZ",         // A
    "ABDEFGHIJLMNOQRSTVWYZ",    // B
    "ACDFGHIKLMNORUVWXYZ",      // C
    "EJKMOZ",                   // D
    "CEGHRST",                  // E
    "IJKMOR",                   // F
    "ABDEFGHILMNPQRSTUWY",      // G
    "KMNRTU",                   // H
    "DELMNOQRST",               // I
    "EMOP",                     // J
    "EGHIMNPRWYZ",              // K
    "ABCIKRSTUVY",              // L
    "ACDEFGHKLMNOPQRSTUVWXYZ",  // M
    "ACEFGILOPRUZ",             // N
    "M",                        // O
    "AEFGHKLMNRSTWY",           // P
    "A",                        // Q
    "EOSUW",                    // R
    "ABCDEGHIJKLMNORSTVXYZ",    // S
    "CDFGHJKLMNORTVWZ",         // T
    "AGMSYZ",                   // U
    "ACEGINU",                  // V
    "FS",                       // W
    "",                         // X
    "ET",                       // Y
    "AMW",                      // Z
};

constexpr std::size_t count_codes() {
  std::size_t n = 0;
  for (auto row : second_letters) n += row.size();
  return n;
}
static_assert(count_codes() == 249, "ISO 3166-1 assigns 249 alpha-2 codes");

}  // namespace

namespace {
// ECMA-262's WhiteSpace (TAB, VT, FF, SPACE, NBSP, ZWNBSP and Zs) and LineTerminator (LF, CR, LS, PS);
// Zs is U+0020, U+00A0, U+1680, U+2000-U+200A, U+202F, U+205F and U+3000.
constexpr char32_t js_white_space[] = {0x09,   0x0A,   0x0B,   0x0C,   0x0D,   0x20,   0xA0,
                                       0x1680, 0x2028, 0x2029, 0x202F, 0x205F, 0x3000, 0xFEFF};
constexpr bool is_js_white_space(char32_t c) noexcept {
  if (c >= 0x2000 && c <= 0x200A) return true;
  for (char32_t w : js_white_space)
    if (w == c) return true;
  return false;
}
}  // namespace

std::string_view js_trim(std::string_view s) noexcept {
  std::size_t begin = s.size(), end = 0;  // the first and past-the-last byte of non-white code points
  for (std::size_t i = 0; i < s.size();) {
    const text::Utf8Decoded d = text::decode_utf8(s, i);
    const std::size_t n = d.length ? d.length : 1;  // a bad byte is no white space
    if (!d.length || !is_js_white_space(d.code_point)) {
      if (begin == s.size()) begin = i;
      end = i + n;
    }
    i += n;
  }
  return begin < end ? s.substr(begin, end - begin) : std::string_view();
}

std::size_t utf16_units(std::string_view s) noexcept {
  std::size_t n = 0;
  for (std::size_t i = 0; i < s.size();) {
    const text::Utf8Decoded d = text::decode_utf8(s, i);
    n += d.length == 4 ? 2 : 1;  // beyond the BMP: a surrogate pair
    i += d.length ? d.length : 1;
  }
  return n;
}

bool iso3166_alpha2(std::string_view code) noexcept {
  if (code.size() != 2 || code[0] < 'A' || code[0] > 'Z') return false;
  return second_letters[static_cast<std::size_t>(code[0] - 'A')].find(code[1]) != std::string_view::npos;
}

std::string slugify(std::string_view s, std::size_t max_length) {
  // U+00C0..U+00FF folded; "" for the two symbols (multiplication, division signs).
  static constexpr const char* latin1[64] = {
      "a", "a", "a", "a", "a", "a", "ae", "c", "e", "e", "e", "e", "i", "i", "i",  "i",
      "d", "n", "o", "o", "o", "o", "o",  "",  "o", "u", "u", "u", "u", "y", "th", "ss",
      "a", "a", "a", "a", "a", "a", "ae", "c", "e", "e", "e", "e", "i", "i", "i",  "i",
      "d", "n", "o", "o", "o", "o", "o",  "",  "o", "u", "u", "u", "u", "y", "th", "y"};
  std::string out;
  auto separator = [&] {
    if (!out.empty() && out.back() != '-') out += '-';
  };
  for (std::size_t i = 0; i < s.size(); ++i) {
    const auto c = static_cast<unsigned char>(s[i]);
    if (text::is_alnum(s[i])) {
      out += text::ascii_lower(s[i]);
    } else if (c == 0xC3 && i + 1 < s.size() && text::is_continuation_byte(s[i + 1])) {
      const char* folded = latin1[static_cast<unsigned char>(s[++i]) - 0x80];
      if (*folded)
        out += folded;
      else
        separator();
    } else {
      separator();
    }
  }
  while (!out.empty() && out.back() == '-') out.pop_back();
  if (out.size() > max_length) out.resize(max_length);
  return out;
}

std::optional<std::string> string_member(const boost::json::object& o, std::string_view key) {
  const auto* v = o.if_contains(key);
  if (!v || !v->is_string()) return std::nullopt;
  return std::string(v->get_string());
}

}  // namespace partnerkit::sandbox::kit
