// Local validation of a PartnerSpec: the rules every vendor shares (an OpenAPI email `pattern` and
// `format: email`, the ISO 3166-1 country list, UTF-8, non-blank names). The rules of one vendor (its
// lengths and key rules, a password policy, a referrer's shape, typed custom fields) are that
// adapter's Adapter::validate, built from partnerkit::rules.
//
// Choices not dictated by a vendor document:
// - company: at most 190 UTF-16 units (the tightest company limit a vendor documents; others have none).
// - A blank optional field (empty or whitespace-only string, a blank tag or link tag id, a referrer or
//   contact name with nothing in it) is "not given": validated() drops it with a warning (CRM exports
//   are full of empty cells). Emails and names are trimmed before they are checked.
// - Rules of one vendor live in its adapter (Adapter::validate), never here: one vendor's password rule
//   must not fail another vendor's request for the same item.
// - Every string must be valid UTF-8 (the vendors take JSON, which is UTF-8).
// - Password classes (lower, upper, digit) are ASCII; its length counts code points.
// - custom date values must start with a valid YYYY-MM-DD (vendors with typed fields say "ISO format").
#include <partnerkit/validation.hpp>

#include <partnerkit/adapter.hpp>
#include <partnerkit/detail/calendar.hpp>
#include <partnerkit/text/ascii.hpp>
#include <partnerkit/text/utf8.hpp>

#include "detail/countries.hpp"
#include "detail/json_values.hpp"

#include <boost/url/parse.hpp>
#include <boost/url/scheme.hpp>

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <string>

