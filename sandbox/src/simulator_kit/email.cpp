#include <partnerkit/sandbox/simulator_kit/email.hpp>

#include <partnerkit/text/ascii.hpp>

namespace partnerkit::sandbox::kit {
namespace {

using text::is_alnum;
using text::is_alpha;

bool is_utf8_byte(char c) noexcept { return static_cast<unsigned char>(c) >= 0x80; }

// RFC 5322 atext.
bool is_atext(char c) noexcept {
  return is_alnum(c) || std::string_view("!#$%&'*+-/=?^_`{|}~").find(c) != std::string_view::npos;
}

// A dot-atom: atext runs joined by single dots (no dot first, last or twice).
bool dot_atom(std::string_view s, bool (*atom_char)(char)) noexcept {
  if (s.empty() || s.front() == '.' || s.back() == '.') return false;
  char prev = 0;
  for (char c : s) {
    if (c == '.') {
      if (prev == '.') return false;
    } else if (!atom_char(c)) {
      return false;
    }
    prev = c;
  }
  return true;
}

// RFC 5322 quoted-string without folding white space: '"' (qtext | SP | quoted-pair)* '"'.
// Returns the length taken from the front of s, 0 when s does not start with one.
std::size_t quoted_string(std::string_view s) noexcept {
  if (s.empty() || s.front() != '"') return 0;
  for (std::size_t i = 1; i < s.size(); ++i) {
    const auto c = static_cast<unsigned char>(s[i]);
    if (c == '"') return i + 1;
    if (c == '\\') {
      if (++i == s.size()) return 0;
      const auto q = static_cast<unsigned char>(s[i]);
      if (q < 0x20 || q == 0x7F) return 0;
      continue;
    }
    if ((c < 0x20 && c != '\t') || c == 0x7F) return 0;
  }
  return 0;
}

}  // namespace

bool zod_email(std::string_view e) noexcept {
  // ^(?!\.)(?!.*\.\.)  — no leading dot, no ".." anywhere.
  if (e.empty() || e.front() == '.' || e.find("..") != std::string_view::npos) return false;
  // ([A-Za-z0-9_'+\-\.]*)[A-Za-z0-9_+-]@  — '@' is in neither class, so the local part ends at the
  // first '@' and its last character may not be '.' or '\''.
  const auto at = e.find('@');
  if (at == 0 || at == std::string_view::npos) return false;
  const std::string_view local = e.substr(0, at);
  for (char c : local)
    if (!is_alnum(c) && std::string_view("_'+-.").find(c) == std::string_view::npos) return false;
  if (local.back() == '.' || local.back() == '\'') return false;
  // ([A-Za-z0-9][A-Za-z0-9\-]*\.)+[A-Za-z]{2,}$  — labels cannot hold '.', so the split is unique:
  // one or more labels of [A-Za-z0-9-] starting alphanumeric, then a top level of two or more letters.
  std::string_view domain = e.substr(at + 1);
  const auto last_dot = domain.rfind('.');
  if (last_dot == std::string_view::npos) return false;
  const std::string_view top = domain.substr(last_dot + 1);
  if (top.size() < 2) return false;
  for (char c : top)
    if (!is_alpha(c)) return false;
  domain = domain.substr(0, last_dot);
  while (true) {
    const auto dot = domain.find('.');
    const std::string_view label = domain.substr(0, dot);
    if (label.empty() || !is_alnum(label.front())) return false;
    for (char c : label)
      if (!is_alnum(c) && c != '-') return false;
    if (dot == std::string_view::npos) return true;
    domain.remove_prefix(dot + 1);
  }
}

bool laravel_email(std::string_view e) noexcept {
  std::size_t local_len = quoted_string(e);
  if (local_len == 0) {
    local_len = e.find('@');
    if (local_len == std::string_view::npos) return false;
    if (!dot_atom(e.substr(0, local_len), [](char c) { return is_atext(c) || is_utf8_byte(c); }))
      return false;
  }
  if (local_len >= e.size() || e[local_len] != '@') return false;
  const std::string_view domain = e.substr(local_len + 1);
  if (domain.size() >= 2 && domain.front() == '[' && domain.back() == ']') {
    // An address literal: dtext (printable ASCII but '[', ']' and '\').
    const std::string_view inner = domain.substr(1, domain.size() - 2);
    if (inner.empty()) return false;
    for (char c : inner)
      if (c < 0x21 || c > 0x7E || c == '[' || c == ']' || c == '\\') return false;
    return true;
  }
  if (!dot_atom(domain, [](char c) { return is_alnum(c) || c == '-' || is_utf8_byte(c); })) return false;
  // egulias's DomainHyphened: no label starts or ends with '-'.
  for (std::size_t i = 0; i < domain.size(); ++i) {
    if (domain[i] != '-') continue;
    if (i == 0 || i + 1 == domain.size() || domain[i - 1] == '.' || domain[i + 1] == '.') return false;
  }
  return true;
}

bool plausible_email(std::string_view e) noexcept {
  if (e.empty() || e.size() > 254) return false;
  for (char c : e) {
    const auto u = static_cast<unsigned char>(c);
    if (u <= 0x20 || u == 0x7F) return false;
  }
  const auto at = e.find('@');
  if (at == 0 || at == std::string_view::npos || e.find('@', at + 1) != std::string_view::npos) return false;
  const std::string_view domain = e.substr(at + 1);
  const auto dot = domain.find('.');
  return dot != std::string_view::npos && dot != 0 && domain.back() != '.';
}

std::string email_domain(std::string_view email) {
  const auto at = email.rfind('@');
  if (at == std::string_view::npos) return {};
  return text::ascii_lower(email.substr(at + 1));
}

}  // namespace partnerkit::sandbox::kit
