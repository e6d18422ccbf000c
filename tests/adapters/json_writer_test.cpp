// JsonWriter's string escaping, scanned eight bytes at a time, against the byte-at-a-time writer it
// replaced (kept here as the reference): request bodies must stay byte for byte what they were.
#include <partnerkit/adapter_kit/errors.hpp>
#include <partnerkit/adapter_kit/json_writer.hpp>
#include <partnerkit/adapter_kit/spec.hpp>

#include <gtest/gtest.h>

#include <random>
#include <span>
#include <string>
#include <vector>

namespace pk = partnerkit;
using pk::adapter_kit::JsonWriter;

namespace {

// The writer before issue 11 part 4: one byte per step. Sets `bad` on a byte that starts no valid
// UTF-8 sequence (written as U+FFFD).
std::string reference(std::string_view s, bool& bad) {
  static constexpr char hex[] = "0123456789abcdef";
  std::string out = "\"";
  std::size_t run = 0, i = 0;
  while (i < s.size()) {
    const auto c = static_cast<unsigned char>(s[i]);
    if (c >= 0x20 && c < 0x80 && c != '"' && c != '\\') {
      ++i;
      continue;
    }
    if (c >= 0x80) {
      if (const std::size_t n = pk::text::decode_utf8(s, i).length; n != 0) {
        i += n;
        continue;
      }
      bad = true;
      out.append(s.data() + run, i - run);
      out.append("\xEF\xBF\xBD");
      run = ++i;
      continue;
    }
    out.append(s.data() + run, i - run);
    switch (c) {
      case '"':
        out.append("\\\"");
        break;
      case '\\':
        out.append("\\\\");
        break;
      case '\n':
        out.append("\\n");
        break;
      case '\r':
        out.append("\\r");
        break;
      case '\t':
        out.append("\\t");
        break;
      case '\b':
        out.append("\\b");
        break;
      case '\f':
        out.append("\\f");
        break;
      default: {
        const char esc[6] = {'\\', 'u', '0', '0', hex[c >> 4], hex[c & 0xF]};
        out.append(esc, 6);
      }
    }
    run = ++i;
  }
  out.append(s.data() + run, s.size() - run);
  out.push_back('"');
  return out;
}

void expect_same(const std::string& s) {
  bool bad = false;
  const std::string want = reference(s, bad);
  std::string got;
  JsonWriter w(got);
  w.key("k");
  got.clear();  // only the value
  w.string(s);
  // A value after a key is written without a comma.
  ASSERT_EQ(got, want) << "for a string of " << s.size() << " bytes";
  EXPECT_EQ(w.utf8_ok(), !bad);
  if (bad) {
    EXPECT_EQ(w.bad_utf8_key(), "k");
  }
}

// Dropping the fields `carried` does not declare, by name and by the mask of the same list, with and
// without strict: the same warnings, the same failure, message and issues.
void expect_same_drops(const pk::PartnerSpec& spec, std::span<const std::string_view> carried,
                       pk::adapter_kit::FieldMask mask, int trace) {
  for (const bool strict : {false, true}) {
    std::vector<std::string> by_name_warnings, by_mask_warnings;
    pk::adapter_kit::Dropper by_name("v", strict, &by_name_warnings), by_mask("v", strict, &by_mask_warnings);
    by_name.drop_undeclared(spec, carried);
    by_mask.drop_undeclared(spec, mask);
    EXPECT_EQ(by_name_warnings, by_mask_warnings) << trace;
    ASSERT_EQ(by_name.failed(), by_mask.failed()) << trace;
    if (by_name.failed()) {
      EXPECT_EQ(by_name.error().message, by_mask.error().message) << trace;
      EXPECT_EQ(by_name.error().issues.size(), by_mask.error().issues.size()) << trace;
    }
  }
}

}  // namespace

TEST(JsonWriterEscaping, EveryByteAtEveryOffsetOfAWord) {
  for (int b = 0; b < 256; ++b)
    for (std::size_t at = 0; at < 19; ++at) {
      std::string s(19, 'a');
      s[at] = static_cast<char>(b);
      expect_same(s);
      expect_same(s.substr(0, at + 1));
    }
}