namespace partnerkit {
namespace {

constexpr std::size_t max_email = 190;    // is_valid_email's contract (the tightest vendor limit)
constexpr std::size_t max_company = 190;  // our choice, see above

using detail::has_non_finite;
using text::code_points;
using text::decode_utf8;
using text::is_alnum;
using text::is_alpha;
using text::is_digit;
using text::is_valid_utf8;
using text::Utf8Decoded;

// JavaScript's String.prototype.trim white space (what zod's .trim() removes).
bool is_js_space(char32_t c) noexcept {
  return (c >= 0x09 && c <= 0x0D) || c == 0x20 || c == 0xA0 || c == 0x1680 || (c >= 0x2000 && c <= 0x200A) ||
         c == 0x2028 || c == 0x2029 || c == 0x202F || c == 0x205F || c == 0x3000 || c == 0xFEFF;
}

std::string_view js_trim(std::string_view s) noexcept {
  // Most text starts and ends with a printable ASCII character: nothing to trim (a byte < 0x80 is a
  // whole code point, so the loops below would stop there too).
  if (!s.empty() && s.front() > 0x20 && s.back() > 0x20 && s.front() < 0x7F && s.back() < 0x7F) return s;
  // Leading.
  std::size_t b = 0;
  while (b < s.size()) {
    const Utf8Decoded d = decode_utf8(s, b);
    if (d.length == 0 || !is_js_space(d.code_point)) break;
    b += d.length;
  }
  s.remove_prefix(b);
  // Trailing: find the start of the last code point, check it, repeat.
  while (!s.empty()) {
    std::size_t start = s.size() - 1;
    int back = 0;
    while (start > 0 && back < 3 && text::is_continuation_byte(s[start])) --start, ++back;
    const Utf8Decoded d = decode_utf8(s, start);
    if (d.length == 0 || start + d.length != s.size() || !is_js_space(d.code_point)) break;
    s.remove_suffix(d.length);
  }
  return s;
}

bool is_blank(std::string_view s) noexcept { return js_trim(s).empty(); }

// Printable ASCII with no white space (or control byte) at either end, as most CRM text is: valid UTF-8,
// nothing to trim, never blank, a UTF-16 unit per byte. Checked once where several rules would each
// have scanned it (~40 instructions a short string against ~80 for the UTF-8 check and the trim).
bool is_plain(std::string_view s) noexcept {
  const std::size_t n = s.size();
  if (n == 0 || static_cast<unsigned char>(s.front()) <= 0x20 || static_cast<unsigned char>(s.back()) <= 0x20)
    return false;
  // Whether any byte has its top bit set: 8 bytes at a time, the last 8 (or 4) overlapping, no byte loop.
  const char* p = s.data();
  if (n >= 8) {
    std::uint64_t bits = 0, w;
    for (std::size_t i = 0; i + 8 < n; i += 8) {
      std::memcpy(&w, p + i, 8);
      bits |= w;
    }
    std::memcpy(&w, p + n - 8, 8);
    return ((bits | w) & 0x8080808080808080u) == 0;
  }
  if (n >= 4) {
    std::uint32_t a, b;
    std::memcpy(&a, p, 4);
    std::memcpy(&b, p + n - 4, 4);
    return ((a | b) & 0x80808080u) == 0;
  }
  unsigned bits = 0;
  for (std::size_t i = 0; i < n; ++i) bits |= static_cast<unsigned char>(p[i]);
  return bits < 0x80;
}

// The top-level text fields validate_in_place found plain once normalized: validate_with skips their
// UTF-8, blank and length checks (the answers are known).
enum Plain : std::uint32_t {
  plain_email = 1u << 0,
  plain_name = 1u << 1,
  plain_first_name = 1u << 2,
  plain_last_name = 1u << 3,
  plain_company = 1u << 4,
  plain_referral_key = 1u << 5,
  plain_external_id = 1u << 6,
  plain_image = 1u << 7,
  plain_description = 1u << 8,
  plain_group = 1u << 9,
};

// ^(?!\.)(?!.*\.\.)([A-Za-z0-9_'+\-\.]*)[A-Za-z0-9_+-]@([A-Za-z0-9][A-Za-z0-9\-]*\.)+[A-Za-z]{2,}$, and
// (format: email, RFC 5321/1123 host names) no label ending in '-', as a DFA: two table lookups a byte
// (~140 instructions for a 20-byte address, against ~260 for the loops over its parts). ValidationPlain
// checks it against the regular expression.
namespace email_dfa {

// Byte classes.
enum : std::uint8_t { alpha, digit, end_mark /* _ + */, quote /* ' */, dash, dot, at, other, classes };
constexpr std::array<std::uint8_t, 256> class_of = [] {
  std::array<std::uint8_t, 256> t{};
  for (int c = 0; c < 256; ++c) {
    const char ch = static_cast<char>(c);
    t[c] = is_alpha(ch)             ? alpha
           : is_digit(ch)           ? digit
           : ch == '_' || ch == '+' ? end_mark
           : ch == '\''             ? quote
           : ch == '-'              ? dash
           : ch == '.'              ? dot
           : ch == '@'              ? at
                                    : other;
  }
  return t;
}();

// States. Local part: at its start, after a byte that may end it, after a quote (may not end it), after
// a dot. Domain, before (d0_) and after (d1_) its first dot: at a label's start, in a label of one
// letter, of letters only, with a digit or dash (last byte alphanumeric), right after a dash.
enum : std::uint8_t {
  reject,
  l_start,
  l_end_ok,
  l_quote,
  l_dot,
  d0_start,
  d0_alpha1,
  d0_alpha,
  d0_mixed,
  d0_dash,
  d1_start,
  d1_alpha1,
  d1_alpha,
  d1_mixed,
  d1_dash,
  states
};

constexpr std::array<std::array<std::uint8_t, classes>, states> next = [] {
  std::array<std::array<std::uint8_t, classes>, states> t{};  // all reject
  for (std::uint8_t from : {l_start, l_end_ok, l_quote, l_dot}) {
    t[from][alpha] = t[from][digit] = t[from][end_mark] = t[from][dash] = l_end_ok;
    t[from][quote] = l_quote;
  }
  t[l_end_ok][dot] = t[l_quote][dot] = l_dot;  // not first, not after a dot
  t[l_end_ok][at] = d0_start;                  // the local part ends with [A-Za-z0-9_+-]
  for (int d = 0; d < 2; ++d) {
    const std::uint8_t start = d ? d1_start : d0_start, alpha1 = d ? d1_alpha1 : d0_alpha1,
                       alphas = d ? d1_alpha : d0_alpha, mixed = d ? d1_mixed : d0_mixed,
                       dashed = d ? d1_dash : d0_dash;
    t[start][alpha] = alpha1;
    t[start][digit] = mixed;
    for (std::uint8_t from : {alpha1, alphas, mixed, dashed}) {
      t[from][alpha] = from == alpha1 || from == alphas ? alphas : mixed;
      t[from][digit] = mixed;
      t[from][dash] = dashed;
      t[from][dot] = from == dashed ? reject : d1_start;
    }
  }
  return t;
}();

}  // namespace email_dfa

bool matches_email_pattern(std::string_view s) noexcept {
  std::uint8_t state = email_dfa::l_start;
  for (const char c : s) {
    state = email_dfa::next[state][email_dfa::class_of[static_cast<unsigned char>(c)]];
    if (state == email_dfa::reject) return false;
  }
  return state == email_dfa::d1_alpha;  // a TLD of 2+ letters after at least one label
}

bool is_http_url(std::string_view s) noexcept {
  auto r = boost::urls::parse_uri(s);  // an absolute URI: a scheme is required; a fragment is allowed
  if (!r) return false;
  const auto scheme = r->scheme_id();
  if (scheme != boost::urls::scheme::http && scheme != boost::urls::scheme::https) return false;
  return r->has_authority() && !r->encoded_host().empty();
}

bool is_valid_date_prefix(std::string_view s) noexcept {
  if (s.size() < 10) return false;
  for (std::size_t i : {0, 1, 2, 3, 5, 6, 8, 9})
    if (!is_digit(s[i])) return false;
  if (s[4] != '-' || s[7] != '-') return false;
  const int y = (s[0] - '0') * 1000 + (s[1] - '0') * 100 + (s[2] - '0') * 10 + (s[3] - '0');
  const int m = (s[5] - '0') * 10 + (s[6] - '0');
  const int d = (s[8] - '0') * 10 + (s[9] - '0');
  if (m < 1 || m > 12 || d < 1) return false;
  if (d > static_cast<int>(detail::days_in_month(y, static_cast<unsigned>(m)))) return false;
  return s.size() == 10 || s[10] == 'T' || s[10] == ' ';
}

bool is_integer(const boost::json::value& v) noexcept { return v.is_int64() || v.is_uint64(); }

class Checker {
 public:
  std::vector<FieldIssue> issues;
  std::uint32_t plain = 0;  // Plain bits: fields known to be plain

