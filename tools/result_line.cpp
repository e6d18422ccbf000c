#include "result_line.hpp"

#include <algorithm>
#include <array>
#include <charconv>
#include <cstdint>
#include <cstring>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

namespace partnerkit::cli {
namespace {

// The bytes a JSON string escapes: the control characters, '"' and '\\'.
constexpr std::array<bool, 256> escaped = [] {
  std::array<bool, 256> t{};
  for (int c = 0; c < 0x20; ++c) t[c] = true;
  t['"'] = t['\\'] = true;
  return t;
}();

// Whether any byte of the 8 (or 4) in `w` is escaped. SWAR: a byte below 0x20, or equal to '"' or
// '\\', sets its high bit in the result; exact as a test for "any".
template <class Word>
bool any_escaped(Word w) {
  constexpr Word ones = static_cast<Word>(0x0101010101010101u), high = static_cast<Word>(0x8080808080808080u);
  const Word q = w ^ (ones * '"'), b = w ^ (ones * '\\');
  return (((w - ones * 0x20) & ~w) | ((q - ones) & ~q) | ((b - ones) & ~b)) & high;
}

// Copies the clean tail [p, end) of fewer than 16 bytes to `d` with two overlapping words when no
// byte of it is escaped (the first word at p, the second ending at `end`); false (nothing done) else.
#if defined(__SSE2__)
// The bytes of `v` that are escaped: <= 0x1F (min(v, 0x1F) == v), '"' or '\\', one bit each.
int escaped_mask(__m128i v) {
  const __m128i quote = _mm_set1_epi8('"'), backslash = _mm_set1_epi8('\\'), control = _mm_set1_epi8(0x1F);
  return _mm_movemask_epi8(_mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(v, quote), _mm_cmpeq_epi8(v, backslash)),
                                        _mm_cmpeq_epi8(_mm_min_epu8(v, control), v)));
}
#endif

template <class Word>
bool copy_clean_tail(char* d, const char* p, const char* end) {
  Word a, b;
  std::memcpy(&a, p, sizeof a);
  std::memcpy(&b, end - sizeof b, sizeof b);
#if defined(__SSE2__)
  // Both words in one register (a word of 4 leaves zeros, which are escaped: masked off).
  const __m128i v = sizeof(Word) == 8 ? _mm_set_epi64x(static_cast<long long>(b), static_cast<long long>(a))
                                      : _mm_set_epi32(0, 0, static_cast<int>(b), static_cast<int>(a));
  if (escaped_mask(v) & (sizeof(Word) == 8 ? 0xFFFF : 0xFF)) return false;
#else
  if (any_escaped(a) || any_escaped(b)) return false;
#endif
  std::memcpy(d, &a, sizeof a);
  std::memcpy(d + (end - p) - sizeof b, &b, sizeof b);
  return true;
}

// `s` quoted and escaped at `d` (at most 6 bytes per byte of `s`, plus 2); the end of what it wrote.
// Bytes that need no escape are copied as they are scanned, 16 at a time (SSE2; the room for 6 bytes
// per byte lets a whole block be stored before it is known how much of it is clean) or 8, and a tail
// of 4 to 15 bytes as two overlapping words: byte by byte only near an escape and under 4 bytes.
char* write_json_string(char* d, std::string_view s) {
  static constexpr char hex[] = "0123456789abcdef";
  *d++ = '"';
  const char* p = s.data();
  const char* const end = p + s.size();
  for (;;) {
    bool hit = false;
#if defined(__SSE2__)
    for (; end - p >= 16; p += 16, d += 16) {
      const __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p));
      _mm_storeu_si128(reinterpret_cast<__m128i*>(d), v);
      if (const int mask = escaped_mask(v)) {
        const int clean = __builtin_ctz(static_cast<unsigned>(mask));
        p += clean;
        d += clean;
        hit = true;
        break;
      }
    }
#else
    for (std::uint64_t w; end - p >= 16; p += 8, d += 8) {
      std::memcpy(&w, p, 8);
      if (any_escaped(w)) break;
      std::memcpy(d, &w, 8);
    }
