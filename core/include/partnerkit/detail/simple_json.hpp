// JsonPick's fast path (and the input line's): a validating scanner of a strict subset of JSON that gives up
// on anything outside it, so that Boost.JSON's parser decides every other body. The subset: strings without
// control bytes (printable ASCII, SSE2 16 bytes at a time, and well-formed UTF-8; escapes validated, and
// unescaped where the text is kept or the key compared), integers and plain decimals of at most 24 characters
// (no exponent), true/false/null, objects and arrays nested at most simple_json_max_depth deep, JSON
// whitespace. Every body it accepts Boost.JSON accepts (under parse_json's options and limits: the depth is
// below json_max_depth, the body is capped before), and its events are the ones Boost.JSON's parser gives for
// it: a key or string in one piece (a view into the body, still escaped when it holds an escape). It never
// refuses: `false` only means "not simple, ask Boost" (events may have been delivered up to there; the caller
// starts again). tests/adapters/json_pick_simple_test.cpp and fuzz/decode_dub_pick_fuzz.cpp compare it with
// Boost.JSON's parser alone.
//
// Why: Boost.JSON's parser with JsonPick's handler cost ~17k instructions on Dub's ~1 KB 201 (a state
// machine per byte class, count_valid's UTF-8 checks, an event call per token); this ~6.6k, the picking
// included (docs/design-notes.md).
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string_view>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

namespace partnerkit::detail {

// Deeper bodies go to Boost.JSON (json_max_depth is 64); a bit per level in a 64-bit word.
inline constexpr std::size_t simple_json_max_depth = 32;
// Longer numbers go to Boost.JSON (big integers become doubles there, which is its business).
inline constexpr std::size_t simple_json_max_number = 24;

// Finds the first byte of [p, end) that a simple string cannot hold unescaped or that ends it: '"', '\\',
// a control byte or a byte >= 0x80; end when there is none. An object so that the scanner sets its
// constants up once, not per string.
struct SimpleStringStop {
#if defined(__SSE2__)
  const __m128i quote = _mm_set1_epi8('"');
  const __m128i backslash = _mm_set1_epi8('\\');
  const __m128i space = _mm_set1_epi8(' ');

  // Bit i set: p[i] is a stop (16 bytes readable at p).
  [[gnu::always_inline]] unsigned mask16(const char* p) const noexcept {
    const __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p));
    // A signed compare: bytes >= 0x80 are negative, so "less than ' '" finds them and control bytes.
    const __m128i stop = _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(v, quote), _mm_cmpeq_epi8(v, backslash)),
                                      _mm_cmpgt_epi8(space, v));
    return static_cast<unsigned>(_mm_movemask_epi8(stop));
  }
#endif
  [[gnu::always_inline]] const char* operator()(const char* p, const char* end) const noexcept {
#if defined(__SSE2__)
    while (end - p >= 16) {
      const unsigned mask = mask16(p);
      if (mask != 0) return p + static_cast<unsigned>(__builtin_ctz(mask));
      p += 16;
    }
#endif
    for (; p != end; ++p) {
      const auto c = static_cast<unsigned char>(*p);
      if (c == '"' || c == '\\' || c < 0x20 || c >= 0x80) return p;
    }
    return end;
  }
};

[[gnu::always_inline]] inline const char* simple_string_stop(const char* p, const char* end) noexcept {
  return SimpleStringStop{}(p, end);
}