TEST(JsonWriterEscaping, RandomStringsAsTheByteWriterWroteThem) {
  // Pieces that straddle the 8-byte words: escapes, UTF-8 of every length, bad and cut sequences.
  const std::vector<std::string> pieces = {"a",
                                           "Bench Partner ",
                                           "@",
                                           "\"",
                                           "\\",
                                           "\n",
                                           "\x01",
                                           "\x1f",
                                           " ",
                                           "\x7f",
                                           "\xc3\xa9",
                                           "\xe2\x82\xac",
                                           "\xf0\x9f\x98\x80",
                                           "\x80",
                                           "\xc3",
                                           "\xe2\x82",
                                           "\xf0\x9f\x98",
                                           "\xff",
                                           "\xed\xa0\x80",
                                           "\xc0\xaf",
                                           "/",
                                           "partner-12345678"};
  std::mt19937 rng(4);
  for (int i = 0; i < 20000; ++i) {
    std::string s;
    const int n = static_cast<int>(rng() % 12);
    for (int k = 0; k < n; ++k) s += pieces[rng() % pieces.size()];
    expect_same(s);
  }
}

TEST(JsonWriterEscaping, KeysAndMembersStayAsTheyWere) {
  std::string out;
  JsonWriter w(out);
  w.begin_object();
  w.key("name");
  w.string("Ana \"A\" Lima");
  w.key("tags");
  w.begin_array();
  w.string("vip");
  w.string("e\\mea\t");
  w.end_array();
  w.key("k\x01");
  w.boolean(true);
  w.end_object();
  EXPECT_EQ(out, R"({"name":"Ana \"A\" Lima","tags":["vip","e\\mea\t"],"k\u0001":true})");
  EXPECT_TRUE(w.utf8_ok());
}

TEST(JsonWriterEscaping, KeysOfEveryLengthAndByteAsTheByteWriterWroteThem) {
  std::mt19937 rng(9);
  for (std::size_t len = 0; len < 48; ++len)
    for (int round = 0; round < 40; ++round) {
      std::string k(len, 'k');
      if (round % 2)
        for (auto& c : k) c = static_cast<char>(round < 20 ? 'a' + rng() % 26 : rng() % 256);
      bool bad = false;
      const std::string want = "{\"a\":1," + reference(k, bad) + ":2}";
      std::string got;
      JsonWriter w(got);
      w.begin_object();
      w.key("a");
      w.int64(1);
      w.key(k);
      w.int64(2);
      w.end_object();
      ASSERT_EQ(got, want) << "a key of " << len << " bytes";
      EXPECT_EQ(w.utf8_ok(), !bad);
    }
}

TEST(JsonWriterEscaping, StringMemberIsKeyThenStringByteForByte) {
  // Keys and values around the one-append path's limits (32 and 96 bytes), clean or needing care, after
  // a member, first in an object and inside an array of objects; the bad-UTF-8 key it reports too.
  const std::vector<std::string> pieces = {
      "a",    "partner-12345678", "\"", "\\", "\n", "\x01", "\xc3\xa9", "\xc3", "\xff", "/", " ",
      "\x7f", "Bench Partner "};
  std::mt19937 rng(11);
  const auto random_text = [&](std::size_t max_pieces) {
    std::string t;
    const std::size_t n = rng() % (max_pieces + 1);
    for (std::size_t k = 0; k < n; ++k) t += pieces[rng() % pieces.size()];
    if (rng() % 3 == 0) t.append(rng() % 120, 'x');  // across the inline limits
    return t;
  };
  for (int round = 0; round < 20000; ++round) {
    const std::string k1 = random_text(3), v1 = random_text(6), k2 = random_text(3), v2 = random_text(6);
    const int shape = round % 3;
    std::string want, got;
    JsonWriter a(want), b(got);
    for (JsonWriter* w : {&a, &b}) {
      if (shape == 2) w->begin_array();
      w->begin_object();
      if (shape == 1) {
        w->key("n");
        w->int64(1);
      }
    }
    a.key(k1);
    a.string(v1);
    a.key(k2);
    a.string(v2);
    b.string_member(k1, v1);
    b.string_member(k2, v2);
    for (JsonWriter* w : {&a, &b}) {
      w->end_object();
      if (shape == 2) {
        w->begin_object();
        w->end_object();
        w->end_array();
      }
    }
    ASSERT_EQ(got, want) << "round " << round;
    ASSERT_EQ(b.utf8_ok(), a.utf8_ok());
    ASSERT_EQ(b.bad_utf8_key(), a.bad_utf8_key());
  }
}

