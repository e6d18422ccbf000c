// The shortcuts of validation.cpp against the full checks: validate_in_place skips the UTF-8, blank and
// length checks of the fields it found plain (printable ASCII, nothing to trim), and must give exactly the
// issues that validate() gives on the same normalized spec with no shortcut; rules::max_length skips
// counting UTF-16 units when the bytes are few enough; and the email pattern, read through a byte table,
// matches the documented regular expression (plus the host-name rule that a label does not end in '-').
#include <partnerkit/validation.hpp>

#include <gtest/gtest.h>

#include <random>
#include <regex>
#include <string>
#include <vector>

namespace pk = partnerkit;

namespace {

class Texts {
 public:
  explicit Texts(unsigned seed) : rng_(seed) {}
  std::size_t pick(std::size_t n) { return std::uniform_int_distribution<std::size_t>(0, n - 1)(rng_); }

  // Plain text, padded text, blank text, non-ASCII, invalid UTF-8, control bytes and long text.
  std::string text() {
    static const std::vector<std::string> texts = {
        "x",
        "Bench Partner 12345",
        " padded ",
        "\tlead",
        "trail\n",
        "",
        "   ",
        "\xc2\xa0",
        "caf\xc3\xa9",
        "\xc3\xa9t\xc3\xa9 ",
        "\xff",
        "a\x01",
        "\x01a",
        "~",
        "a\x7f",
        "1234567",
        "12345678",
        "123456789",
        std::string(189, 'c'),
        std::string(190, 'c'),
        std::string(191, 'c'),
        std::string(120, 'n') + "\xf0\x9f\x98\x80" + std::string(70, 'n'),
        std::string(200, ' '),
    };
    return texts[pick(texts.size())];
  }
  std::string email() {
    static const std::vector<std::string> emails = {"p1@bench.example",
                                                    " p1@bench.example ",
                                                    "",
                                                    "  ",
                                                    "a@b.co",
                                                    "a@b",
                                                    "\xc3\xa9@b.co",
                                                    "a@b.c",
                                                    "a..b@c.co",
                                                    ".a@b.co",
                                                    "a.@b.co",
                                                    "a@-b.co",
                                                    "a@b-.co",
                                                    "\xff@b.co",
                                                    "a b@c.co"};
    return emails[pick(emails.size())];
  }
  std::optional<std::string> maybe() {
    if (pick(3) == 0) return std::nullopt;
    return text();
  }

 private:
  std::mt19937 rng_;
};

}  // namespace

TEST(ValidationPlain, InPlaceGivesWhatTheFullChecksGive) {
  Texts t(7);
  int invalid = 0, valid = 0;
  for (int i = 0; i < 20000; ++i) {
    pk::PartnerSpec spec;
    spec.email = t.email();
    spec.name = t.maybe();
    spec.first_name = t.maybe();
    spec.last_name = t.maybe();
    spec.company = t.maybe();
    spec.referral_key = t.maybe();
    spec.external_id = t.maybe();
    spec.description = t.maybe();
    spec.group = t.maybe();
    if (t.pick(4) == 0) spec.image = t.pick(2) ? "https://example.com/a.png" : t.text();
    if (t.pick(4) == 0) spec.tags = {t.text(), t.text()};
    pk::PartnerSpec normalized = spec;
    std::vector<std::string> warnings;
    const auto e = pk::validate_in_place(normalized, &warnings);
    // The same spec normalized, checked by validate() (no shortcut): the same issues, in order.
    const auto full = pk::validate(normalized);
    if (e) {
      ++invalid;
      EXPECT_EQ(e->issues, full) << e->message;
    } else {
      ++valid;
      EXPECT_TRUE(full.empty()) << full.front().message;
    }
    // validated() on the original agrees with the in-place run.
    std::vector<std::string> warnings2;
    const auto v = pk::validated(spec, &warnings2);
    EXPECT_EQ(bool(v), !e);
    if (v) {
      EXPECT_TRUE(*v == normalized);
    }
    EXPECT_EQ(warnings, warnings2);
    if (HasFailure()) break;
  }
  EXPECT_GT(invalid, 1000);
  EXPECT_GT(valid, 100);
}

TEST(ValidationPlain, MaxLengthCountsUtf16UnitsPastTheByteBound) {
  Texts t(3);
  for (int i = 0; i < 2000; ++i) {
    const std::string v = t.text();
    const std::size_t max = t.pick(200);
    std::vector<pk::FieldIssue> issues;
    pk::rules::max_length(issues, "f", v, max);
    EXPECT_EQ(issues.empty(), pk::utf16_length(v) <= max) << v.size() << " " << max;
    if (!issues.empty()) {
      EXPECT_EQ(issues.front().message, "f must be at most " + std::to_string(max) +
                                            " characters (UTF-16 code units), got " +
                                            std::to_string(pk::utf16_length(v)));
    }
  }
}

TEST(ValidationPlain, EmailPatternMatchesTheRegex) {
  // The pattern (PartnerSpec::email's OpenAPI pattern), and no label ending in '-' (format: email).
  const std::regex pattern(
      R"(^(?!\.)(?!.*\.\.)([A-Za-z0-9_'+\-\.]*)[A-Za-z0-9_+-]@([A-Za-z0-9][A-Za-z0-9\-]*\.)+[A-Za-z]{2,}$)");
  const std::regex dash_label(R"(@(.*\.)?[^.@]*-\.)");
  std::mt19937 rng(5);
  const std::string alphabet = "aZ09_'+-.@@..b-\xc3\xa9 ";
  int matched = 0;
  for (int i = 0; i < 100000; ++i) {
    std::string s;
    const std::size_t n = 1 + rng() % 12;
    for (std::size_t k = 0; k < n; ++k) s += alphabet[rng() % alphabet.size()];
    if (i % 4 == 0) s += ".co";
    const bool expected = std::regex_search(s, pattern) && !std::regex_search(s, dash_label);
    EXPECT_EQ(pk::is_valid_email(s), expected) << s;
    matched += expected;
    if (HasFailure()) break;
  }
  EXPECT_GT(matched, 100);
}
