// JsonPick's fast path (and the input line's): a validating scanner of a strict subset of JSON that gives up
// on anything outside it, so that Boost.JSON's parser decides every other body. The subset: strings without
// control bytes (printable ASCII, SSE2 16 bytes at a time, and well-formed UTF-8; escapes validated, and
// unescaped where the text is kept or the key compared), integers and plain decimals of at most 24 characters
// (no exponent), true/false/null, objects and arrays nested at most simple_json_max_depth deep, JSON
// whitespace. Every body it accepts Boost.JSON accepts (under parse_json's options and limits: the depth is
// below json_max_depth, the body is capped before), and its events are the ones Boost.JSON's parser gives for
// it: a key or string in one piece (a view into the padded copy it reads, still escaped when it holds an
// escape). It never
// refuses: `false` only means "not simple, ask Boost" (events may have been delivered up to there; the caller
// starts again). tests/adapters/json_pick_simple_test.cpp and fuzz/decode_dub_pick_fuzz.cpp compare it with
// Boost.JSON's parser alone.
//
// Why: Boost.JSON's parser with JsonPick's handler cost ~17k instructions on Dub's ~1 KB 201 (a state
// machine per byte class, count_valid's UTF-8 checks, an event call per token); this ~3.9k, the picking
// and the padded copy included (docs/design-notes.md, issue 11).
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <memory>
#include <string_view>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

