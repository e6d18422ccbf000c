// SpecReader: JSON lines and CSV, streamed, bad records reported and skipped.
#include <partnerkit/input.hpp>
#include <partnerkit/spec_json.hpp>

#include <boost/json/serialize.hpp>

#include <gtest/gtest.h>

#include <fstream>
#include <sstream>
#include <string>
#include <vector>

namespace partnerkit {
namespace {

std::vector<InputItem> read_all(std::istream& in, SpecReaderOptions opts = {}) {
  SpecReader reader(in, opts);
  std::vector<InputItem> out;
  while (auto item = reader.next()) out.push_back(std::move(*item));
  EXPECT_FALSE(reader.error()) << reader.error()->message;
  return out;
}

std::vector<InputItem> read_all(const std::string& text, InputFormat format = InputFormat::automatic) {
  std::istringstream in(text);
  return read_all(in, SpecReaderOptions{.format = format});
}

TEST(SpecReaderJsonl, ReadsObjectsSkippingBlankLinesWithLineNumbers) {
  auto items = read_all(
      "{\"email\":\"a@example.com\",\"name\":\"Ann\"}\n"
      "\n"
      "   \n"
      "{\"email\":\"b@example.com\",\"tags\":[\"x\",\"y\"]}\n");
  ASSERT_EQ(items.size(), 2u);
  EXPECT_EQ(items[0].index, 0u);
  EXPECT_EQ(items[0].line, 1u);
  ASSERT_TRUE(items[0].spec);
  EXPECT_EQ(items[0].spec->email, "a@example.com");
  EXPECT_EQ(items[0].spec->name, "Ann");
  EXPECT_EQ(items[1].index, 1u);
  EXPECT_EQ(items[1].line, 4u);
  ASSERT_TRUE(items[1].spec);
  EXPECT_EQ(items[1].spec->tags, (std::vector<std::string>{"x", "y"}));
}

TEST(SpecReaderJsonl, NoTrailingNewlineCrLfAndBom) {
  auto items = read_all("\xEF\xBB\xBF{\"email\":\"a@example.com\"}\r\n{\"email\":\"b@example.com\"}");
  ASSERT_EQ(items.size(), 2u);
  ASSERT_TRUE(items[0].spec);
  ASSERT_TRUE(items[1].spec);
  EXPECT_EQ(items[0].spec->email, "a@example.com");
  EXPECT_EQ(items[1].spec->email, "b@example.com");
  EXPECT_EQ(items[1].line, 2u);
}

TEST(SpecReaderJsonl, BadLinesYieldErrorsAndReadingContinues) {
  auto items = read_all(
      "{\"email\":\"a@example.com\"}\n"
      "{\"email\": \"b@example.com\",\n"                    // truncated JSON
      "[1,2]\n"                                             // not an object
      "{\"email\":\"c@example.com\",\"nickname\":\"x\"}\n"  // unknown field
      "{\"email\":\"d@example.com\",\"invite\":\"yes\"}\n"  // wrong type
      "{\"email\":\"e@example.com\"}\n");
  ASSERT_EQ(items.size(), 6u);
  for (std::size_t i = 0; i < items.size(); ++i) {
    EXPECT_EQ(items[i].index, i);
    EXPECT_EQ(items[i].line, i + 1);
  }
  EXPECT_TRUE(items[0].spec);
  ASSERT_FALSE(items[1].spec);
  EXPECT_EQ(items[1].spec.error().code, errc::invalid_input);
  EXPECT_TRUE(items[1].spec.error().message.starts_with("line 2: ")) << items[1].spec.error().message;
  ASSERT_FALSE(items[2].spec);
  EXPECT_TRUE(items[2].spec.error().message.starts_with("line 3: ")) << items[2].spec.error().message;
  ASSERT_FALSE(items[3].spec);
  EXPECT_EQ(items[3].spec.error().field, "nickname");
  EXPECT_TRUE(items[3].spec.error().message.starts_with("line 4: ")) << items[3].spec.error().message;
  ASSERT_FALSE(items[4].spec);
  EXPECT_EQ(items[4].spec.error().field, "invite");
  ASSERT_TRUE(items[5].spec);
  EXPECT_EQ(items[5].spec->email, "e@example.com");
}

TEST(SpecReaderJsonl, OverLongLineIsAnErrorAndTheNextLineIsRead) {
  std::string text = "{\"email\":\"a@example.com\"}\n";
  text += "{\"email\":\"b@example.com\",\"description\":\"" + std::string(5000, 'x') + "\"}\n";
  text += "{\"email\":\"c@example.com\"}\n";
  std::istringstream in(text);
  auto items = read_all(in, SpecReaderOptions{.format = InputFormat::automatic, .max_record_bytes = 1024});
  ASSERT_EQ(items.size(), 3u);
  EXPECT_TRUE(items[0].spec);
  ASSERT_FALSE(items[1].spec);
  EXPECT_EQ(items[1].line, 2u);
  EXPECT_NE(items[1].spec.error().message.find("longer than 1024 bytes"), std::string::npos);
  ASSERT_TRUE(items[2].spec);
  EXPECT_EQ(items[2].spec->email, "c@example.com");
  EXPECT_EQ(items[2].line, 3u);
}

TEST(SpecReaderJsonl, DefaultCapIsOneMebibyte) {
  std::string text = "{\"email\":\"a@example.com\",\"description\":\"" + std::string(2u << 20, 'x') + "\"}\n";
  text += "{\"email\":\"c@example.com\"}\n";
  auto items = read_all(text);
  ASSERT_EQ(items.size(), 2u);
  ASSERT_FALSE(items[0].spec);
  EXPECT_NE(items[0].spec.error().message.find("longer than 1048576 bytes"), std::string::npos);
  EXPECT_TRUE(items[1].spec);
}

TEST(SpecReaderJsonl, StreamsOneRecordAtATime) {
  const std::string first = "{\"email\":\"a@example.com\"}\n";
  std::istringstream in(first + "{\"email\":\"b@example.com\"}\n{\"email\":\"c@example.com\"}\n");
  SpecReader reader(in);
  auto item = reader.next();
  ASSERT_TRUE(item);
  EXPECT_EQ(reader.format(), InputFormat::jsonl);
  // Nothing past the first record has been consumed.
  EXPECT_EQ(static_cast<std::size_t>(in.tellg()), first.size());
  EXPECT_EQ(reader.lines_read(), 1u);
}

TEST(SpecReaderJsonl, EmptyInputHasNoItems) {
  EXPECT_TRUE(read_all("").empty());
  EXPECT_TRUE(read_all("\n\n  \n").empty());
}

TEST(SpecReaderCsv, HeaderNestedFieldsTagsAndTypes) {
  auto items = read_all(
      "email,name,tags,referrer.email,link.key_length,link.archived,invite,country\n"
      "ann@example.com,Ann Lee,vip; emea ;,boss@example.com,8,false,yes,de\n"
      "bob@example.com,,,,,,,\n");
  ASSERT_EQ(items.size(), 2u);
  ASSERT_TRUE(items[0].spec) << items[0].spec.error().message;
  const PartnerSpec& a = *items[0].spec;
  EXPECT_EQ(a.email, "ann@example.com");
  EXPECT_EQ(a.name, "Ann Lee");
  EXPECT_EQ(a.tags, (std::vector<std::string>{"vip", "emea"}));
  ASSERT_TRUE(a.referrer);
  EXPECT_EQ(a.referrer->email, "boss@example.com");
  ASSERT_TRUE(a.link);
  EXPECT_EQ(a.link->key_length, 8);
  EXPECT_EQ(a.link->archived, false);
  EXPECT_EQ(a.invite, true);
  EXPECT_EQ(a.country, "de");  // the reader parses; validated() normalizes
  EXPECT_EQ(items[0].line, 2u);
  // Empty cells are absent.
  ASSERT_TRUE(items[1].spec);
  const PartnerSpec& b = *items[1].spec;
  EXPECT_EQ(b.email, "bob@example.com");
  EXPECT_FALSE(b.name);
  EXPECT_TRUE(b.tags.empty());
  EXPECT_FALSE(b.referrer);
  EXPECT_FALSE(b.link);
  EXPECT_FALSE(b.invite);
  EXPECT_EQ(items[1].line, 3u);
}

TEST(SpecReaderCsv, Rfc4180QuotingWithQuotedNewlines) {
  auto items = read_all(
      "email,name,description\r\n"
      "a@example.com,\"Lee, Ann\",\"She said \"\"hi\"\"\"\r\n"
      "b@example.com,Bob,\"line one\nline two\n\nline four\"\r\n"
      "c@example.com,\"\",plain\r\n");
  ASSERT_EQ(items.size(), 3u);
  ASSERT_TRUE(items[0].spec);
  EXPECT_EQ(items[0].spec->name, "Lee, Ann");
  EXPECT_EQ(items[0].spec->description, "She said \"hi\"");
  ASSERT_TRUE(items[1].spec);
  EXPECT_EQ(items[1].spec->description, "line one\nline two\n\nline four");
  EXPECT_EQ(items[1].line, 3u);
  ASSERT_TRUE(items[2].spec);
  EXPECT_EQ(items[2].line, 7u);  // the record after one spanning lines 3-6
  EXPECT_FALSE(items[2].spec->name);
  EXPECT_EQ(items[2].spec->description, "plain");
}

TEST(SpecReaderCsv, JsonCellsForContactsCustomFieldsAndOverrides) {
  auto items = read_all(
      "email,contacts,custom_fields,vendor_overrides.journeybee\n"
      "a@example.com,\"[{\"\"email\"\":\"\"b@example.com\"\",\"\"first_name\"\":\"\"Bo\"\"}]\","
      "\"[{\"\"id\"\":5,\"\"type\"\":\"\"number\"\",\"\"value\"\":42}]\",\"{\"\"categoryId\"\":3}\"\n");
  ASSERT_EQ(items.size(), 1u);
  ASSERT_TRUE(items[0].spec) << items[0].spec.error().message;
  const PartnerSpec& s = *items[0].spec;
  ASSERT_EQ(s.contacts.size(), 1u);
  EXPECT_EQ(s.contacts[0].email, "b@example.com");
  EXPECT_EQ(s.contacts[0].first_name, "Bo");
  ASSERT_EQ(s.custom_fields.size(), 1u);
  EXPECT_EQ(s.custom_fields[0].id, 5);
  EXPECT_EQ(s.custom_fields[0].type, "number");
  EXPECT_EQ(s.custom_fields[0].value, boost::json::value(42));
  ASSERT_EQ(s.vendor_overrides.count("journeybee"), 1u);
  EXPECT_EQ(s.vendor_overrides.at("journeybee").at("categoryId"), boost::json::value(3));
}

TEST(SpecReaderCsv, BadRowsYieldErrorsNamingLineAndField) {
  auto items = read_all(
      "email,link.key_length,invite\n"
      "a@example.com,eight,\n"
      "b@example.com,8,maybe\n"
      "c@example.com,8\n"
      "d@example.com,8,true,extra\n"
      "e@ex\"ample.com,8,true\n"
      "\"f@example.com\"x,8,true\n"
      "g@example.com,8,true\n");
  ASSERT_EQ(items.size(), 7u);
  for (std::size_t i = 0; i < 6; ++i) {
    ASSERT_FALSE(items[i].spec) << i;
    EXPECT_EQ(items[i].spec.error().code, errc::invalid_input);
    EXPECT_EQ(items[i].line, i + 2);
    EXPECT_TRUE(items[i].spec.error().message.starts_with("line " + std::to_string(i + 2) + ": "))
        << items[i].spec.error().message;
  }
  EXPECT_EQ(items[0].spec.error().field, "link.key_length");
  EXPECT_EQ(items[1].spec.error().field, "invite");
  EXPECT_NE(items[2].spec.error().message.find("expected 3 fields"), std::string::npos);
  EXPECT_NE(items[3].spec.error().message.find("found 4"), std::string::npos);
  ASSERT_TRUE(items[6].spec);
  EXPECT_EQ(items[6].spec->email, "g@example.com");
  EXPECT_EQ(items[6].index, 6u);
}

TEST(SpecReaderCsv, FieldErrorsFromTheSharedJsonPath) {
  // partner_type is checked by spec_from_json, exactly as for JSON lines.
  auto items = read_all("email,partner_type\na@example.com,distributor\n");
  ASSERT_EQ(items.size(), 1u);
  ASSERT_FALSE(items[0].spec);
  EXPECT_EQ(items[0].spec.error().field, "partner_type");
  EXPECT_TRUE(items[0].spec.error().message.starts_with("line 2: "));
}

TEST(SpecReaderCsv, UnterminatedQuoteAtEndOfInput) {
  auto items = read_all("email,name\na@example.com,\"Ann\nb@example.com,Bob\n");
  ASSERT_EQ(items.size(), 1u);
  ASSERT_FALSE(items[0].spec);
  EXPECT_NE(items[0].spec.error().message.find("never closed"), std::string::npos);
  EXPECT_EQ(items[0].line, 2u);
}

TEST(SpecReaderCsv, OverLongRecordAcrossLinesIsCapped) {
  std::string text = "email,description\n";
  text += "a@example.com,\"" + std::string(600, 'x') + "\n" + std::string(600, 'y') + "\"\n";
  text += "b@example.com,short\n";
  std::istringstream in(text);
  auto items = read_all(in, SpecReaderOptions{.format = InputFormat::csv, .max_record_bytes = 1000});
  ASSERT_EQ(items.size(), 2u);
  ASSERT_FALSE(items[0].spec);
  EXPECT_NE(items[0].spec.error().message.find("longer than 1000 bytes"), std::string::npos);
  ASSERT_TRUE(items[1].spec) << items[1].spec.error().message;
  EXPECT_EQ(items[1].spec->email, "b@example.com");
  EXPECT_EQ(items[1].line, 4u);
}

TEST(SpecReaderCsv, UnknownOrRepeatedColumnMakesTheInputUnreadable) {
  for (const char* text : {"email,nickname\na@example.com,x\n", "email,Email\na@example.com,a@example.com\n",
                           "email,referrer.phone\na@example.com,1\n", "email,\na@example.com,\n"}) {
    std::istringstream in(text);
    SpecReader reader(in);
    EXPECT_FALSE(reader.next()) << text;
    ASSERT_TRUE(reader.error()) << text;
    EXPECT_EQ(reader.error()->code, errc::invalid_input);
    EXPECT_TRUE(reader.error()->message.starts_with("line 1: CSV header")) << reader.error()->message;
  }
}

TEST(SpecReaderCsv, HeaderNamesAreCaseInsensitive) {
  auto items = read_all(" Email , First_Name\na@example.com,Ann\n");
  ASSERT_EQ(items.size(), 1u);
  ASSERT_TRUE(items[0].spec);
  EXPECT_EQ(items[0].spec->first_name, "Ann");
}

TEST(SpecReader, ExplicitFormatOverridesDetection) {
  // As CSV, a line starting with '{' is a header with unknown columns.
  std::istringstream in("{\"email\":\"a@example.com\"}\n");
  SpecReader reader(in, InputFormat::csv);
  EXPECT_FALSE(reader.next());
  EXPECT_TRUE(reader.error());
  // As JSON lines, a CSV header is a bad line, not a fatal error.
  auto items = read_all("email\na@example.com\n", InputFormat::jsonl);
  ASSERT_EQ(items.size(), 2u);
  EXPECT_FALSE(items[0].spec);
  EXPECT_FALSE(items[1].spec);
}

TEST(SpecReader, FormatNames) {
  EXPECT_EQ(input_format_from_string("csv"), InputFormat::csv);
  EXPECT_EQ(input_format_from_string("jsonl"), InputFormat::jsonl);
  EXPECT_EQ(input_format_from_string("ndjson"), InputFormat::jsonl);
  EXPECT_EQ(input_format_from_string("auto"), InputFormat::automatic);
  EXPECT_FALSE(input_format_from_string("xml"));
  EXPECT_EQ(to_string(InputFormat::csv), "csv");
}

TEST(SpecReader, ManyRecords) {
  std::string text;
  for (int i = 0; i < 20000; ++i) text += "{\"email\":\"p" + std::to_string(i) + "@example.com\"}\n";
  std::istringstream in(text);
  SpecReader reader(in);
  std::size_t n = 0;
  while (auto item = reader.next()) {
    ASSERT_TRUE(item->spec);
    ASSERT_EQ(item->index, n);
    ++n;
  }
  EXPECT_EQ(n, 20000u);
}

// The two example files describe the same partners.
TEST(SpecReader, ExampleJsonlAndCsvAgree) {
  std::ifstream jsonl(PARTNERKIT_EXAMPLES_DIR "/partners.jsonl");
  std::ifstream csv(PARTNERKIT_EXAMPLES_DIR "/partners.csv");
  ASSERT_TRUE(jsonl && csv);
  auto a = read_all(jsonl);
  auto b = read_all(csv);
  ASSERT_GE(a.size(), 6u);
  ASSERT_EQ(a.size(), b.size());
  for (std::size_t i = 0; i < a.size(); ++i) {
    ASSERT_TRUE(a[i].spec) << a[i].spec.error().message;
    ASSERT_TRUE(b[i].spec) << b[i].spec.error().message;
    EXPECT_EQ(*a[i].spec, *b[i].spec) << "item " << i << "\n"
                                      << boost::json::serialize(to_json(*a[i].spec, true)) << "\n"
                                      << boost::json::serialize(to_json(*b[i].spec, true));
  }
}

}  // namespace
}  // namespace partnerkit