  void add(std::string field, std::string message) {
    issues.push_back({std::move(field), std::move(message)});
  }

  // `field + tail` as the issue of `field` (the names are built only for an issue).
  void add_on(std::string_view field, std::string_view tail) {
    std::string message;
    message.reserve(field.size() + tail.size());
    message.append(field).append(tail);
    add(std::string(field), std::move(message));
  }

  // A string field: valid UTF-8, optionally non-blank, at most max UTF-16 units (0: no limit).
  // Returns whether it passed.
  bool text(std::string_view field, std::string_view value, std::size_t max, bool non_blank,
            bool trimmed = false) {
    const bool plain = is_plain(value);
    if (!plain && !is_valid_utf8(value)) {
      add_on(field, " is not valid UTF-8");
      return false;
    }
    bool ok = true;
    if (non_blank && !plain && is_blank(value)) {
      add_on(field, " must not be empty");
      ok = false;
    }
    if (max && value.size() > max) {  // UTF-16 units never outnumber UTF-8 bytes
      const std::size_t n = utf16_length(trimmed ? js_trim(value) : value);
      if (n > max) {
        add_on(field, " must be at most " + std::to_string(max) + " characters (UTF-16 code units" +
                          (trimmed ? ", after trimming" : "") + "), got " + std::to_string(n));
        ok = false;
      }
    }
    return ok;
  }

  // text() on a top-level field: nothing to check when it is known plain and within max (a plain
  // value's UTF-16 length is its size).
  bool text_of(Plain bit, std::string_view field, std::string_view value, std::size_t max, bool non_blank) {
    if ((plain & bit) && (max == 0 || value.size() <= max)) return true;
    return text(field, value, max, non_blank);
  }

