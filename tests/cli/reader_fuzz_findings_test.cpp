// What the input fuzzers (fuzz/input_fuzz.cpp: input_csv, input_jsonl) found, as plain tests.
#include <partnerkit/input.hpp>

#include <gtest/gtest.h>

#include <sstream>
#include <string>
#include <vector>

namespace partnerkit {
namespace {

std::vector<InputItem> read_csv(const std::string& text, std::size_t limit) {
  std::istringstream in(text);
  SpecReader reader(in, SpecReaderOptions{.format = InputFormat::csv, .max_record_bytes = limit});
  std::vector<InputItem> out;
  while (auto item = reader.next()) out.push_back(std::move(*item));
  EXPECT_FALSE(reader.error()) << reader.error()->message;
  return out;
}

// A quoted field over the record limit: the reader lost its place, and a line inside the quotes became
// a record of its own (issue 13 item 11) — a request was rendered for an address that appeared only
// inside a quoted note. The over-long record is one error item; reading goes on after its closing quote.
TEST(SpecReaderFuzzFindings, OverLongQuotedFieldIsOneRecord) {
  const std::string text =
      "email,name,description\n"  // line 1
      "a@example.com,Ana,\"" +
      std::string(120, 'y') +
      "\n"                                       // line 2
      "inside@example.com,Inside,quoted note\n"  // line 3
      "still inside, \"\"doubled\"\" quotes\n"   // line 4
      "end of the note\"\n"                      // line 5
      "b@example.com,Bo,short\n";                // line 6
  for (std::size_t limit : {64u, 150u}) {
    SCOPED_TRACE(limit);
    auto items = read_csv(text, limit);
    ASSERT_EQ(items.size(), 2u);
    EXPECT_EQ(items[0].line, 2u);
    ASSERT_FALSE(items[0].spec);
    EXPECT_NE(items[0].spec.error().message.find("longer than"), std::string::npos);
    EXPECT_EQ(items[1].line, 6u);
    ASSERT_TRUE(items[1].spec) << items[1].spec.error().message;
    EXPECT_EQ(items[1].spec->email, "b@example.com");
    EXPECT_EQ(items[1].index, 1u);
  }
  // Without the limit the same input is two good records.
  auto whole = read_csv(text, 1 << 20);
  ASSERT_EQ(whole.size(), 2u);
  ASSERT_TRUE(whole[0].spec);
  EXPECT_EQ(whole[0].spec->email, "a@example.com");
}

// The first line alone over the limit, with the quoted field opened in the part that is not kept.
TEST(SpecReaderFuzzFindings, QuoteOpenedPastTheLimitIsFollowed) {
  const std::string text =
      "email,description\n"
      "a@example.com," +
      std::string(100, 'x') +
      ",\"note\n"  // malformed and long
      "evil@example.com,x\"\n"
      "b@example.com,ok\n";
  auto items = read_csv(text, 64);
  ASSERT_EQ(items.size(), 2u);
  EXPECT_FALSE(items[0].spec);
  ASSERT_TRUE(items[1].spec) << items[1].spec.error().message;
  EXPECT_EQ(items[1].spec->email, "b@example.com");
}

// Malformed and over the limit: the record ends where the parser would end it under no limit (here at
// "text after the closing quote", line 3), not where a count of quotes says (which swallowed line 4).
TEST(SpecReaderFuzzFindings, OverLongRecordEndsWhereItWouldWithoutTheLimit) {
  const std::string text =
      "email,name,description\n"
      "\"b@example.com\",Bo,\"" +
      std::string(100, 'y') +
      "\n"
      "x\"a\"b\n"
      "c@example.com,C,ok\n";
  for (std::size_t limit : {std::size_t{64}, std::size_t{1} << 20}) {
    SCOPED_TRACE(limit);
    auto items = read_csv(text, limit);
    ASSERT_EQ(items.size(), 2u);
    EXPECT_EQ(items[0].line, 2u);
    EXPECT_FALSE(items[0].spec);
    EXPECT_EQ(items[1].line, 4u);
    ASSERT_TRUE(items[1].spec) << items[1].spec.error().message;
    EXPECT_EQ(items[1].spec->email, "c@example.com");
  }
}

}  // namespace
}  // namespace partnerkit