TEST(SpecFields, SetsByIndexAgreesWithSetsByName) {
  pk::PartnerSpec spec;
  spec.email = "a@b.co";
  for (std::size_t i = 0; i < std::size(pk::partner_spec_fields); ++i)
    EXPECT_EQ(pk::adapter_kit::sets_field(spec, i), i == 0) << pk::partner_spec_fields[i];
  spec.name = "n";
  spec.tags = {"t"};
  spec.link.emplace();
  spec.vendor_overrides["dub"] = boost::json::object{{"x", 1}};
  for (std::size_t i = 0; i < std::size(pk::partner_spec_fields); ++i) {
    const std::string_view f = pk::partner_spec_fields[i];
    EXPECT_EQ(pk::adapter_kit::sets(spec, f), pk::adapter_kit::sets_field(spec, i)) << f;
    EXPECT_EQ(pk::adapter_kit::sets_field(spec, i),
              f == "email" || f == "name" || f == "tags" || f == "link" || f == "vendor_overrides")
        << f;
  }
  EXPECT_FALSE(pk::adapter_kit::sets(spec, "nickname"));
  EXPECT_FALSE(pk::adapter_kit::sets_field(spec, std::size(pk::partner_spec_fields)));
}

TEST(SpecFields, DroppingByMaskDropsWhatDroppingByNameDrops) {
  // Every subset of a few fields set, against a carried list as an adapter declares it.
  constexpr std::string_view carried[] = {"email", "name", "referral_key",
                                          "tags",  "link", "vendor_overrides"};
  const auto mask = pk::adapter_kit::Dropper::declared_mask(carried);
  for (unsigned set = 0; set < 64; ++set) {
    pk::PartnerSpec spec;
    spec.email = "a@b.co";
    if (set & 1) spec.name = "n";
    if (set & 2) spec.company = "c";
    if (set & 4) spec.tags = {"t"};
    if (set & 8) spec.invite = true;
    if (set & 16) spec.custom_fields.push_back({.id = 1, .type = "text", .value = "v"});
    if (set & 32) spec.vendor_overrides["x"] = boost::json::object{};
    expect_same_drops(spec, carried, mask, static_cast<int>(set));
  }
}

TEST(JsonWriterEscaping, StringMemberEveryByteAtEveryOffsetOfShortTexts) {
  // The one-append path's plainness test reads 4- and 8-byte words: every byte at every place of keys
  // and values of 1 to 20 bytes, as the byte writer writes them.
  for (std::size_t len = 1; len <= 20; ++len)
    for (std::size_t at = 0; at < len; ++at)
      for (int b = 0; b < 256; ++b) {
        std::string t(len, 'v');
        t[at] = static_cast<char>(b);
        bool bad = false;
        const std::string want = "{" + reference(t, bad) + ":\"value\",\"key\":" + reference(t, bad) + "}";
        std::string got;
        JsonWriter w(got);
        w.begin_object();
        w.string_member(t, "value");
        w.string_member("key", t);
        w.end_object();
        ASSERT_EQ(got, want) << len << " " << at << " " << b;
      }
}

TEST(SpecFields, DroppingByMaskDropsEveryFieldInOrderAsByName) {
  // Every field set, against random carried lists: the mask's set-field pass names each field dropped,
  // in partner_spec_fields' order, as the by-name loop does.
  pk::PartnerSpec spec;
  spec.email = "a@b.co";
  spec.name = spec.first_name = spec.last_name = spec.company = spec.referral_key = spec.external_id =
      spec.image = spec.country = spec.description = spec.group = spec.password = "x";
  spec.tags = {"t"};
  spec.partner_type = pk::PartnerType{};
  spec.referrer.emplace();
  spec.contacts.emplace_back();
  spec.invite = false;
  spec.link.emplace();
  spec.custom_fields.push_back({.id = 1, .type = "text", .value = "v"});
  spec.vendor_overrides["x"] = boost::json::object{};
  for (std::size_t i = 0; i < std::size(pk::partner_spec_fields); ++i)
    ASSERT_TRUE(pk::adapter_kit::sets_field(spec, i)) << pk::partner_spec_fields[i];
  std::mt19937 rng(12);
  for (int round = 0; round < 200; ++round) {
    std::vector<std::string_view> carried;
    for (const auto f : pk::partner_spec_fields)
      if (rng() % 2) carried.push_back(f);
    const auto mask = pk::adapter_kit::Dropper::declared_mask(carried);
    expect_same_drops(spec, carried, mask, round);
  }
}
