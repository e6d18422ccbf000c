// A small JSON writer for request bodies: members in the order the caller writes them (golden tests are
// byte-exact), strings escaped per RFC 8259, valid UTF-8 passed through, invalid UTF-8 reported.
// Much faster than building a boost::json::value and serializing it.
#pragma once

#include <partnerkit/adapter_kit/text.hpp>

#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>

#include <bit>
#include <charconv>
#include <cstdint>
#include <cstring>
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

namespace partnerkit::adapter_kit {

class JsonWriter {
 public:
  explicit JsonWriter(std::string& out) : out_(out) {}

  void begin_object() {
    prefix();
    out_.push_back('{');
    need_comma_ = false;
  }
  void end_object() {
    out_.push_back('}');
    need_comma_ = true;
  }
  void begin_array() {
    prefix();
    out_.push_back('[');
    need_comma_ = false;
  }
  void end_array() {
    out_.push_back(']');
    need_comma_ = true;
  }
  // Keys are our own ASCII literals or user object keys: escaped like any string.
  void key(std::string_view k) {
    if (k.size() <= max_plain_key && plain(k)) {
      // One of our own (short, nothing to escape): `,"k":` in one append.
      char buf[max_plain_key + 4];
      out_.append(buf, put_plain_key(buf, k));
    } else {
      if (need_comma_) out_.push_back(',');
      write_string(k);
      out_.push_back(':');
    }
    after_key_ = true;
    last_key_ = k;
  }
  void string(std::string_view s) {
    prefix();
    write_string(s);
    need_comma_ = true;
  }
  // key(k) then string(v), byte for byte. A short plain key with a short value that needs no care (most
  // members of a request body) is `,"k":"v"` in one append: the two calls cost ~350 instructions in
  // five std::string appends, this ~100.
  void string_member(std::string_view k, std::string_view v) {
    if (k.size() <= max_plain_key && v.size() <= max_plain_value && plain(k) && plain(v)) {
      char buf[max_plain_key + max_plain_value + 6];
      std::size_t n = put_plain_key(buf, k);
      buf[n++] = '"';
      std::memcpy(buf + n, v.data(), v.size());
      n += v.size();
      buf[n++] = '"';
      out_.append(buf, n);
      after_key_ = false;
      need_comma_ = true;
      last_key_ = k;
      return;
    }
    key(k);
    string(v);
  }
  void int64(std::int64_t v) { number(v); }
  void uint64(std::uint64_t v) { number(v); }
  void boolean(bool v) {
    prefix();
    out_.append(v ? "true" : "false");
    need_comma_ = true;
  }
  void null() {
    prefix();
    out_.append("null");
    need_comma_ = true;
  }
  // An object of string members, in the order given, each only when it holds a value:
  //   w.string_object({{"id", referrer.id}, {"email", referrer.email}})  ->  {"email":"a@b.co"}
  void string_object(
      std::initializer_list<std::pair<std::string_view, std::optional<std::string_view>>> members) {
    begin_object();
    for (const auto& [k, v] : members)
      if (v) {
        key(k);
        string(*v);
      }
    end_object();
  }
  // Any Boost.JSON value (overrides, custom field values), object members in their stored order.
  void value(const boost::json::value& v) {
    switch (v.kind()) {
      case boost::json::kind::null:
        return null();
      case boost::json::kind::bool_:
        return boolean(v.get_bool());
      case boost::json::kind::int64:
        return int64(v.get_int64());
      case boost::json::kind::uint64:
        return uint64(v.get_uint64());
      case boost::json::kind::double_:
        prefix();
        out_.append(boost::json::serialize(v));
        need_comma_ = true;
        return;
      case boost::json::kind::string:
        return string(v.get_string());
      case boost::json::kind::array:
        begin_array();
        for (const auto& e : v.get_array()) value(e);
        return end_array();
      case boost::json::kind::object:
        begin_object();
        for (const auto& kv : v.get_object()) {
          key(kv.key());
          value(kv.value());
        }
        return end_object();
    }
  }

  // Whether every string written so far was valid UTF-8; if not, the key under which the first bad
  // string was written.
  bool utf8_ok() const noexcept { return !bad_; }
  std::string_view bad_utf8_key() const noexcept { return bad_key_; }