namespace partnerkit {
namespace {

// Mutated inputs (bytes flipped, quotes and newlines inserted, truncation) never crash the reader,
// and every record still yields exactly one item with consecutive indices and increasing lines.
TEST(SpecReader, SurvivesMutatedInput) {
  std::string seeds[2];
  for (int i = 0; i < 2; ++i) {
    std::ifstream f(std::string(PARTNERKIT_EXAMPLES_DIR) + (i == 0 ? "/partners.jsonl" : "/partners.csv"),
                    std::ios::binary);
    std::stringstream s;
    s << f.rdbuf();
    seeds[i] = s.str();
  }
  std::uint64_t state = 0x9E3779B97F4A7C15ull;
  auto rnd = [&state](std::size_t n) {
    state ^= state << 13;
    state ^= state >> 7;
    state ^= state << 17;
    return static_cast<std::size_t>(state % n);
  };
  const char inserts[] = {'"', '\n', ',', ';', '{', '}', '\r', '\0', '\\', '\xC3', '\xFF'};
  for (int round = 0; round < 3000; ++round) {
    std::string text = seeds[round % 2];
    const int edits = 1 + static_cast<int>(rnd(8));
    for (int e = 0; e < edits; ++e) {
      const std::size_t at = rnd(text.size() + 1);
      switch (rnd(4)) {
        case 0:
          if (at < text.size()) text[at] = static_cast<char>(rnd(256));
          break;
        case 1:
          text.insert(at, 1, inserts[rnd(sizeof inserts)]);
          break;
        case 2:
          text.erase(at, rnd(16));
          break;
        case 3:
          text.resize(at);
          break;
      }
    }
    std::istringstream in(text);
    SpecReader reader(in, SpecReaderOptions{.format = InputFormat::automatic, .max_record_bytes = 512});
    std::size_t expected_index = 0, last_line = 0;
    while (auto item = reader.next()) {
      ASSERT_EQ(item->index, expected_index++);
      ASSERT_GT(item->line, last_line);
      last_line = item->line;
      if (!item->spec) {
        ASSERT_EQ(item->spec.error().code, errc::invalid_input);
        ASSERT_TRUE(item->spec.error().message.starts_with("line " + std::to_string(item->line) + ": "))
            << item->spec.error().message;
      }
    }
    ASSERT_LE(last_line, reader.lines_read());
  }
}

// Issue 13 item 11: a quoted field longer than the limit used to make the reader lose its place, and
// lines inside the quotes became records (an address that appeared only inside a quoted note was
// sent). The record is reported once and skipped to its closing quote.
TEST(SpecReaderCsv, OverLongQuotedFieldIsSkippedToItsClosingQuote) {
  std::string text = "email,description\n";
  text += "a@example.com,\"" + std::string(1200, 'x') + "\n";  // over the limit on its first line
  text += "victim@example.com,inside the quoted note\n";
  text += "\"\"still inside\"\", with doubled quotes\n";
  text += "end of the note\"\n";
  text += "b@example.com,short\n";
  std::istringstream in(text);
  auto items = read_all(in, SpecReaderOptions{.format = InputFormat::csv, .max_record_bytes = 1000});
  ASSERT_EQ(items.size(), 2u);
  ASSERT_FALSE(items[0].spec);
  EXPECT_EQ(items[0].line, 2u);
  EXPECT_NE(items[0].spec.error().message.find("longer than 1000 bytes"), std::string::npos);
  ASSERT_TRUE(items[1].spec) << items[1].spec.error().message;
  EXPECT_EQ(items[1].spec->email, "b@example.com");
  EXPECT_EQ(items[1].line, 6u);
}

TEST(SpecReaderCsv, QuotedFieldGoingOverTheLimitMidWayIsSkippedToItsClosingQuote) {
  std::string text = "email,description\n";
  text += "a@example.com,\"short start\n";
  for (int i = 0; i < 20; ++i)
    text += "victim" + std::to_string(i) + "@example.com," + std::string(100, 'y') + "\n";
  text += "closing\",and,more\n";
  text += "b@example.com,short\n";
  text += "c@example.com,\"quoted, but short\"\n";
  std::istringstream in(text);
  auto items = read_all(in, SpecReaderOptions{.format = InputFormat::csv, .max_record_bytes = 1000});
  ASSERT_EQ(items.size(), 3u);
  ASSERT_FALSE(items[0].spec);
  EXPECT_EQ(items[0].line, 2u);
  EXPECT_NE(items[0].spec.error().message.find("longer than 1000 bytes"), std::string::npos);
  ASSERT_TRUE(items[1].spec) << items[1].spec.error().message;
  EXPECT_EQ(items[1].spec->email, "b@example.com");
  ASSERT_TRUE(items[2].spec) << items[2].spec.error().message;
  EXPECT_EQ(items[2].spec->email, "c@example.com");
}

TEST(SpecReaderCsv, OverLongUnquotedLineSkipsOnlyThatLine) {
  std::string text = "email,description\n";
  text += "a@example.com," + std::string(1500, 'x') + "\n";
  text += "b@example.com,short\n";
  std::istringstream in(text);
  auto items = read_all(in, SpecReaderOptions{.format = InputFormat::csv, .max_record_bytes = 1000});
  ASSERT_EQ(items.size(), 2u);
  ASSERT_FALSE(items[0].spec);
  ASSERT_TRUE(items[1].spec);
  EXPECT_EQ(items[1].spec->email, "b@example.com");
}

}  // namespace
TEST(SpecReaderExtras, TakesNamedFieldsBesideTheSpecInBothFormats) {
  SpecReaderOptions opts;
  opts.extra_fields = {"partner_id"};
  std::istringstream jsonl(
      "{\"email\":\"a@example.com\",\"partner_id\":\"pn_1\",\"name\":\"Ann\"}\n"
      "{\"email\":\"b@example.com\",\"partner_id\":{\"dub\":\"pn_2\"}}\n"
      "{\"email\":\"c@example.com\"}\n");
  auto items = read_all(jsonl, opts);
  ASSERT_EQ(items.size(), 3u);
  ASSERT_TRUE(items[0].spec) << items[0].spec.error().message;
  EXPECT_EQ(items[0].spec->name, "Ann");
  EXPECT_EQ(items[0].extras.at("partner_id"), "pn_1");
  EXPECT_EQ(items[1].extras.at("partner_id").at("dub"), "pn_2");
  EXPECT_TRUE(items[2].extras.empty());

  std::istringstream csv("email,partner_id\na@example.com,pn_1\nb@example.com,\n");
  items = read_all(csv, opts);
  ASSERT_EQ(items.size(), 2u);
  ASSERT_TRUE(items[0].spec) << items[0].spec.error().message;
  EXPECT_EQ(items[0].extras.at("partner_id"), "pn_1");
  EXPECT_TRUE(items[1].extras.empty());

  std::istringstream by_vendor("email,partner_id.dub,partner_id.partnero\na@example.com,pn_1,42\n");
  items = read_all(by_vendor, opts);
  ASSERT_EQ(items.size(), 1u);
  EXPECT_EQ(items[0].extras.at("partner_id").at("partnero"), "42");
  EXPECT_EQ(items[0].extras.at("partner_id").at("dub"), "pn_1");

  std::istringstream mixed("email,partner_id,partner_id.dub\na@example.com,pn_1,pn_2\n");
  items = read_all(mixed, opts);
  ASSERT_EQ(items.size(), 1u);
  EXPECT_FALSE(items[0].spec);

  // Without asking for it, partner_id is an unknown field / column as before.
  std::istringstream plain("{\"email\":\"a@example.com\",\"partner_id\":\"pn_1\"}\n");
  items = read_all(plain);
  ASSERT_EQ(items.size(), 1u);
  EXPECT_FALSE(items[0].spec);
}

}  // namespace partnerkit
