// The adapters' shared internals: the JSON writer and the ISO 8601 parser.
#include "common.hpp"
#include "json_writer.hpp"

#include <boost/json/parse.hpp>

#include <gtest/gtest.h>

namespace partnerkit::adapters_detail {
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

TEST(Capped, KeepsUtf8Whole) {
  EXPECT_EQ(capped("short", 10), "short");
  EXPECT_EQ(capped("abcdef", 3), "abc...");
  EXPECT_EQ(capped("ab\xC3\xA9", 3), "ab...");  // does not split é
}

}  // namespace
}  // namespace partnerkit::adapters_detail
