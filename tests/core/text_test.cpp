// The shared text helpers: ASCII case and white space without the process locale, and UTF-8 decoding
// by the standard's table (overlong forms, surrogates and code points above U+10FFFF are refused).
#include <partnerkit/text/ascii.hpp>
#include <partnerkit/text/utf8.hpp>

#include <gtest/gtest.h>

namespace partnerkit::text {
namespace {

TEST(Ascii, CaseFoldsOnlyAsciiLetters) {
  EXPECT_TRUE(iequals("Content-Length", "content-LENGTH"));
  EXPECT_FALSE(iequals("abc", "abd"));
  EXPECT_FALSE(iequals("abc", "ab"));
  // Bytes >= 0x80 compare as they are: "\xC9" (É in Latin-1) is not "\xE9" (é).
  EXPECT_FALSE(iequals("\xC9", "\xE9"));
  EXPECT_EQ(ascii_lower("MiXeD-123_\xC3\x89"), "mixed-123_\xC3\x89");
  EXPECT_EQ(ascii_upper("de"), "DE");
  EXPECT_TRUE(icontains("Rate Limit Exceeded", "limit exc"));
  EXPECT_FALSE(icontains("limit", "limits"));
  EXPECT_TRUE(icontains("x", ""));
}

TEST(Ascii, TrimsTheGivenCharacters) {
  EXPECT_EQ(trim(" \t\r\n\v\fa b\f\v\n\r\t "), "a b");
  EXPECT_EQ(trim("\r a \r", ows), "\r a \r");
  EXPECT_EQ(trim(" \t a \t ", ows), "a");
  EXPECT_EQ(trim("   "), "");
  EXPECT_EQ(trim(""), "");
}

TEST(Ascii, TokenCharacters) {
  EXPECT_TRUE(is_token_char('a'));
  EXPECT_TRUE(is_token_char('~'));
  EXPECT_FALSE(is_token_char(' '));
  EXPECT_FALSE(is_token_char(':'));
  EXPECT_FALSE(is_token_char(0x80));
}

TEST(Utf8, DecodesByTheStandardsTable) {
  EXPECT_EQ(decode_utf8("A", 0).code_point, U'A');
  const auto e = decode_utf8("\xC3\xA9", 0);
  EXPECT_EQ(e.code_point, U'\u00E9');
  EXPECT_EQ(e.length, 2u);
  const auto emoji = decode_utf8("\xF0\x9F\x98\x80", 0);
  EXPECT_EQ(emoji.code_point, U'\U0001F600');
  EXPECT_EQ(emoji.length, 4u);
  EXPECT_EQ(decode_utf8("\xC0\xAF", 0).length, 0u);          // overlong '/'
  EXPECT_EQ(decode_utf8("\xE0\x80\xAF", 0).length, 0u);      // overlong, 3 bytes
  EXPECT_EQ(decode_utf8("\xED\xA0\x80", 0).length, 0u);      // a surrogate
  EXPECT_EQ(decode_utf8("\xF4\x90\x80\x80", 0).length, 0u);  // above U+10FFFF
  EXPECT_EQ(decode_utf8("\xE2\x82", 0).length, 0u);          // cut short
  EXPECT_EQ(decode_utf8("\x80", 0).length, 0u);              // a lone continuation byte
}

TEST(Utf8, ValidatesAndCounts) {
  EXPECT_TRUE(is_valid_utf8(""));
  EXPECT_TRUE(is_valid_utf8("caf\xC3\xA9 \xE2\x82\xAC"));
  EXPECT_FALSE(is_valid_utf8("caf\xC3"));
  EXPECT_FALSE(is_valid_utf8("\xFF"));
  EXPECT_EQ(code_points("caf\xC3\xA9"), 4u);
  EXPECT_EQ(code_points("a\xFF\xFE"), 3u);  // each bad byte counts as one
}

TEST(Utf8, PrefixNeverEndsInsideASequence) {
  const std::string_view s = "ab\xE2\x82\xAC";  // "ab€"
  EXPECT_EQ(utf8_prefix(s, 10), s);
  EXPECT_EQ(utf8_prefix(s, 5), s);
  EXPECT_EQ(utf8_prefix(s, 4), "ab");
  EXPECT_EQ(utf8_prefix(s, 3), "ab");
  EXPECT_EQ(utf8_prefix(s, 2), "ab");
  EXPECT_EQ(utf8_prefix(s, 0), "");
}

static_assert(iequals("Host", "hOST"));
static_assert(trim("  x ") == "x");
static_assert(is_valid_utf8("\xC3\xA9"));

}  // namespace
}  // namespace partnerkit::text
