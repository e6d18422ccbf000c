#include "result_line.hpp"

#include <algorithm>
#include <array>
#include <charconv>
#include <cstdint>
#include <cstring>

namespace partnerkit::cli {
namespace {

// The bytes a JSON string escapes: the control characters, '"' and '\\'.
constexpr std::array<bool, 256> escaped = [] {
  std::array<bool, 256> t{};
  for (int c = 0; c < 0x20; ++c) t[c] = true;
  t['"'] = t['\\'] = true;
  return t;
}();

// `s` quoted and escaped at `d` (at most 6 bytes per byte of `s`, plus 2); the end of what it wrote.
// Runs of bytes that need no escape are copied whole.
char* write_json_string(char* d, std::string_view s) {
  static constexpr char hex[] = "0123456789abcdef";
  *d++ = '"';
  const char* p = s.data();
  const char* const end = p + s.size();
  for (;;) {
    const char* run = p;
    // Eight bytes at a time while none of them is escaped (SWAR: a byte below 0x20, or equal to '"'
    // or '\\', sets its high bit in `hit`; exact as a test for "any"), then byte by byte.
    constexpr std::uint64_t ones = 0x0101010101010101u, high = 0x8080808080808080u;
    for (std::uint64_t w; end - p >= 8; p += 8) {
      std::memcpy(&w, p, 8);
      const std::uint64_t q = w ^ (ones * '"'), b = w ^ (ones * '\\');
      const std::uint64_t hit = ((w - ones * 0x20) & ~w) | ((q - ones) & ~q) | ((b - ones) & ~b);
      if (hit & high) break;
    }
    while (p != end && !escaped[static_cast<unsigned char>(*p)]) ++p;
    std::memcpy(d, run, static_cast<std::size_t>(p - run));
    d += p - run;
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

// One line written through a cursor into a string sized ahead: every write checks its room once
// (a line longer than the guess grows the string), instead of a capacity check per character.
class LineWriter {
 public:
  explicit LineWriter(std::size_t guess) {
    buf_.resize(guess);
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
  void key(std::string_view k) {
    room(k.size() + 4);
    if (at_[-1] != '{') *at_++ = ',';
    *at_++ = '"';
    std::memcpy(at_, k.data(), k.size());
    at_ += k.size();
    *at_++ = '"';
    *at_++ = ':';
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
  void boolean(bool b) { raw(b ? "true" : "false"); }
  std::string take() && {
    buf_.resize(static_cast<std::size_t>(at_ - buf_.data()));
    return std::move(buf_);
  }

 private:
  void room(std::size_t n) {
    const auto used = static_cast<std::size_t>(at_ - buf_.data());
    if (buf_.size() - used >= n) return;
    buf_.resize(std::max(buf_.size() * 2, used + n));
    at_ = buf_.data() + used;
  }
  std::string buf_;
  char* at_;
};

}  // namespace

void append_json_string(std::string& out, std::string_view s) {
  const std::size_t at = out.size();
  out.resize(at + s.size() * 6 + 2);
  out.resize(static_cast<std::size_t>(write_json_string(out.data() + at, s) - out.data()));
}

std::string result_line(const BatchResult& r, bool with_status) {
  // 512 bytes hold a created partner's line with room to spare; an error with issues may grow it.
  LineWriter out(512);
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
  return std::move(out).take();
}

}  // namespace partnerkit::cli