// The end of the well-formed UTF-8 sequence at p (whose first byte is >= 0x80), or null: the table of
// Unicode's well-formed byte sequences (no overlong forms, no surrogates, nothing past U+10FFFF), which
// is what Boost.JSON accepts without allow_invalid_utf8.
// Out of line: most answers have no such byte, and the string scan stays small enough to inline.
[[gnu::noinline]] inline const char* simple_utf8_end(const char* p, const char* end) noexcept {
  const auto b = [&](std::ptrdiff_t i) { return static_cast<unsigned char>(p[i]); };
  const auto tail = [](unsigned char c) { return c >= 0x80 && c <= 0xBF; };
  const unsigned char c = b(0);
  const std::ptrdiff_t left = end - p;
  if (c >= 0xC2 && c <= 0xDF) return left >= 2 && tail(b(1)) ? p + 2 : nullptr;
  if (c >= 0xE0 && c <= 0xEF) {
    if (left < 3 || !tail(b(2))) return nullptr;
    const unsigned char lo = c == 0xE0 ? 0xA0 : 0x80, hi = c == 0xED ? 0x9F : 0xBF;
    return b(1) >= lo && b(1) <= hi ? p + 3 : nullptr;
  }
  if (c >= 0xF0 && c <= 0xF4) {
    if (left < 4 || !tail(b(2)) || !tail(b(3))) return nullptr;
    const unsigned char lo = c == 0xF0 ? 0x90 : 0x80, hi = c == 0xF4 ? 0x8F : 0xBF;
    return b(1) >= lo && b(1) <= hi ? p + 4 : nullptr;
  }
  return nullptr;
}

// The value of four hex digits at p, or -1.
inline int simple_hex4(const char* p, const char* end) noexcept {
  if (end - p < 4) return -1;
  int v = 0;
  for (int i = 0; i < 4; ++i) {
    const char c = p[i];
    const int d = c >= '0' && c <= '9'   ? c - '0'
                  : c >= 'a' && c <= 'f' ? c - 'a' + 10
                  : c >= 'A' && c <= 'F' ? c - 'A' + 10
                                         : -1;
    if (d < 0) return -1;
    v = v * 16 + d;
  }
  return v;
}

// The end of the escape at p ('\\'), or null: JSON's eight one-letter escapes and \uXXXX, where a
// surrogate must be a leading one (D800-DBFF) followed by \u and a trailing one (DC00-DFFF), as
// Boost.JSON's parser requires. Out of line, as simple_utf8_end.
[[gnu::noinline]] inline const char* simple_escape_end(const char* p, const char* end) noexcept {
  if (end - p < 2) return nullptr;
  switch (p[1]) {
    case '"':
    case '\\':
    case '/':
    case 'b':
    case 'f':
    case 'n':
    case 'r':
    case 't':
      return p + 2;
    case 'u': {
      const int u1 = simple_hex4(p + 2, end);
      if (u1 < 0) return nullptr;
      if (u1 < 0xD800 || u1 > 0xDFFF) return p + 6;
      if (u1 > 0xDBFF || end - p < 12 || p[6] != '\\' || p[7] != 'u') return nullptr;
      const int u2 = simple_hex4(p + 8, end);
      return u2 >= 0xDC00 && u2 <= 0xDFFF ? p + 12 : nullptr;
    }
    default:
      return nullptr;
  }
}

// Appends the text of the string between quotes `s`, whose escapes simple_escape_end accepted, to `out`
// unescaped: \uXXXX (and a surrogate pair) as UTF-8, as Boost.JSON's parser writes it.
template <class String>
void append_unescaped(String& out, std::string_view s) {
  const char* p = s.data();
  const char* const end = p + s.size();
  while (p != end) {
    const char* run = p;
    while (p != end && *p != '\\') ++p;
    out.append(run, static_cast<std::size_t>(p - run));
    if (p == end) break;
    char c = p[1];
    p += 2;
    switch (c) {
      case 'b':
        c = '\b';
        break;
      case 'f':
        c = '\f';
        break;
      case 'n':
        c = '\n';
        break;
      case 'r':
        c = '\r';
        break;
      case 't':
        c = '\t';
        break;
      case 'u': {
        auto cp = static_cast<std::uint32_t>(simple_hex4(p, end));
        p += 4;
        if (cp >= 0xD800 && cp <= 0xDBFF) {  // a pair: \uD8xx\uDCxx
          cp = 0x10000 + ((cp - 0xD800) << 10) +
               (static_cast<std::uint32_t>(simple_hex4(p + 2, end)) - 0xDC00);
          p += 6;
        }
        char u[4];
        std::size_t n;
        if (cp < 0x80) {
          u[0] = static_cast<char>(cp);
          n = 1;
        } else if (cp < 0x800) {
          u[0] = static_cast<char>(0xC0 | (cp >> 6));
          u[1] = static_cast<char>(0x80 | (cp & 0x3F));
          n = 2;
        } else if (cp < 0x10000) {
          u[0] = static_cast<char>(0xE0 | (cp >> 12));
          u[1] = static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
          u[2] = static_cast<char>(0x80 | (cp & 0x3F));
          n = 3;
        } else {
          u[0] = static_cast<char>(0xF0 | (cp >> 18));
          u[1] = static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
          u[2] = static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
          u[3] = static_cast<char>(0x80 | (cp & 0x3F));
          n = 4;
        }
        out.append(u, n);
        continue;
      }
      default:  // '"', '\\', '/': themselves
        break;
    }
    out.push_back(c);
  }
}