  void email(std::string_view field, std::string_view value, bool required, bool known_plain = false) {
    if (known_plain) {
      if (!matches_email_pattern(value)) add_on(field, " is not a valid email address");
      return;
    }
    if (value.empty()) {
      if (required) add_on(field, " is required");
      return;
    }
    if (!is_plain(value) && !is_valid_utf8(value)) {
      add_on(field, " is not valid UTF-8");
      return;
    }
    if (!matches_email_pattern(value)) add_on(field, " is not a valid email address");
  }
};

void check_password(Checker& c, std::string_view pw, std::size_t min_password) {
  // Never echo the value, not even its length.
  const std::string field = "password";
  if (!is_valid_utf8(pw)) {
    c.add(field, "password is not valid UTF-8");
    return;
  }
  bool lower = false, upper_ = false, digit = false;
  for (char ch : pw) {
    lower |= ch >= 'a' && ch <= 'z';
    upper_ |= ch >= 'A' && ch <= 'Z';
    digit |= is_digit(ch);
  }
  if (code_points(pw) < min_password)
    c.add(field, "password must be at least " + std::to_string(min_password) + " characters");
  if (!lower) c.add(field, "password must contain a lower-case letter");
  if (!upper_) c.add(field, "password must contain an upper-case letter");
  if (!digit) c.add(field, "password must contain a digit");
}

void check_custom_field(Checker& c, std::size_t i, const CustomField& f) {
  const std::string base = "custom_fields[" + std::to_string(i) + "]";
  if (f.id <= 0) c.add(base + ".id", base + ".id must be a positive integer");
  const std::string vf = base + ".value";
  const auto& v = f.value;
  const std::string_view t = f.type;
  if (t == "text" || t == "textarea") {
    if (!v.is_string())
      c.add(vf, vf + " must be a string for type " + f.type);
    else
      c.text(vf, v.get_string(), 0, false);
  } else if (t == "date") {
    if (!v.is_string() || !is_valid_date_prefix(v.get_string()))
      c.add(vf, vf + " must be an ISO 8601 date string (YYYY-MM-DD) for type date");
  } else if (t == "number") {
    if (!v.is_number() || has_non_finite(v)) c.add(vf, vf + " must be a finite number for type number");
  } else if (t == "boolean") {
    if (!v.is_bool()) c.add(vf, vf + " must be true or false for type boolean");
  } else if (t == "select") {
    if (!is_integer(v)) c.add(vf, vf + " must be an integer option id for type select");
  } else if (t == "multi_select") {
    bool ok = v.is_array();
    if (ok)
      for (const auto& e : v.get_array()) ok = ok && is_integer(e);
    if (!ok) c.add(vf, vf + " must be an array of integer option ids for type multi_select");
  } else {
    c.add(base + ".type",
          base + ".type must be one of text, textarea, number, date, boolean, select, multi_select");
  }
}

}  // namespace

namespace rules {

void max_length(std::vector<FieldIssue>& issues, std::string_view field, std::string_view value,
                std::size_t max) {
  if (value.size() <= max) return;  // UTF-16 units never outnumber UTF-8 bytes
  const std::size_t n = utf16_length(value);
  if (n > max)
    issues.push_back({std::string(field), std::string(field) + " must be at most " + std::to_string(max) +
                                              " characters (UTF-16 code units), got " + std::to_string(n)});
}

void password_policy(std::vector<FieldIssue>& issues, std::string_view pw, std::size_t min_code_points) {
  Checker c;
  check_password(c, pw, min_code_points);
  for (auto& i : c.issues) issues.push_back(std::move(i));
}

void custom_field(std::vector<FieldIssue>& issues, std::size_t index, const CustomField& field) {
  Checker c;
  check_custom_field(c, index, field);
  for (auto& i : c.issues) issues.push_back(std::move(i));
}

}  // namespace rules

std::size_t utf16_length(std::string_view s) noexcept {
  std::size_t i = text::ascii_run_end(s, 0);  // ASCII: a unit per byte
  std::size_t n = i;
  while (i < s.size()) {
    const auto b = static_cast<unsigned char>(s[i]);
    if (b < 0x80) {
      ++n;
      ++i;
      continue;
    }
    const Utf8Decoded d = decode_utf8(s, i);
    if (d.length == 0) {
      ++n;  // a bad byte counts as one unit
      ++i;
    } else {
      n += d.length == 4 ? 2 : 1;  // outside the BMP: a surrogate pair
      i += d.length;
    }
  }
  return n;
}

bool is_valid_email(std::string_view email) noexcept {
  return email.size() <= max_email && matches_email_pattern(email);  // ASCII only: bytes == units
}

bool is_iso_country(std::string_view code) noexcept { return detail::is_listed_country(code); }

namespace {

// validate(), with the Plain bits of the fields known to be plain.
std::vector<FieldIssue> validate_with(const PartnerSpec& spec, std::uint32_t plain) {
  Checker c;
  c.plain = plain;
  c.email("email", spec.email, true, (plain & plain_email) != 0);

  if (spec.name) c.text_of(plain_name, "name", *spec.name, 0, true);
  if (spec.first_name) c.text_of(plain_first_name, "first_name", *spec.first_name, 0, true);
  if (spec.last_name) c.text_of(plain_last_name, "last_name", *spec.last_name, 0, true);
  if (spec.company) c.text_of(plain_company, "company", *spec.company, max_company, true);
  if (spec.referral_key) c.text_of(plain_referral_key, "referral_key", *spec.referral_key, 0, true);
  if (spec.external_id) c.text_of(plain_external_id, "external_id", *spec.external_id, 0, true);
  if (spec.image && c.text_of(plain_image, "image", *spec.image, 0, false) && !is_http_url(*spec.image))
    c.add("image", "image must be an absolute http or https URL");
  if (spec.country) {
    const std::string& cc = *spec.country;
    bool ok = false;
    if (cc.size() == 2) {
      const char upper[2] = {text::ascii_upper(cc[0]), text::ascii_upper(cc[1])};
      ok = is_iso_country(std::string_view(upper, 2));
    }
    if (!ok) {
      // Echo the value only when it is short and printable: it is user input.
      bool printable = cc.size() <= 8;
      for (char ch : cc) printable = printable && ch >= 0x20 && ch < 0x7F;
      c.add("country", "country " + (printable ? "\"" + cc + "\" " : std::string()) +
                           "is not an ISO 3166-1 alpha-2 country code");
    }
  }
  if (spec.description) c.text_of(plain_description, "description", *spec.description, 0, false);
  for (std::size_t i = 0; i < spec.tags.size(); ++i)
    c.text("tags[" + std::to_string(i) + "]", spec.tags[i], 0, true);
  if (spec.group) c.text_of(plain_group, "group", *spec.group, 0, true);

  if (spec.referrer) {
    const Referrer& r = *spec.referrer;
    if (r.id) c.text("referrer.id", *r.id, 0, true);
    if (r.key) c.text("referrer.key", *r.key, 0, true);
    if (r.email) {
      if (r.email->empty())
        c.add("referrer.email", "referrer.email must not be empty");
      else
        c.email("referrer.email", *r.email, false);
    }
  }

  for (std::size_t i = 0; i < spec.contacts.size(); ++i) {
    const Contact& ct = spec.contacts[i];
    const std::string base = "contacts[" + std::to_string(i) + "]";
    c.email(base + ".email", ct.email, true);
    if (ct.first_name) c.text(base + ".first_name", *ct.first_name, 0, false);
    if (ct.last_name) c.text(base + ".last_name", *ct.last_name, 0, false);
  }

  if (spec.password && !is_valid_utf8(*spec.password)) c.add("password", "password is not valid UTF-8");

  if (spec.link) {
    const LinkOptions& l = *spec.link;
    if (l.external_id) c.text("link.external_id", *l.external_id, 0, false);
    if (l.tenant_id) c.text("link.tenant_id", *l.tenant_id, 0, false);
    if (l.prefix) c.text("link.prefix", *l.prefix, 0, false);
    if (l.comments) c.text("link.comments", *l.comments, 0, false);
    for (const auto& [field, value] :
         {std::pair{"link.expires_at", &l.expires_at}, std::pair{"link.expired_url", &l.expired_url},
          std::pair{"link.password", &l.password}, std::pair{"link.title", &l.title},
          std::pair{"link.description", &l.description}, std::pair{"link.image", &l.image},
          std::pair{"link.video", &l.video}, std::pair{"link.ios", &l.ios},
          std::pair{"link.android", &l.android}, std::pair{"link.test_started_at", &l.test_started_at},
          std::pair{"link.test_completed_at", &l.test_completed_at}})
      if (*value && !is_valid_utf8(**value)) c.add(field, std::string(field) + " is not valid UTF-8");
    for (std::size_t i = 0; i < l.test_variants.size(); ++i) {
      const std::string base = "link.test_variants[" + std::to_string(i) + "]";
      c.text(base + ".url", l.test_variants[i].url, 0, false);
      if (!std::isfinite(l.test_variants[i].percentage))
        c.add(base + ".percentage", base + ".percentage must be a finite number");
    }
    for (std::size_t i = 0; i < l.tag_ids.size(); ++i)
      c.text("link.tag_ids[" + std::to_string(i) + "]", l.tag_ids[i], 0, true);
  }

  // JSON can't carry a non-finite number (the type rules are a vendor's, in its adapter).
  for (std::size_t i = 0; i < spec.custom_fields.size(); ++i)
    if (has_non_finite(spec.custom_fields[i].value))
      c.add("custom_fields[" + std::to_string(i) + "].value",
            "custom_fields[" + std::to_string(i) + "].value holds a number out of range");

  for (const auto& [vendor, body] : spec.vendor_overrides) {
    if (vendor.empty())
      c.add("vendor_overrides", "vendor_overrides keys must be non-empty vendor names");
    else if (std::any_of(body.begin(), body.end(), [](const auto& kv) { return has_non_finite(kv.value()); }))
      c.add("vendor_overrides." + vendor, "vendor_overrides." + vendor + " holds a number out of range");
  }

  return std::move(c.issues);
}

}  // namespace

std::vector<FieldIssue> validate(const PartnerSpec& spec) { return validate_with(spec, 0); }

namespace {

// Blank optional fields are "not given": CRM exports are full of empty cells.
class Blanks {
 public:
  explicit Blanks(std::vector<std::string>* warnings) : warnings_(warnings) {}