namespace partnerkit::detail {

// Deeper bodies go to Boost.JSON (json_max_depth is 64); a bit per level in a 64-bit word.
inline constexpr std::size_t simple_json_max_depth = 32;
// Longer numbers go to Boost.JSON (big integers become doubles there, which is its business).
inline constexpr std::size_t simple_json_max_number = 24;

// The bytes a simple string cannot hold unescaped or that end it: '"', '\\', a control byte or a byte >=
// 0x80. With x = byte ^ 0x02, those are the bytes with x <= 0x20 as a signed byte (control bytes, '"'
// as 0x20, bytes >= 0x80 as negatives) and '\\' (x == 0x5E): two compares, not three.
#if defined(__SSE2__)
alignas(16) inline constexpr unsigned char simple_stop_constants[3][16] = {
    {2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2},
    {0x21, 0x21, 0x21, 0x21, 0x21, 0x21, 0x21, 0x21, 0x21, 0x21, 0x21, 0x21, 0x21, 0x21, 0x21, 0x21},
    {0x5E, 0x5E, 0x5E, 0x5E, 0x5E, 0x5E, 0x5E, 0x5E, 0x5E, 0x5E, 0x5E, 0x5E, 0x5E, 0x5E, 0x5E, 0x5E}};
#endif

// Bit i set: p[i] is a stop byte (16 bytes readable at p).
[[gnu::always_inline]] inline unsigned simple_stop_mask16(const char* p) noexcept {
#if defined(__SSE2__)
  // The constants read from memory at each use (GCC kept them in registers across the scanner's rare
  // calls by spilling and reloading them around every string: ~6 instructions a key).
  const auto* c = reinterpret_cast<const __m128i*>(simple_stop_constants);
  asm("" : "+r"(c));
  const __m128i x = _mm_xor_si128(_mm_loadu_si128(reinterpret_cast<const __m128i*>(p)), _mm_load_si128(c));
  const __m128i stop =
      _mm_or_si128(_mm_cmpgt_epi8(_mm_load_si128(c + 1), x), _mm_cmpeq_epi8(x, _mm_load_si128(c + 2)));
  return static_cast<unsigned>(_mm_movemask_epi8(stop));
#else
  unsigned m = 0;
  for (int i = 0; i < 16; ++i) {
    const auto c = static_cast<unsigned char>(p[i]);
    if (c == '"' || c == '\\' || c < 0x20 || c >= 0x80) m |= 1u << i;
  }
  return m;
#endif
}

// The index of m's lowest set bit (m != 0). GCC sign-extends __builtin_ctzll's int before adding it to
// a pointer (one instruction a string more).
[[gnu::always_inline]] inline std::size_t simple_ctz(std::uint64_t m) noexcept {
#if defined(__x86_64__) && defined(__GNUC__)
  std::uint64_t i;
  asm("rep bsf %1, %0"
      : "=r"(i)
      : "r"(m)
      : "cc");  // tzcnt where the CPU has it, else bsf: the same for m != 0
  return i;
#else
  return static_cast<unsigned>(__builtin_ctzll(m));
#endif
}

// The first stop byte of [p, end), or end.
inline const char* simple_string_stop(const char* p, const char* end) noexcept {
  for (; end - p >= 16; p += 16)
    if (const unsigned m = simple_stop_mask16(p)) return p + static_cast<unsigned>(__builtin_ctz(m));
  for (; p != end; ++p) {
    const auto c = static_cast<unsigned char>(*p);
    if (c == '"' || c == '\\' || c < 0x20 || c >= 0x80) return p;
  }
  return end;
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
inline const char* simple_string_close(const char* s, const char* end, bool& escaped) noexcept {
  for (;;) {
    const char* q = simple_string_stop(s, end);
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

// simple_string_close from the string's first stop byte `q` that is not its closing quote: the closing
// quote, or null. Out of line (the scanner leaves it the strings with an escape or a byte >= 0x80, and
// the unclosed ones); whether the string holds an escape is asked apart, so that the scanner's flag
// stays in a register.
[[gnu::noinline]] inline const char* simple_string_rest(const char* q, const char* end) noexcept {
  bool escaped = false;
  return simple_string_close(q, end, escaped);
}

inline bool simple_json_space(char c) noexcept { return c == ' ' || c == '\n' || c == '\r' || c == '\t'; }

// In a padded text (below): the NUL after it stops the loop.
inline const char* skip_json_space(const char* p) noexcept {
  while (simple_json_space(*p)) ++p;
  return p;
}

inline bool simple_digit(char c) noexcept { return c >= '0' && c <= '9'; }

// The end of the number at p ('-' or a digit) in a padded text, or null when it is not
// -?(0|[1-9][0-9]*)(\.[0-9]+)? of at most simple_json_max_number characters. What follows it is the
// caller's to check.
inline const char* simple_number_end(const char* p) noexcept {
  const char* q = p;
  if (*q == '-') ++q;
  if (*q == '0')
    ++q;
  else if (*q >= '1' && *q <= '9')
    while (simple_digit(*++q)) {
    }
  else
    return nullptr;
  if (*q == '.') {
    if (!simple_digit(*++q)) return nullptr;
    while (simple_digit(*++q)) {
    }
  }
  if (*q == 'e' || *q == 'E') return nullptr;
  return static_cast<std::size_t>(q - p) <= simple_json_max_number ? q : nullptr;
}

// What the scanner needs after the text: simple_json_padding readable bytes, zero. The NUL at the end
// stops every string and every token, so the scanner tests for the end only where a NUL appears (~0.9k
// instructions of bounds checks fewer on a 1 KB answer than a scanner of the bare text), and every
// 16-byte load of a string or key that starts in the text stays in the buffer.
inline constexpr std::size_t simple_json_padding = 16;

// A copy of a text followed by simple_json_padding zero bytes: on the stack up to 4 KB (the answers
// and input lines read on the hot paths), else on the heap (may throw std::bad_alloc).
class SimpleJsonText {
 public:
  explicit SimpleJsonText(std::string_view text) {
    char* d = buffer_;
    if (text.size() > sizeof buffer_ - simple_json_padding) {
      heap_.reset(new char[text.size() + simple_json_padding]);
      d = heap_.get();
    }
    if (!text.empty()) std::memcpy(d, text.data(), text.size());
    std::memset(d + text.size(), 0, simple_json_padding);
    text_ = std::string_view(d, text.size());
  }
  SimpleJsonText(const SimpleJsonText&) = delete;
  SimpleJsonText& operator=(const SimpleJsonText&) = delete;
  std::string_view text() const noexcept { return text_; }

 private:
  std::unique_ptr<char[]> heap_;
  std::string_view text_;
  char buffer_[4096];
};

// Reads `text` when it is simple JSON, giving `events` what Boost.JSON's parser would (object_begin(),
// array_begin(), end(), key(text, escaped), string(text, escaped), number(), boolean(), null()); false
// when it is not simple. key and string get the bytes between the quotes and whether they hold an escape
// (then still escaped: append_unescaped), and return false to give up. `text` must be padded
// (SimpleJsonText): the views events get are into it, and 16 bytes can be read at each.
// Inlined into its caller: an Events object local there keeps its state in registers.
template <class Events>
[[gnu::always_inline]] inline bool scan_padded_simple_json(std::string_view text, Events& events) {
  const char* p = text.data();
  const char* const end = p + text.size();
  std::uint64_t objects = 0;  // bit d set: the container at depth d + 1 is an object
  int close = -1;             // what closes the container at hand: '}', ']' (-1, no byte, at the top)
  std::size_t depth = 0;
  // The closing quote of the string whose text starts at s and whose first 16 bytes' stop mask is m,
  // or null; `escaped` set when it holds an escape. The scanner reads most strings in their first 16
  // bytes itself; the longer ones come here, and escapes, bytes >= 0x80 and the end (its NUL) go out of
  // line.
  const auto string_end = [&](const char* s, std::uint64_t m, bool& escaped) -> const char* {
    while (m == 0) {
      s += 16;
      m = simple_stop_mask16(s);
    }
    const char* q = s + simple_ctz(m);
    if (*q == '"') [[likely]]
      return q;
    const char* close = simple_string_rest(q, end);
    escaped = close && std::memchr(q, '\\', static_cast<std::size_t>(close - q)) != nullptr;
    return close;
  };
  // Two bytes as the 16-bit word a load of them gives.
  const auto pair = [](char a, char b) -> std::uint16_t {
    const char bytes[2] = {a, b};
    std::uint16_t w;
    std::memcpy(&w, bytes, 2);
    return w;
  };
  const auto load2 = [](const char* at) {
    std::uint16_t w;
    std::memcpy(&w, at, 2);
    return w;
  };
  const char* q;    // the closing quote of the key or string at hand
  std::uint64_t m;  // the stop mask of its first 16 bytes
  std::size_t n;    // its length, when its closing quote is the first stop byte
  bool escaped;     // whether it holds an escape
  p = skip_json_space(p);

// Whitespace is looked for only where the expected byte is not there (most answers have none). A NUL
// is the end when p is there, else a control byte: either way not simple.
value:
  if (*p == '"') {  // most values: before the switch's range checks
    ++p;
    goto string_text;
  }
  if (simple_digit(*p)) goto number;
  switch (*p) {
    case ' ':
    case '\t':
    case '\n':
    case '\r':
      p = skip_json_space(p);
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
      ++p;
      if (object && *p == '"') {  // most objects: a key right after the brace
        ++p;
        goto key_text;
      }
      p = skip_json_space(p);
      if (*p == close) goto end_container;
      if (object) goto key;
      goto value;
    }
    case 't':  // the padding makes the 4 or 5 bytes readable
      if (std::memcmp(p, "true", 4) != 0) return false;
      events.boolean();
      p += 4;
      goto after_value;
    case 'f':
      if (std::memcmp(p, "false", 5) != 0) return false;
      events.boolean();
      p += 5;
      goto after_value;
    case 'n':
      if (std::memcmp(p, "null", 4) != 0) return false;
      events.null();
      p += 4;
      goto after_value;
    case '-':
      goto number;
    default:
      return false;
  }

number:
  q = simple_number_end(p);
  if (!q) return false;
  events.number();
  p = q;
  goto after_value;

key:
  if (*p != '"') {
    p = skip_json_space(p);
    if (*p != '"') return false;
  }
  ++p;
key_text:  // p: the text of a key. Most end in their first 16 bytes, their length the stop's index.
  m = simple_stop_mask16(p);
  if (m == 0) goto key_long;
  n = simple_ctz(m);
  if (p[n] != '"') goto key_long;
  if constexpr (requires { events.short_key(std::string_view()); }) {
    if (!events.short_key(std::string_view(p, n))) return false;
  } else {
    if (!events.key(std::string_view(p, n), false)) return false;
  }
  p += n + 1;
key_done:
  // Most members: ':' and a string's quote, read as one word.
  if (load2(p) == pair(':', '"')) {
    p += 2;
    goto member_text;
  }
  if (*p == ':') {  // then most: null, a number (the padding makes 4 bytes readable)
    ++p;
    if (std::memcmp(p, "null", 4) == 0) {
      events.null();
      p += 4;
      goto after_member;
    }
    if (simple_digit(*p)) {
      q = simple_number_end(p);
      if (!q) return false;
      events.number();
      p = q;
      goto after_member;
    }
    goto value;
  }
  p = skip_json_space(p);
  if (*p != ':') return false;
  ++p;
  goto value;
key_long:
  escaped = false;
  q = string_end(p, m, escaped);
  if (!q || !events.key(std::string_view(p, static_cast<std::size_t>(q - p)), escaped)) return false;
  p = q + 1;
  goto key_done;

member_text:  // p: the text of a string value in an object
  m = simple_stop_mask16(p);
  if (m == 0) goto member_long;
  n = simple_ctz(m);
  if (p[n] != '"') goto member_long;
  if (!events.string(std::string_view(p, n), false)) return false;
  p += n + 1;
after_member:  // after a member's value: most have the next member's key right after the comma
  if (load2(p) == pair(',', '"')) {
    p += 2;
    goto key_text;
  }
  goto after_value;

member_long:
  escaped = false;
  q = string_end(p, m, escaped);
  if (!q || !events.string(std::string_view(p, static_cast<std::size_t>(q - p)), escaped)) return false;
  p = q + 1;
  goto after_member;

string_text:  // p: the text of a string value
  m = simple_stop_mask16(p);
  escaped = false;
  q = string_end(p, m, escaped);
  if (!q || !events.string(std::string_view(p, static_cast<std::size_t>(q - p)), escaped)) return false;
  p = q + 1;

after_value:
  if (load2(p) == pair(',', '"') && close == '}') {
    p += 2;
    goto key_text;
  }
  if (*p == ',') {
    ++p;
    if (close == '}') goto key;
    if (close == ']') goto value;
    return false;  // at the top
  }
  if (static_cast<unsigned char>(*p) == close) goto end_container;
  if (p == end) return depth == 0;
  if (!simple_json_space(*p)) return false;
  p = skip_json_space(p);
  goto after_value;

end_container:
  ++p;
  --depth;
  close = depth == 0 ? -1 : (objects >> (depth - 1)) & 1 ? '}' : ']';
  events.end();
  goto after_value;
}

// scan_padded_simple_json on a padded copy of `body` (the events' views are into the copy, valid during
// the call only).
template <class Events>
[[gnu::always_inline]] inline bool scan_simple_json(std::string_view body, Events& events) {
  const SimpleJsonText text(body);
  return scan_padded_simple_json(text.text(), events);
}

}  // namespace partnerkit::detail