// The closing quote of the string whose text starts at s, or null when it is not one of the subset's
// (a control byte, malformed UTF-8, a bad escape, no end). `escaped` is set when it holds an escape: its
// text is then not the body's bytes (append_unescaped gives it).
[[gnu::always_inline]] inline const char* simple_string_close(const char* s, const char* end, bool& escaped,
                                                              const SimpleStringStop& stop = {}) noexcept {
  for (;;) {
    const char* q = stop(s, end);
    if (q == end) return nullptr;
    const auto c = static_cast<unsigned char>(*q);
    if (c == '"') [[likely]]
      return q;
    if (c == '\\') {
      escaped = true;
      s = simple_escape_end(q, end);
    } else if (c >= 0x80) {
      s = simple_utf8_end(q, end);
    } else {
      return nullptr;  // a control byte
    }
    if (!s) return nullptr;
  }
}

// simple_string_close out of line: the scanner's fast path below leaves it the long strings, those with
// an escape or a byte >= 0x80, and those near the body's end.
[[gnu::noinline]] inline const char* simple_string_close_slow(const char* s, const char* end,
                                                              bool& escaped) noexcept {
  return simple_string_close(s, end, escaped);
}

inline bool simple_json_space(char c) noexcept { return c == ' ' || c == '\n' || c == '\r' || c == '\t'; }

inline const char* skip_json_space(const char* p, const char* end) noexcept {
  while (p != end && simple_json_space(*p)) ++p;
  return p;
}

inline bool simple_digit(char c) noexcept { return c >= '0' && c <= '9'; }

// The end of the number at p ('-' or a digit), or null when it is not -?(0|[1-9][0-9]*)(\.[0-9]+)? of
// at most simple_json_max_number characters. What follows it is the caller's to check.
inline const char* simple_number_end(const char* p, const char* end) noexcept {
  const char* q = p;
  if (*q == '-' && ++q == end) return nullptr;
  if (*q == '0')
    ++q;
  else if (*q >= '1' && *q <= '9')
    while (++q != end && simple_digit(*q)) {
    }
  else
    return nullptr;
  if (q != end && *q == '.') {
    if (++q == end || !simple_digit(*q)) return nullptr;
    while (++q != end && simple_digit(*q)) {
    }
  }
  if (q != end && (*q == 'e' || *q == 'E')) return nullptr;
  return static_cast<std::size_t>(q - p) <= simple_json_max_number ? q : nullptr;
}