  // Returns whether the field is there and plain.
  bool optional(std::optional<std::string>& s, std::string_view field) {
    if (!s) return false;
    if (is_plain(*s)) return true;
    if (is_valid_utf8(*s) && is_blank(*s)) {
      s.reset();
      warn(field);
    }
    return false;
  }
  void list(std::vector<std::string>& v, std::string_view field) {
    std::size_t kept = 0;
    for (std::size_t i = 0; i < v.size(); ++i) {
      if (is_valid_utf8(v[i]) && is_blank(v[i])) {
        warn(std::string(field) + "[" + std::to_string(i) + "]");
        continue;
      }
      if (kept != i) v[kept] = std::move(v[i]);
      ++kept;
    }
    v.resize(kept);
  }
  void warn(std::string_view field) {
    if (warnings_) warnings_->push_back(std::string(field) + " is blank; treated as not given");
  }

 private:
  std::vector<std::string>* warnings_;
};

// Returns whether s is plain (then there was nothing to trim).
bool trim_in_place(std::string& s) {
  if (is_plain(s)) return true;
  if (!is_valid_utf8(s)) return false;
  std::string_view t = js_trim(s);
  if (t.size() != s.size()) s = std::string(t);
  return false;
}

bool trim_in_place(std::optional<std::string>& s) { return s && trim_in_place(*s); }

}  // namespace

Error invalid_input_error(std::vector<FieldIssue> issues) {
  Error e = Error::make(errc::invalid_input,
                        std::to_string(issues.size()) + " problem(s): " + issues.front().message,
                        issues.front().field);
  e.issues = std::move(issues);
  return e;
}

Result<PartnerSpec> validated(PartnerSpec spec, std::vector<std::string>* warnings) {
  if (auto e = validate_in_place(spec, warnings)) return std::move(*e);
  return spec;
}

Result<PartnerSpec> validated_for(const Adapter& adapter, PartnerSpec spec,
                                  std::vector<std::string>* warnings) {
  if (auto e = validate_in_place_for(adapter, spec, warnings)) return std::move(*e);
  return spec;
}

std::optional<Error> validate_in_place(PartnerSpec& spec, std::vector<std::string>* warnings) {
  std::uint32_t plain = trim_in_place(spec.email) ? std::uint32_t{plain_email} : 0;
  // A plain name is neither trimmed nor blank: known from the trim.
  if (trim_in_place(spec.name)) plain |= plain_name;
  if (trim_in_place(spec.first_name)) plain |= plain_first_name;
  if (trim_in_place(spec.last_name)) plain |= plain_last_name;
  Blanks blanks(warnings);
  const auto field = [&](std::optional<std::string>& s, std::string_view name, Plain bit) {
    if ((plain & bit) || blanks.optional(s, name)) plain |= bit;
  };
  field(spec.name, "name", plain_name);
  field(spec.first_name, "first_name", plain_first_name);
  field(spec.last_name, "last_name", plain_last_name);
  field(spec.company, "company", plain_company);
  field(spec.referral_key, "referral_key", plain_referral_key);
  field(spec.external_id, "external_id", plain_external_id);
  field(spec.image, "image", plain_image);
  blanks.optional(spec.country, "country");
  field(spec.description, "description", plain_description);
  field(spec.group, "group", plain_group);
  blanks.list(spec.tags, "tags");
  if (spec.referrer) {
    Referrer& r = *spec.referrer;
    trim_in_place(r.email);
    blanks.optional(r.id, "referrer.id");
    blanks.optional(r.key, "referrer.key");
    blanks.optional(r.email, "referrer.email");
    if (!r.id && !r.key && !r.email) {
      spec.referrer.reset();
      blanks.warn("referrer");
    }
  }
  for (std::size_t i = 0; i < spec.contacts.size(); ++i) {
    Contact& ct = spec.contacts[i];
    const std::string base = "contacts[" + std::to_string(i) + "]";
    trim_in_place(ct.email);
    trim_in_place(ct.first_name);
    trim_in_place(ct.last_name);
    blanks.optional(ct.first_name, base + ".first_name");
    blanks.optional(ct.last_name, base + ".last_name");
  }
  if (spec.link) {
    LinkOptions& l = *spec.link;
    blanks.optional(l.external_id, "link.external_id");
    blanks.optional(l.tenant_id, "link.tenant_id");
    blanks.optional(l.prefix, "link.prefix");
    blanks.optional(l.comments, "link.comments");
    blanks.list(l.tag_ids, "link.tag_ids");
    blanks.optional(l.expires_at, "link.expires_at");
    blanks.optional(l.expired_url, "link.expired_url");
    blanks.optional(l.password, "link.password");
    blanks.optional(l.title, "link.title");
    blanks.optional(l.description, "link.description");
    blanks.optional(l.image, "link.image");
    blanks.optional(l.video, "link.video");
    blanks.optional(l.ios, "link.ios");
    blanks.optional(l.android, "link.android");
    blanks.optional(l.test_started_at, "link.test_started_at");
    blanks.optional(l.test_completed_at, "link.test_completed_at");
  }
  if (spec.country)
    for (char& ch : *spec.country) ch = text::ascii_upper(ch);

  std::vector<FieldIssue> issues = validate_with(spec, plain);
  if (issues.empty()) return std::nullopt;
  return invalid_input_error(std::move(issues));
}

std::optional<Error> validate_in_place_for(const Adapter& adapter, PartnerSpec& spec,
                                           std::vector<std::string>* warnings) {
  if (auto e = validate_in_place(spec, warnings)) return e;
  std::vector<FieldIssue> issues = adapter.validate(spec);
  if (issues.empty()) return std::nullopt;
  return invalid_input_error(std::move(issues));
}

}  // namespace partnerkit
