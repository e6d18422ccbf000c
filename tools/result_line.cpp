#include "result_line.hpp"

#include <charconv>

namespace partnerkit::cli {
namespace {

template <class Int>
void append_int(std::string& out, Int n) {
  char buf[24];
  const auto r = std::to_chars(buf, buf + sizeof buf, n);
  out.append(buf, r.ptr);
}

void append_key(std::string& out, std::string_view key) {
  if (out.back() != '{') out.push_back(',');
  out.push_back('"');
  out.append(key);  // our own names: nothing to escape
  out.append("\":");
}

void append_optional(std::string& out, const std::optional<std::string>& s) {
  if (s)
    append_json_string(out, *s);
  else
    out.append("null");
}

void append_bool(std::string& out, bool b) { out.append(b ? "true" : "false"); }

}  // namespace

void append_json_string(std::string& out, std::string_view s) {
  static constexpr char hex[] = "0123456789abcdef";
  out.push_back('"');
  std::size_t run = 0;  // start of the bytes copied as they are
  for (std::size_t i = 0; i < s.size(); ++i) {
    const auto c = static_cast<unsigned char>(s[i]);
    if (c >= 0x20 && c != '"' && c != '\\') continue;
    out.append(s.data() + run, i - run);
    run = i + 1;
    out.push_back('\\');
    switch (c) {
      case '"':
      case '\\':
        out.push_back(static_cast<char>(c));
        break;
      case '\b':
        out.push_back('b');
        break;
      case '\t':
        out.push_back('t');
        break;
      case '\n':
        out.push_back('n');
        break;
      case '\f':
        out.push_back('f');
        break;
      case '\r':
        out.push_back('r');
        break;
      default:
        out.append("u00");
        out.push_back(hex[c >> 4]);
        out.push_back(hex[c & 15]);
    }
  }
  out.append(s.data() + run, s.size() - run);
  out.push_back('"');
}

std::string result_line(const BatchResult& r, bool with_status) {
  std::string out;
  out.reserve(256);
  out.push_back('{');
  append_key(out, "index");
  append_int(out, r.index);
  append_key(out, "line");
  append_int(out, r.line);
  append_key(out, "vendor");
  append_json_string(out, r.vendor);
  append_key(out, "email");
  append_json_string(out, r.email);
  // One key order for a success and a failure: the members a failure lacks are null (warnings []).
  const Partner* p = r.result ? &*r.result : nullptr;
  std::optional<Error> failure;  // result::error() answers a copy (as the const Error& before did)
  if (!p) failure = r.result.error();
  const Error* e = failure ? &*failure : nullptr;
  append_key(out, "outcome");
  if (p)
    append_json_string(out, to_string(p->outcome));
  else
    out.append("null");
  append_key(out, "partner_id");
  if (p)
    append_optional(out, p->id);
  else
    out.append("null");
  append_key(out, "referral_link");
  if (p && !p->links.empty())
    append_json_string(out, p->links.front().url);
  else
    out.append("null");
  append_key(out, "attempts");
  append_int(out, p ? p->attempts : e->attempts);
  append_key(out, "warnings");
  out.push_back('[');
  for (std::size_t i = 0; p && i < p->warnings.size(); ++i) {
    if (i) out.push_back(',');
    append_json_string(out, p->warnings[i]);
  }
  out.push_back(']');
  append_key(out, "from_journal");
  append_bool(out, r.from_journal);
  append_key(out, "error");
  if (p) {
    out.append("null");
  } else {
    out.push_back('{');
    append_key(out, "code");
    append_json_string(out, to_string(e->code));
    append_key(out, "retryable");
    append_bool(out, e->retryable);
    append_key(out, "http_status");
    if (e->http_status)
      append_int(out, *e->http_status);
    else
      out.append("null");
    append_key(out, "vendor_code");
    append_json_string(out, e->vendor_code);
    append_key(out, "message");
    append_json_string(out, e->message);
    if (!e->vendor_message.empty()) {
      append_key(out, "vendor_message");
      append_json_string(out, e->vendor_message);
    }
    append_key(out, "field");
    append_json_string(out, e->field);
    if (!e->issues.empty()) {
      append_key(out, "issues");
      out.push_back('[');
      for (std::size_t i = 0; i < e->issues.size(); ++i) {
        if (i) out.push_back(',');
        out.append("{\"field\":");
        append_json_string(out, e->issues[i].field);
        out.append(",\"message\":");
        append_json_string(out, e->issues[i].message);
        out.push_back('}');
      }
      out.push_back(']');
    }
    out.push_back('}');
  }
  if (with_status) {
    append_key(out, "status");
    if (r.result)
      append_json_string(out, to_string(r.result->status));
    else
      out.append("null");
  }
  out.push_back('}');
  return out;
}

}  // namespace partnerkit::cli