// Reads `body` when it is simple JSON, giving `events` what Boost.JSON's parser would (object_begin(),
// array_begin(), end(), key(text, escaped), string(text, escaped), number(), boolean(), null()); false
// when it is not simple. key and string get the bytes between the quotes and whether they hold an escape
// (then still escaped: append_unescaped), and return false to give up.
// Inlined into its caller: an Events object local there keeps its state in registers.
template <class Events>
[[gnu::always_inline]] inline bool scan_simple_json(std::string_view body, Events& events) {
  const char* p = body.data();
  const char* const end = p + body.size();
  std::uint64_t objects = 0;  // bit d set: the container at depth d + 1 is an object
  int close = -1;             // what closes the container at hand: '}', ']' (-1, no byte, at the top)
  std::size_t depth = 0;
#if defined(__SSE2__)
  const SimpleStringStop stop;
  // A string starting below `loadable` has 16 bytes to load (none when the body is shorter).
  const std::uintptr_t loadable = body.size() >= 16 ? reinterpret_cast<std::uintptr_t>(end) - 15 : 0;
#endif
  // The closing quote of the string whose text starts at s, or null: most strings end with nothing to
  // look at on the way; escapes, bytes >= 0x80 and the body's last 15 bytes go out of line.
  const auto string_end = [&](const char* s, bool& escaped) -> const char* {
#if defined(__SSE2__)
    for (; reinterpret_cast<std::uintptr_t>(s) < loadable; s += 16) {
      const unsigned m = stop.mask16(s);
      if (m == 0) continue;
      const char* q = s + static_cast<unsigned>(__builtin_ctz(m));
      if (*q == '"') [[likely]]
        return q;
      return simple_string_close_slow(q, end, escaped);
    }
#endif
    return simple_string_close_slow(s, end, escaped);
  };
  const char* q;  // the closing quote of the key or string at hand
  bool escaped;   // whether it holds an escape
  p = skip_json_space(p, end);

// Whitespace is looked for only where the expected byte is not there (most answers have none).
value:
  if (p == end) return false;
  if (*p == '"') {  // most values: before the switch's range checks
    ++p;
    goto string_text;
  }
  switch (*p) {
    case ' ':
    case '\t':
    case '\n':
    case '\r':
      p = skip_json_space(p, end);
      goto value;
    case '{':
    case '[': {
      if (depth == simple_json_max_depth) return false;
      const bool object = *p == '{';
      const std::uint64_t bit = std::uint64_t{1} << depth;
      objects = object ? objects | bit : objects & ~bit;
      ++depth;
      close = object ? '}' : ']';
      if (object)
        events.object_begin();
      else
        events.array_begin();
      p = skip_json_space(p + 1, end);
      if (p != end && *p == close) goto end_container;
      if (object) goto key;
      goto value;
    }
    case 't':
      if (end - p < 4 || std::memcmp(p, "true", 4) != 0) return false;
      events.boolean();
      p += 4;
      goto after_value;
    case 'f':
      if (end - p < 5 || std::memcmp(p, "false", 5) != 0) return false;
      events.boolean();
      p += 5;
      goto after_value;
    case 'n':
      if (end - p < 4 || std::memcmp(p, "null", 4) != 0) return false;
      events.null();
      p += 4;
      goto after_value;
    default:
      q = simple_number_end(p, end);
      if (!q) return false;
      events.number();
      p = q;
      goto after_value;
  }

key:
  if (p == end) return false;
  if (*p != '"') {
    p = skip_json_space(p, end);
    if (p == end || *p != '"') return false;
  }
  ++p;
key_text:  // p: the text of a key
  escaped = false;
  q = string_end(p, escaped);
  if (!q || !events.key(std::string_view(p, static_cast<std::size_t>(q - p)), escaped)) return false;
  p = q + 1;
  // Most members: ':' and a string's quote, checked together.
  if (end - p >= 2 && p[0] == ':' && p[1] == '"') {
    p += 2;
    goto string_text;
  }
  if (p == end) return false;
  if (*p != ':') {
    p = skip_json_space(p, end);
    if (p == end || *p != ':') return false;
  }
  ++p;
  goto value;

string_text:  // p: the text of a string value
  escaped = false;
  q = string_end(p, escaped);
  if (!q || !events.string(std::string_view(p, static_cast<std::size_t>(q - p)), escaped)) return false;
  p = q + 1;

after_value:
  if (p == end) return depth == 0;
  if (*p == ',') {
    if (close == '}') {
      // Most: the next key's quote right after.
      if (end - p >= 2 && p[1] == '"') {
        p += 2;
        goto key_text;
      }
      ++p;
      goto key;
    }
    ++p;
    if (close == ']') goto value;
    return false;  // at the top
  }
  if (static_cast<unsigned char>(*p) == close) goto end_container;
  if (!simple_json_space(*p)) return false;
  p = skip_json_space(p, end);
  goto after_value;

end_container:
  ++p;
  --depth;
  close = depth == 0 ? -1 : (objects >> (depth - 1)) & 1 ? '}' : ']';
  events.end();
  goto after_value;
}

}  // namespace partnerkit::detail
