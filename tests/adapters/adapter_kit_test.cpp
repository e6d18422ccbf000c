// The public adapter kit (<partnerkit/adapter_kit.hpp>): body encoders, auth, ISO 8601, text and errors.
#include <partnerkit/adapter_kit.hpp>

#include <boost/json/parse.hpp>

#include <gtest/gtest.h>

namespace partnerkit::adapter_kit {
namespace {

TEST(JsonWriter, EscapesAndNesting) {
  std::string out;
  JsonWriter w(out);
  w.begin_object();
  w.key("s");
  w.string(std::string("q\"b\\n\n\r\t\b\f\x1f\x7f/é\0", 16));  // ends with a NUL byte
  w.key("a");
  w.begin_array();
  w.int64(-5);
  w.uint64(18446744073709551615ULL);
  w.boolean(true);
  w.null();
  w.begin_object();
  w.end_object();
  w.begin_array();
  w.end_array();
  w.end_array();
  w.key("v");
  w.value(boost::json::parse(R"({"x":[1,2.5,"y",{"z":null}],"t":false})"));
  w.end_object();
  EXPECT_EQ(out,
            "{\"s\":\"q\\\"b\\\\n\\n\\r\\t\\b\\f\\u001f\x7f/"
            "\xC3\xA9\\u0000\",\"a\":[-5,18446744073709551615,true,null,{},[]],"
            "\"v\":{\"x\":[1,2.5E0,\"y\",{\"z\":null}],\"t\":false}}");
  EXPECT_TRUE(w.utf8_ok());
  boost::system::error_code ec;
  auto v = boost::json::parse(out, ec);
  ASSERT_FALSE(ec);
  EXPECT_EQ(v.at("s").as_string().size(), 16u);
}

TEST(JsonWriter, InvalidUtf8IsReportedAndOutputStaysJson) {
  const char* bad[] = {"\x80",         "\xC0\xAF", "\xE0\x80\xAF", "\xED\xA0\x80", "\xF4\x90\x80\x80",
                       "\xF0\x9F\x98", "ok\xFF"};
  for (const char* s : bad) {
    std::string out;
    JsonWriter w(out);
    w.begin_object();
    w.key("field");
    w.string(s);
    w.end_object();
    EXPECT_FALSE(w.utf8_ok()) << s;
    EXPECT_EQ(w.bad_utf8_key(), "field");
    boost::system::error_code ec;
    boost::json::parse(out, ec);
    EXPECT_FALSE(ec) << out;
  }
  std::string out;
  JsonWriter w(out);
  w.string("\xF0\x9F\x9A\x80 \xE2\x82\xAC \xC3\xA9 \xF4\x8F\xBF\xBF");  // rocket, euro, é, U+10FFFF
  EXPECT_TRUE(w.utf8_ok());
}

TEST(BodyWriter, OverridesReplaceInPlaceRemoveAndAppend) {
  boost::json::object o{{"b", 2}, {"z", "new"}, {"c", nullptr}};
  std::string out;
  BodyWriter b(out, &o);
  b.string_member("a", "1");
  if (b.member("b")) b.json().string("ours");
  if (b.member("c")) b.json().string("gone");
  b.string_member("d", "4");
  b.finish();
  EXPECT_EQ(out, R"({"a":"1","b":2,"d":"4","z":"new"})");
}

TEST(Iso8601, Parses) {
  using ms = std::chrono::milliseconds;
  const auto at = [](std::string_view s) { return parse_iso8601(s); };
  ASSERT_TRUE(at("1970-01-01T00:00:00Z"));
  EXPECT_EQ(at("1970-01-01T00:00:00Z")->time_since_epoch(), ms(0));
  EXPECT_EQ(at("2025-06-01T12:00:00Z")->time_since_epoch(), ms(1748779200000));
  EXPECT_EQ(at("2025-06-01T12:00:00.5Z")->time_since_epoch(), ms(1748779200500));
  EXPECT_EQ(at("2025-06-01T12:00:00.123456Z")->time_since_epoch(), ms(1748779200123));
  EXPECT_EQ(at("2025-06-01T14:00:00+02:00")->time_since_epoch(), ms(1748779200000));
  EXPECT_EQ(at("2025-06-01T07:30:00-0430")->time_since_epoch(), ms(1748779200000));
  EXPECT_EQ(at("2025-06-01 12:00:00")->time_since_epoch(), ms(1748779200000));
  EXPECT_TRUE(at("2024-02-29T00:00:00Z"));
  for (const char* bad : {"", "2025-06-01", "2025-13-01T00:00:00Z", "2023-02-29T00:00:00Z",
                          "2025-06-01T24:00:00Z", "2025-06-01T12:00:00.Z", "2025-06-01T12:00:00Zjunk",
                          "2025-06-01T12:00:00+2", "yesterday", "2025-06-01T12:00"})
    EXPECT_FALSE(at(bad)) << bad;
}

TEST(Iso8601, CanonicalShapeReadAsTheGeneralReaderReadsIt) {
  // parse_iso8601 reads "YYYY-MM-DDTHH:MM:SS.mmmZ" at fixed places: every byte of such strings replaced
  // by every byte gives what the general reader gives.
  for (const std::string base : {"2026-01-01T00:00:00.000Z", "2024-02-29T23:59:60.999Z",
                                 "0000-12-31T12:34:56.789Z", "2023-02-28T09:08:07.060Z"})
    for (std::size_t at = 0; at < base.size(); ++at)
      for (int b = 0; b < 256; ++b) {
        std::string s = base;
        s[at] = static_cast<char>(b);
        ASSERT_EQ(parse_iso8601(s), iso8601_detail::parse_general(s)) << s;
      }
  for (const char* s : {"2023-02-29T00:00:00.000Z", "2025-06-01T24:00:00.000Z", "2025-13-01T00:00:00.000Z",
                        "2025-06-01T12:00:00.000z", "2025-06-01t12:00:00.000Z", "2025-06-01T12:00:00,000Z"})
    EXPECT_EQ(parse_iso8601(s), iso8601_detail::parse_general(s)) << s;
}

TEST(Auth, KeyCheckRefusesEveryByteOutsidePrintableAsciiAtEveryOffset) {
  for (std::size_t n = 1; n <= 20; ++n)
    for (std::size_t at = 0; at < n; ++at)
      for (int b = 0; b < 256; ++b) {
        std::string key(n, 'k');
        key[at] = static_cast<char>(b);
        const bool bad = b <= 0x20 || b >= 0x7F;
        ASSERT_EQ(check_api_key("v", key).has_value(), bad) << n << " " << at << " " << b;
      }
}

TEST(Capped, KeepsUtf8Whole) {
  EXPECT_EQ(capped("short", 10), "short");
  EXPECT_EQ(capped("abcdef", 3), "abc...");
  EXPECT_EQ(capped("ab\xC3\xA9", 3), "ab...");  // does not split é
}

TEST(Base64, Rfc4648Vectors) {
  EXPECT_EQ(base64_encode(""), "");
  EXPECT_EQ(base64_encode("f"), "Zg==");
  EXPECT_EQ(base64_encode("fo"), "Zm8=");
  EXPECT_EQ(base64_encode("foo"), "Zm9v");
  EXPECT_EQ(base64_encode("foob"), "Zm9vYg==");
  EXPECT_EQ(base64_encode("fooba"), "Zm9vYmE=");
  EXPECT_EQ(base64_encode("foobar"), "Zm9vYmFy");
  EXPECT_EQ(base64_encode("\xFF\xFE\x00"), "//4=");  // stops at the NUL of the literal: two bytes
}

TEST(Auth, BearerBasicAndHeaderKey) {
  const auto bearer = bearer_auth("sk_1");
  EXPECT_EQ(bearer.header, "Authorization");
  EXPECT_EQ(bearer.value, "Bearer sk_1");
  // RFC 7617 section 2's example.
  EXPECT_EQ(basic_auth("Aladdin", "open sesame").value, "Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ==");
  const auto key = header_key("X-Api-Key", "k");
  EXPECT_EQ(key.header, "X-Api-Key");
  EXPECT_EQ(key.value, "k");
  const auto h = request_headers(basic_auth("u", ""), form_media_type);
  ASSERT_EQ(h.size(), 3u);
  EXPECT_EQ(h[1].second, "application/x-www-form-urlencoded");
  EXPECT_EQ(accept_headers("k").size(), 2u);
  EXPECT_EQ(json_headers("k").size(), 3u);
  EXPECT_FALSE(check_api_key("v", "sk_ok"));
  ASSERT_TRUE(check_api_key("v", ""));
  EXPECT_EQ(check_api_key("v", "")->code, errc::unauthenticated);
  ASSERT_TRUE(check_api_key("v", "sk bad"));
  EXPECT_EQ(check_api_key("v", "sk bad")->message.find("sk bad"), std::string::npos);  // never echoed
}

TEST(FormWriter, EncodesAndMergesOverrides) {
  boost::json::object o{
      {"name", nullptr}, {"plan", "pro"}, {"meta", {{"a", 1}, {"b", true}}}, {"ids", {1, 2}}};
  std::string out;
  FormWriter f(out, &o);
  f.field("email", "s+1@example.com");
  f.field("name", "Sam Lee");  // removed by the null override
  f.field("company", "A & B/C ~é");
  f.field("plan", "free");  // replaced in place
  f.boolean("notify", true);
  f.finish();
  EXPECT_EQ(out,
            "email=s%2B1%40example.com&company=A+%26+B%2FC+%7E%C3%A9&plan=pro&notify=true&meta%5Ba%5D=1&"
            "meta%5Bb%5D=true&ids%5B%5D=1&ids%5B%5D=2");
  EXPECT_TRUE(f.utf8_ok());
  std::string bad;
  FormWriter g(bad, nullptr);
  g.field("ok", "x");
  g.field("name", "\xFF");
  EXPECT_FALSE(g.utf8_ok());
  EXPECT_EQ(g.bad_utf8_key(), "name");
}

TEST(Dropper, LenientWarnsStrictFailsNamingEveryField) {
  std::vector<std::string> warnings;
  Dropper lenient("acme", false, &warnings);
  lenient.cannot_carry("tags");
  EXPECT_FALSE(lenient.failed());
  ASSERT_EQ(warnings.size(), 1u);
  EXPECT_EQ(warnings[0], "acme cannot carry tags; dropped");
  Dropper strict("acme", true, &warnings);
  strict.cannot_carry("tags");
  strict.cannot_carry("image");
  ASSERT_TRUE(strict.failed());
  const Error e = strict.error();
  EXPECT_EQ(e.code, errc::unsupported_field);
  EXPECT_EQ(e.field, "tags");
  EXPECT_EQ(e.issues.size(), 2u);
}

TEST(Text, CaseBlanksAndUtf8) {
  EXPECT_TRUE(same_email(" Sam@Example.COM\t", "sam@example.com"));
  EXPECT_FALSE(same_email("sam@example.com", "sam@example.co"));
  EXPECT_TRUE(icontains("Unknown GROUP id", "group"));
  EXPECT_TRUE(is_valid_utf8("caf\xC3\xA9"));
  EXPECT_FALSE(is_valid_utf8("caf\xC3"));
  EXPECT_EQ(code_points("caf\xC3\xA9"), 4u);
  EXPECT_EQ(url_component("a b/é"), "a%20b%2F%C3%A9");
  VendorConfig c;
  EXPECT_EQ(request_url(c, "https://api.example.com/", "/v1/x"), "https://api.example.com/v1/x");
  c.base_url = "https://127.0.0.1:8443//";
  EXPECT_EQ(request_url(c, "https://api.example.com", "/v1/x"), "https://127.0.0.1:8443/v1/x");
}

// append_link builds in place what link_from_texts returns, for every mix of absent, empty, short
// (in the string's own buffer) and long texts; link_texts reads what link_from reads.
TEST(Links, AppendLinkIsLinkFromTexts) {
  const std::optional<std::string_view> texts[] = {std::nullopt, "", "dub.sh",
                                                   "https://dub.sh/a-key-longer-than-sixteen"};
  std::vector<ReferralLink> links;
  std::size_t appended = 0;
  for (const auto& u : texts)
    for (const auto& i : texts)
      for (const auto& k : texts)
        for (const auto& d : texts) {
          const LinkTexts t{u, i, k, d};
          const auto expected = link_from_texts(t);
          const bool added = append_link(links, t);
          ASSERT_EQ(added, expected.has_value());
          ASSERT_EQ(links.size(), appended + (added ? 1 : 0));
          if (added) {
            EXPECT_EQ(links.back(), *expected);
          }
          appended = links.size();
        }
  EXPECT_EQ(appended, 4u * 4 * 4 * 4 - 2u * 2 * 2 * 2);  // all empty or absent: none

  const auto v = boost::json::parse(R"({"shortLink":"https://dub.sh/x","id":7,"key":"","url":"u"})");
  const auto& o = v.as_object();
  const LinkTexts t = link_texts(o, {.url = "shortLink"});
  EXPECT_EQ(t.url, std::optional<std::string_view>("https://dub.sh/x"));
  EXPECT_FALSE(t.id);  // not a string
  EXPECT_EQ(t.key, std::optional<std::string_view>(""));
  EXPECT_FALSE(t.domain);
  EXPECT_EQ(link_from(o, {.url = "shortLink"}), link_from_texts(t));
}

}  // namespace
}  // namespace partnerkit::adapter_kit
