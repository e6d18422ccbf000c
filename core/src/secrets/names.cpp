// The one rule for secret-like names, and the JSON walks built on it.
#include <partnerkit/secrets.hpp>
#include <partnerkit/text/ascii.hpp>

#include <boost/json/serialize.hpp>

#include <array>

namespace partnerkit {
namespace {

using text::is_digit;
using text::is_lower;
using text::is_space;
using text::is_upper;

constexpr char lower(char c) noexcept { return text::ascii_lower(c); }

// Substrings that make a name secret-like (of the name lower-cased, separators removed).
constexpr std::array<std::string_view, 12> secret_parts{
    "password",  "passwd",     "passphrase", "secret",        "token",  "apikey",
    "accesskey", "privatekey", "credential", "authorization", "cookie", "signature",
};
// Whole words that make a name secret-like ("db_pass", "X-Auth", "userPwd").
constexpr std::array<std::string_view, 3> secret_words{"pass", "pwd", "auth"};

}  // namespace

bool is_secret_name(std::string_view name) noexcept {
  if (name.empty() || name.size() > 256) return false;
  char joined[256];
  std::size_t n = 0;
  // Words: split at non-alphanumerics and at lower->Upper ("apiToken") boundaries.
  char word[256];
  std::size_t w = 0;
  bool word_hit = false;
  auto end_word = [&] {
    for (auto sw : secret_words)
      if (std::string_view(word, w) == sw) word_hit = true;
    w = 0;
  };
  for (std::size_t i = 0; i < name.size(); ++i) {
    const char c = name[i];
    const bool alnum = is_upper(c) || is_lower(c) || is_digit(c);
    if (!alnum) {
      end_word();
      continue;
    }
    if (is_upper(c) && i > 0 && (is_lower(name[i - 1]) || is_digit(name[i - 1]))) end_word();
    word[w++] = lower(c);
    joined[n++] = lower(c);
  }
  end_word();
  if (word_hit) return true;
  const std::string_view j(joined, n);
  for (auto part : secret_parts)
    if (j.find(part) != std::string_view::npos) return true;
  return false;
}

namespace {

void collect_all(const boost::json::value& v, std::vector<std::string>& out, int depth = 0) {
  if (depth > 64) return;
  switch (v.kind()) {
    case boost::json::kind::string:
      out.emplace_back(v.get_string());
      break;
    case boost::json::kind::int64:
    case boost::json::kind::uint64:
    case boost::json::kind::double_:
      out.push_back(boost::json::serialize(v));
      break;
    case boost::json::kind::object:
      for (const auto& kv : v.get_object()) collect_all(kv.value(), out, depth + 1);
      break;
    case boost::json::kind::array:
      for (const auto& e : v.get_array()) collect_all(e, out, depth + 1);
      break;
    default:  // booleans and null are not secrets: scrubbing every "true" would help no one
      break;
  }
}

void collect(const boost::json::value& v, std::vector<std::string>& out, int depth) {
  if (depth > 64) return;
  if (const auto* o = v.if_object()) {
    for (const auto& kv : *o) {
      if (is_secret_name(kv.key()))
        collect_all(kv.value(), out);
      else
        collect(kv.value(), out, depth + 1);
    }
  } else if (const auto* a = v.if_array()) {
    for (const auto& e : *a) collect(e, out, depth + 1);
  }
}

void redact(boost::json::value& v, int depth) {
  if (depth > 64) return;
  if (auto* o = v.if_object()) {
    for (auto& kv : *o) {
      if (is_secret_name(kv.key()))
        kv.value() = redacted_text;
      else
        redact(kv.value(), depth + 1);
    }
  } else if (auto* a = v.if_array()) {
    for (auto& e : *a) redact(e, depth + 1);
  }
}

}  // namespace

void collect_secret_values(const boost::json::value& v, std::vector<std::string>& out) { collect(v, out, 0); }

void redact_secret_members(boost::json::value& v) { redact(v, 0); }

std::string redact_secret_text(std::string_view body) {
  std::string out;
  out.reserve(body.size());
  std::size_t i = 0;
  while (i < body.size()) {
    // A candidate key: a run of [A-Za-z0-9_-], optionally quoted.
    const bool quoted = body[i] == '"';
    std::size_t ks = quoted ? i + 1 : i;
    std::size_t ke = ks;
    while (ke < body.size() && ((is_upper(body[ke]) || is_lower(body[ke])) || is_digit(body[ke]) ||
                                body[ke] == '_' || body[ke] == '-'))
      ++ke;
    if (ke == ks) {
      out.push_back(body[i++]);
      continue;
    }
    std::size_t j = ke;
    if (quoted) {
      if (j >= body.size() || body[j] != '"') {
        out.append(body.substr(i, j - i));
        i = j;
        continue;
      }
      ++j;
    }
    std::size_t sep = j;
    while (sep < body.size() && is_space(body[sep])) ++sep;
    const bool has_sep = sep < body.size() && (body[sep] == ':' || body[sep] == '=');
    if (!has_sep || !is_secret_name(body.substr(ks, ke - ks))) {
      out.append(body.substr(i, j - i));
      i = j;
      continue;
    }
    std::size_t vs = sep + 1;
    while (vs < body.size() && is_space(body[vs])) ++vs;
    out.append(body.substr(i, vs - i));
    std::size_t ve = vs;
    if (vs < body.size() && body[vs] == '"') {
      ve = vs + 1;
      while (ve < body.size() && body[ve] != '"') ve += body[ve] == '\\' ? 2 : 1;
      ve = ve < body.size() ? ve + 1 : body.size();
      out.append("\"REDACTED\"");
    } else {
      // After '=' (a form or query) the value ends at a space; after ':' (a header dump, a
      // "Authorization: Bearer x" line) it runs to the end of the line.
      const bool to_eol = body[sep] == ':';
      while (ve < body.size() && body[ve] != '&' && body[ve] != ',' && body[ve] != '}' && body[ve] != ']' &&
             body[ve] != '\r' && body[ve] != '\n' && body[ve] != '<' && (to_eol || !is_space(body[ve])))
        ++ve;
      out.append("REDACTED");
    }
    i = ve;
  }
  return out;
}

}  // namespace partnerkit