#endif
    if (!hit) {
      const auto rest = end - p;
      if (rest >= 8 && rest < 16 ? copy_clean_tail<std::uint64_t>(d, p, end)
                                 : rest >= 4 && rest < 8 && copy_clean_tail<std::uint32_t>(d, p, end)) {
        d += rest;
        break;
      }
    }
    while (p != end && !escaped[static_cast<unsigned char>(*p)]) *d++ = *p++;
    if (p == end) break;
    const auto c = static_cast<unsigned char>(*p++);
    *d++ = '\\';
    switch (c) {
      case '"':
      case '\\':
        *d++ = static_cast<char>(c);
        break;
      case '\b':
        *d++ = 'b';
        break;
      case '\t':
        *d++ = 't';
        break;
      case '\n':
        *d++ = 'n';
        break;
      case '\f':
        *d++ = 'f';
        break;
      case '\r':
        *d++ = 'r';
        break;
      default:
        *d++ = 'u';
        *d++ = '0';
        *d++ = '0';
        *d++ = hex[c >> 4];
        *d++ = hex[c & 15];
    }
  }
  *d++ = '"';
  return d;
}

// One line written through a cursor into a buffer sized ahead: every write checks its room once (a
// line longer than the buffer grows it), instead of a capacity check per character. The buffer is
// the caller's and keeps its size from line to line: no allocation and no zero-filling per line.
class LineWriter {
 public:
  LineWriter(std::string& buf, std::size_t guess) : buf_(buf) {
    if (buf_.size() < guess) buf_.resize(guess);
    at_ = buf_.data();
  }
  void raw(std::string_view s) {
    room(s.size());
    std::memcpy(at_, s.data(), s.size());
    at_ += s.size();
  }
  void ch(char c) {
    room(1);
    *at_++ = c;
  }
  void str(std::string_view s) {
    room(s.size() * 6 + 2);
    at_ = write_json_string(at_, s);
  }
  // `,"key":` (no comma after the opening brace); our own names: nothing to escape.
  // A literal: its size is known here, so the copy is a few moves, not a call to memcpy.
  template <std::size_t N>
  void key(const char (&k)[N]) {
    constexpr std::size_t n = N - 1;
    room(n + 4);
    if (at_[-1] != '{') *at_++ = ',';
    *at_++ = '"';
    std::memcpy(at_, k, n);
    at_ += n;
    *at_++ = '"';
    *at_++ = ':';
  }
  template <std::size_t N>
  void raw(const char (&s)[N]) {
    room(N - 1);
    std::memcpy(at_, s, N - 1);
    at_ += N - 1;
  }
  template <class Int>
  void integer(Int n) {
    room(24);
    at_ = std::to_chars(at_, at_ + 24, n).ptr;
  }
  void optional(const std::optional<std::string>& s) {
    if (s)
      str(*s);
    else
      raw("null");
  }
  void boolean(bool b) {
    if (b)
      raw("true");
    else
      raw("false");
  }
  std::string_view written() const { return {buf_.data(), static_cast<std::size_t>(at_ - buf_.data())}; }

 private:
  void room(std::size_t n) {
    const auto used = static_cast<std::size_t>(at_ - buf_.data());
    if (buf_.size() - used >= n) return;
    buf_.resize(std::max(buf_.size() * 2, used + n));
    at_ = buf_.data() + used;
  }
  std::string& buf_;
  char* at_;
};

}  // namespace

void append_json_string(std::string& out, std::string_view s) {
  const std::size_t at = out.size();
  out.resize(at + s.size() * 6 + 2);
  out.resize(static_cast<std::size_t>(write_json_string(out.data() + at, s) - out.data()));
}

std::string result_line(const BatchResult& r, bool with_status) {
  std::string buf;
  buf.resize(write_result_line(buf, r, with_status).size() - 1);  // without the newline
  return buf;
}

