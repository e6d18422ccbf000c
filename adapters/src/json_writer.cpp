#include "json_writer.hpp"

#include <boost/json/serialize.hpp>

#include <charconv>

namespace partnerkit::adapters_detail {
namespace {

// Length of the valid UTF-8 sequence starting at s[i] (a byte >= 0x80), or 0 when it is not valid
// (overlong forms, surrogates and code points above U+10FFFF are invalid).
std::size_t utf8_sequence(std::string_view s, std::size_t i) noexcept {
  const auto b = [&](std::size_t k) { return static_cast<unsigned char>(s[k]); };
  const auto cont = [&](std::size_t k) { return k < s.size() && (b(k) & 0xC0) == 0x80; };
  const unsigned char c = b(i);
  if (c >= 0xC2 && c <= 0xDF) return cont(i + 1) ? 2 : 0;
  if (c >= 0xE0 && c <= 0xEF) {
    if (!cont(i + 1) || !cont(i + 2)) return 0;
    if (c == 0xE0 && b(i + 1) < 0xA0) return 0;   // overlong
    if (c == 0xED && b(i + 1) >= 0xA0) return 0;  // surrogates
    return 3;
  }
  if (c >= 0xF0 && c <= 0xF4) {
    if (!cont(i + 1) || !cont(i + 2) || !cont(i + 3)) return 0;
    if (c == 0xF0 && b(i + 1) < 0x90) return 0;   // overlong
    if (c == 0xF4 && b(i + 1) >= 0x90) return 0;  // above U+10FFFF
    return 4;
  }
  return 0;
}

}  // namespace

void JsonWriter::write_string(std::string_view s) {
  static constexpr char hex[] = "0123456789abcdef";
  out_.push_back('"');
  std::size_t run = 0;  // start of the pending run of bytes copied as they are
  std::size_t i = 0;
  while (i < s.size()) {
    const auto c = static_cast<unsigned char>(s[i]);
    if (c >= 0x20 && c < 0x80 && c != '"' && c != '\\') {
      ++i;
      continue;
    }
    if (c >= 0x80) {
      const std::size_t n = utf8_sequence(s, i);
      if (n != 0) {
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

void JsonWriter::int64(std::int64_t v) {
  prefix();
  char buf[24];
  auto r = std::to_chars(buf, buf + sizeof buf, v);
  out_.append(buf, r.ptr);
  need_comma_ = true;
}

void JsonWriter::uint64(std::uint64_t v) {
  prefix();
  char buf[24];
  auto r = std::to_chars(buf, buf + sizeof buf, v);
  out_.append(buf, r.ptr);
  need_comma_ = true;
}

void JsonWriter::value(const boost::json::value& v) {
  switch (v.kind()) {
    case boost::json::kind::null:
      null();
      break;
    case boost::json::kind::bool_:
      boolean(v.get_bool());
      break;
    case boost::json::kind::int64:
      int64(v.get_int64());
      break;
    case boost::json::kind::uint64:
      uint64(v.get_uint64());
      break;
    case boost::json::kind::double_:
      prefix();
      out_.append(boost::json::serialize(v));
      need_comma_ = true;
      break;
    case boost::json::kind::string:
      string(v.get_string());
      break;
    case boost::json::kind::array:
      begin_array();
      for (const auto& e : v.get_array()) value(e);
      end_array();
      break;
    case boost::json::kind::object:
      begin_object();
      for (const auto& kv : v.get_object()) {
        key(kv.key());
        value(kv.value());
      }
      end_object();
      break;
  }
}

}  // namespace partnerkit::adapters_detail