 private:
  // `,"k":` (the comma when one is due) at buf, for a key that needs no escaping; the bytes written.
  std::size_t put_plain_key(char* buf, std::string_view k) const noexcept {
    std::size_t n = 0;
    if (need_comma_) buf[n++] = ',';
    buf[n++] = '"';
    std::memcpy(buf + n, k.data(), k.size());
    n += k.size();
    buf[n++] = '"';
    buf[n++] = ':';
    return n;
  }
  void prefix() {
    if (!after_key_ && need_comma_) out_.push_back(',');
    after_key_ = false;
  }
  template <class Int>
  void number(Int v) {
    prefix();
    char buf[24];
    auto r = std::to_chars(buf, buf + sizeof buf, v);
    out_.append(buf, r.ptr);
    need_comma_ = true;
  }
  static constexpr std::size_t max_plain_key = 32;
  static constexpr std::size_t max_plain_value = 96;
  // Whether a byte is written other than as itself (escaped, or checked as UTF-8).
  static constexpr bool needs_care(unsigned char c) noexcept {
    return c < 0x20 || c >= 0x80 || c == '"' || c == '\\';
  }
  // The first byte from i on that needs care, or s.size(). Eight bytes at a time: a high bit per byte
  // that is < 0x20, '"', '\\' or >= 0x80 (the lowest one flagged is always a true one: the borrows of
  // the subtractions only run upwards, into later bytes).
  static std::size_t next_special(std::string_view s, std::size_t i) noexcept {
    const char* p = s.data();
    if constexpr (std::endian::native == std::endian::little) {
      constexpr std::uint64_t ones = 0x0101010101010101u, highs = 0x8080808080808080u;
      const auto special = [&](std::size_t at) {
        std::uint64_t w;
        std::memcpy(&w, p + at, 8);
        const std::uint64_t quote = w ^ (ones * '"'), backslash = w ^ (ones * '\\');
        return (w | ((w - ones * 0x20) & ~w) | ((quote - ones) & ~quote) |
                ((backslash - ones) & ~backslash)) &
               highs;
      };
      const std::size_t from = i;
      for (; i + 8 <= s.size(); i += 8)
        if (const std::uint64_t m = special(i)) return i + static_cast<std::size_t>(std::countr_zero(m) >> 3);
      if (i < s.size() && s.size() >= from + 8) {
        // The tail, as the last eight bytes: those before i are clean, so the lowest flag is in the tail.
        const std::size_t last = s.size() - 8;
        const std::uint64_t m = special(last);
        return m ? last + static_cast<std::size_t>(std::countr_zero(m) >> 3) : s.size();
      }
    }
    for (; i < s.size(); ++i)
      if (needs_care(static_cast<unsigned char>(p[i]))) return i;
    return s.size();
  }
  // Whether no byte of s needs care (next_special(s, 0) == s.size()), without finding where: the
  // words' flags or-ed, and four to seven bytes (most of our keys) as two overlapping 4-byte words.
  [[gnu::always_inline]] static bool plain(std::string_view s) noexcept {
    const char* p = s.data();
    const std::size_t n = s.size();
    if constexpr (std::endian::native == std::endian::little) {
      const auto special = [](auto w) {
        using W = decltype(w);
        constexpr W ones = static_cast<W>(0x0101010101010101u), highs = static_cast<W>(0x8080808080808080u);
        const W quote = w ^ (ones * '"'), backslash = w ^ (ones * '\\');
        return (w | ((w - ones * 0x20) & ~w) | ((quote - ones) & ~quote) |
                ((backslash - ones) & ~backslash)) &
               highs;
      };
      const auto word = [&](auto w, std::size_t at) {
        std::memcpy(&w, p + at, sizeof w);
        return special(w);
      };
      if (n >= 8) {
        std::uint64_t m = word(std::uint64_t{}, n - 8);
        for (std::size_t i = 0; i + 8 < n; i += 8) m |= word(std::uint64_t{}, i);
        return m == 0;
      }
      if (n >= 4) return (word(std::uint32_t{}, 0) | word(std::uint32_t{}, n - 4)) == 0;
    }
    for (std::size_t i = 0; i < n; ++i)
      if (needs_care(static_cast<unsigned char>(p[i]))) return false;
    return true;
  }
  void write_string(std::string_view s) {
    static constexpr char hex[] = "0123456789abcdef";
    out_.push_back('"');
    std::size_t run = 0;  // start of the pending run of bytes copied as they are
    std::size_t i = 0;
    while ((i = next_special(s, i)) < s.size()) {
      const auto c = static_cast<unsigned char>(s[i]);
      if (c >= 0x80) {
        if (const std::size_t n = text::decode_utf8(s, i).length; n != 0) {
          i += n;
          continue;
        }
        if (!bad_) {
          bad_ = true;
          bad_key_.assign(last_key_);
        }
        // Keep the output valid JSON: the bad byte becomes U+FFFD (the caller reports the error anyway).
        out_.append(s.data() + run, i - run);
        out_.append("\xEF\xBF\xBD");
        run = ++i;
        continue;
      }
      out_.append(s.data() + run, i - run);
      switch (c) {
        case '"':
          out_.append("\\\"");
          break;
        case '\\':
          out_.append("\\\\");
          break;
        case '\n':
          out_.append("\\n");
          break;
        case '\r':
          out_.append("\\r");
          break;
        case '\t':
          out_.append("\\t");
          break;
        case '\b':
          out_.append("\\b");
          break;
        case '\f':
          out_.append("\\f");
          break;
        default: {
          const char esc[6] = {'\\', 'u', '0', '0', hex[c >> 4], hex[c & 0xF]};
          out_.append(esc, 6);
        }
      }
      run = ++i;
    }
    out_.append(s.data() + run, s.size() - run);
    out_.push_back('"');
  }

  std::string& out_;
  bool need_comma_ = false;
  bool after_key_ = false;
  bool bad_ = false;
  std::string_view last_key_;
  std::string bad_key_;
};

}  // namespace partnerkit::adapter_kit