namespace {

// `s` (a literal) at `d`; its size is known here, so the copy is a few moves.
template <std::size_t N>
char* put(char* d, const char (&s)[N]) {
  std::memcpy(d, s, N - 1);
  return d + N - 1;
}

// A partner's line (the common case) with one check of the room: every part's size is bounded first
// (a string at most 6 bytes a byte plus its quotes, an integer 20 digits), then the line is written
// without a check per part. The same members in the same order as the general writer below.
std::string_view write_partner_line(std::string& buf, const BatchResult& r, const Partner& p,
                                    bool with_status) {
  const std::string_view outcome = to_string(p.outcome);
  const std::string_view status = to_string(p.status);
  const std::string_view link = p.links.empty() ? std::string_view() : std::string_view(p.links.front().url);
  std::size_t strings = r.vendor.size() + r.email.size() + outcome.size() + link.size() + status.size() +
                        (p.id ? p.id->size() : 0);
  for (const auto& w : p.warnings) strings += w.size() + 1;  // and its comma
  // The fixed text is under 200 bytes; 3 integers of at most 20 digits; 7 strings of 2 quotes.
  const std::size_t bound = 256 + 3 * 20 + 6 * strings + 2 * (7 + p.warnings.size());
  if (buf.size() < bound) buf.resize(std::max<std::size_t>(bound, 512));
  char* const start = buf.data();
  char* d = start;
  d = put(d, "{\"index\":");
  d = std::to_chars(d, d + 20, r.index).ptr;
  d = put(d, ",\"line\":");
  d = std::to_chars(d, d + 20, r.line).ptr;
  d = put(d, ",\"vendor\":");
  d = write_json_string(d, r.vendor);
  d = put(d, ",\"email\":");
  d = write_json_string(d, r.email);
  d = put(d, ",\"outcome\":");
  d = write_json_string(d, outcome);
  d = put(d, ",\"partner_id\":");
  d = p.id ? write_json_string(d, *p.id) : put(d, "null");
  d = put(d, ",\"referral_link\":");
  d = p.links.empty() ? put(d, "null") : write_json_string(d, link);
  d = put(d, ",\"attempts\":");
  d = std::to_chars(d, d + 20, p.attempts).ptr;
  d = put(d, ",\"warnings\":[");
  for (std::size_t i = 0; i < p.warnings.size(); ++i) {
    if (i) *d++ = ',';
    d = write_json_string(d, p.warnings[i]);
  }
  d = r.from_journal ? put(d, "],\"from_journal\":true,\"error\":null")
                     : put(d, "],\"from_journal\":false,\"error\":null");
  if (with_status) {
    d = put(d, ",\"status\":");
    d = write_json_string(d, status);
  }
  d = put(d, "}\n");
  return {start, static_cast<std::size_t>(d - start)};
}

}  // namespace

std::string_view write_result_line(std::string& buf, const BatchResult& r, bool with_status) {
  if (r.result) return write_partner_line(buf, r, *r.result, with_status);
  // 512 bytes hold a created partner's line with room to spare; an error with issues may grow it.
  LineWriter out(buf, 512);
  out.ch('{');
  out.key("index");
  out.integer(r.index);
  out.key("line");
  out.integer(r.line);
  out.key("vendor");
  out.str(r.vendor);
  out.key("email");
  out.str(r.email);
  // One key order for a success and a failure: the members a failure lacks are null (warnings []).
  const Partner* p = r.result ? &*r.result : nullptr;
  std::optional<Error> failure;  // result::error() answers a copy (as the const Error& before did)
  if (!p) failure = r.result.error();
  const Error* e = failure ? &*failure : nullptr;
  out.key("outcome");
  if (p)
    out.str(to_string(p->outcome));
  else
    out.raw("null");
  out.key("partner_id");
  if (p)
    out.optional(p->id);
  else
    out.raw("null");
  out.key("referral_link");
  if (p && !p->links.empty())
    out.str(p->links.front().url);
  else
    out.raw("null");
  out.key("attempts");
  out.integer(p ? p->attempts : e->attempts);
  out.key("warnings");
  out.ch('[');
  for (std::size_t i = 0; p && i < p->warnings.size(); ++i) {
    if (i) out.ch(',');
    out.str(p->warnings[i]);
  }
  out.ch(']');
  out.key("from_journal");
  out.boolean(r.from_journal);
  out.key("error");
  if (p) {
    out.raw("null");
  } else {
    out.ch('{');
    out.key("code");
    out.str(to_string(e->code));
    out.key("retryable");
    out.boolean(e->retryable);
    out.key("http_status");
    if (e->http_status)
      out.integer(*e->http_status);
    else
      out.raw("null");
    out.key("vendor_code");
    out.str(e->vendor_code);
    out.key("message");
    out.str(e->message);
    if (!e->vendor_message.empty()) {
      out.key("vendor_message");
      out.str(e->vendor_message);
    }
    out.key("field");
    out.str(e->field);
    if (!e->issues.empty()) {
      out.key("issues");
      out.ch('[');
      for (std::size_t i = 0; i < e->issues.size(); ++i) {
        if (i) out.ch(',');
        out.raw("{\"field\":");
        out.str(e->issues[i].field);
        out.raw(",\"message\":");
        out.str(e->issues[i].message);
        out.ch('}');
      }
      out.ch(']');
    }
    out.ch('}');
  }
  if (with_status) {
    out.key("status");
    if (r.result)
      out.str(to_string(r.result->status));
    else
      out.raw("null");
  }
  out.ch('}');
  out.ch('\n');
  return out.written();
}

}  // namespace partnerkit::cli
