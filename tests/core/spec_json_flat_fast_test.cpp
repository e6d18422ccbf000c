// FlatSpecParser's fast path (the simple JSON scanner, partnerkit/detail/simple_json.hpp) against the same
// parser with Boost.JSON alone (parse_with_boost): the same verdict and the same spec for every line, on
// chosen edges, on every seed of the input and spec fuzzers (fuzz/corpus/spec_json, input_jsonl), and on
// random lines mutated byte by byte; and the flat lines of a CRM export take the fast path.
#include "detail/spec_json_flat.hpp"
#include "json_mutation.hpp"

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>
#include <string>
#include <vector>

namespace pk = partnerkit;

namespace {

const std::vector<std::string> no_extras;
const std::vector<std::string> partner_id{"partner_id"};

// "" when the fast path and Boost.JSON agree on `line`, else what differs. `fast` counts the lines the
// scanner decided.
std::string differ(const std::string& line, const std::vector<std::string>& extras = no_extras,
                   int* fast = nullptr) {
  static pk::detail::FlatSpecParser flat;
  pk::PartnerSpec by_fast, by_boost;
  const bool a = flat.parse(line, by_fast, extras);
  const bool scanned = flat.read_by_simple_scan();
  const bool b = flat.parse_with_boost(line, by_boost, extras);
  if (flat.read_by_simple_scan()) return "parse_with_boost says it took the fast path";
  if (scanned && !a) return "the fast path refused";  // it gives up, never refuses
  if (fast && scanned) ++*fast;
  if (a != b) return a ? "accepted by the fast path only" : "accepted by Boost.JSON only";
  if (a && !(by_fast == by_boost)) return "the specs differ";
  return "";
}

bool read_fast(const std::string& line, const std::vector<std::string>& extras = no_extras) {
  static pk::detail::FlatSpecParser flat;
  pk::PartnerSpec spec;
  return flat.parse(line, spec, extras) && flat.read_by_simple_scan();
}

std::string slurp(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

}  // namespace

TEST(SpecJsonFlatFast, TheFlatLinesTakeTheFastPath) {
  for (const char* line : {
           R"({"email":"p1@bench.example","name":"Bench Partner 1","referral_key":"partner-1",)"
           R"("external_id":"crm-1","country":"US"})",
           R"({"email":"a@b.co","tags":["x","\"y\"",""],"invite":true})",
           R"({"tags":[],"invite":false,"partner_type":"reseller"})",
           R"(  {"partner_type":"referral"}  )",
           "{}",
           R"({"\u0065mail":"a\u0040b.co","na\u006de":"\ud83d\ude00"})",
           " \t{ \"email\" : \"a@b.co\" ,\r\n\"tags\" : [ \"x\" , \"y\" ] , \"invite\" : false } \n",
           "{\"name\":\"\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80\",\"link\":null,\"referrer\":null}",
           R"({"invite" :  true, "group":"g"})",
       }) {
    SCOPED_TRACE(line);
    EXPECT_EQ(differ(line), "");
    EXPECT_TRUE(read_fast(line));
  }
  EXPECT_TRUE(read_fast(R"({"email":"a@b.co"})", partner_id));
}

TEST(SpecJsonFlatFast, EdgesAgreeWithBoost) {
  // The scanner gives up on some (a number, a control byte, a comment), the rules refuse others; the
  // answer is Boost.JSON's either way.
  const std::vector<std::string> lines = {
      "",
      " ",
      "null",
      "true",
      "[]",
      R"(["x"])",
      "\"x\"",
      "1",
      "{",
      "}",
      R"({"email":"a@b.co"} x)",
      R"({"email":"a@b.co"}{})",
      R"({"email":1})",
      R"({"email":1.5e3})",
      R"({"email":true})",
      R"({"invite":true,"invite":false})",
      R"({"invite":null})",
      R"({"invite":"true"})",
      R"({"invite":tru})",
      R"({"tags":[true]})",
      R"({"tags":"x"})",
      R"({"tags":[1]})",
      R"({"tags":[null]})",
      R"({"tags":[["x"]]})",
      R"({"tags":[{}]})",
      R"({"tags":null})",
      R"({"partner_type":"other"})",
      R"({"partner_type":"referra\u006c"})",
      R"({"link":{}})",
      R"({"referrer":{"id":"x"}})",
      R"({"contacts":[]})",
      R"({"unknown":"x"})",
      R"({"email":"a@b.co","email":"c@d.co"})",
      R"({"email":"a@b.co","\u0065mail":"c@d.co"})",
      R"({"partner_id":"x"})",
      "{\"name\":\"\xff\"}",
      "{\"name\":\"\xc3\"}",
      "{\"name\":\"\xed\xa0\x80\"}",
      "{\"name\":\"a\tb\"}",
      "{\"name\":\"a\x7f\"}",
      R"({"name":"\ud800"})",
      R"({"name":"\udc00\ud800"})",
      R"({"name":"\x"})",
      R"({"email":"a@b.co",})",
      R"({"email":"a@b.co"}/**/)",
      R"({"email"/**/:"a@b.co"})",
      "\f{}",
      "{}\f",
      std::string("{}\0", 3),
      std::string("{\"name\":\"a\0b\"}", 15),
      "{\"name\":\"" + std::string(70000, 'n') + "\"}",
      R"({"name":"x")" + std::string(40, ' ') + "}",
      std::string(40, '[') + std::string(40, ']'),
      R"({"tags":[)" + std::string(40, '[') + std::string(40, ']') + "]}",
  };
  for (const auto& line : lines) {
    SCOPED_TRACE(line.substr(0, 80));
    EXPECT_EQ(differ(line), "");
    EXPECT_EQ(differ(line, partner_id), "");
  }
  EXPECT_FALSE(read_fast(R"({"email":"a@b.co"})", std::vector<std::string>{"email"}));
}

// The seeds of the spec and input fuzzers, each file whole and line by line.
TEST(SpecJsonFlatFast, EveryFuzzSeedAgrees) {
  namespace fs = std::filesystem;
  const char* root = std::getenv("PARTNERKIT_SOURCE_DIR");
  ASSERT_NE(root, nullptr);
  int lines = 0, fast = 0;
  for (const char* corpus : {"spec_json", "input_jsonl"}) {
    for (const auto& entry : fs::directory_iterator(fs::path(root) / "fuzz" / "corpus" / corpus)) {
      const std::string text = slurp(entry.path());
      SCOPED_TRACE(entry.path().filename().string());
      EXPECT_EQ(differ(text, no_extras, &fast), "");
      std::istringstream in(text);
      for (std::string line; std::getline(in, line); ++lines) {
        SCOPED_TRACE(line);
        EXPECT_EQ(differ(line, no_extras, &fast), "");
        EXPECT_EQ(differ(line, partner_id), "");
      }
    }
  }
  EXPECT_GE(lines, 10);
  EXPECT_GT(fast, 5);
}

namespace {

// Lines of the spec's shape (and some outside it), then mutated byte by byte.
class Lines {
 public:
  explicit Lines(unsigned seed) : rng_(seed) {}

  std::string line() {
    std::string s = space() + "{";
    const std::size_t n = pick(7);
    for (std::size_t m = 0; m < n; ++m) {
      if (m) s += space() + "," + space();
      s += string_of(key()) + space() + ":" + space() + value();
    }
    return s + space() + "}" + space();
  }

  std::string mutate(std::string s) { return pk::test::mutate_json(std::move(s), rng_); }

 private:
  std::size_t pick(std::size_t n) { return std::uniform_int_distribution<std::size_t>(0, n - 1)(rng_); }
  std::string space() {
    static constexpr const char* spaces[] = {"", "", "", "", "", " ", "\n", "\t\r ", "  "};
    return spaces[pick(9)];
  }
  std::string key() {
    static constexpr const char* keys[] = {"email",
                                           "name",
                                           "first_name",
                                           "last_name",
                                           "company",
                                           "referral_key",
                                           "image",
                                           "country",
                                           "description",
                                           "tags",
                                           "group",
                                           "partner_type",
                                           "invite",
                                           "password",
                                           "link",
                                           "referrer",
                                           "contacts",
                                           "custom_fields",
                                           "vendor_overrides",
                                           "external_id",
                                           "partner_id",
                                           "Email",
                                           "emailx",
                                           "",
                                           "e",
                                           "\\u0065mail",
                                           "ta\\u0067s",
                                           "inv\\u0069te"};
    return keys[pick(std::size(keys))];
  }
  std::string text() {
    static constexpr const char* texts[] = {"",
                                            "x",
                                            "US",
                                            "a@b.co",
                                            " padded ",
                                            "referral",
                                            "reseller",
                                            "referra\\u006c",
                                            "\\u00e9\\t",
                                            "\\ud83d\\ude00",
                                            "\\\"q\\\"",
                                            "\xc3\xa9t\xc3\xa9",
                                            "\xe2\x82\xac",
                                            "\xf0\x9f\x98\x80",
                                            "Bench Partner 12345 with a longer name",
                                            "p12345@bench.example"};
    return texts[pick(std::size(texts))];
  }
  static std::string string_of(const std::string& t) { return "\"" + t + "\""; }
  std::string value() {
    switch (pick(12)) {
      case 0:
        return "null";
      case 1:
        return "true";
      case 2:
        return "false";
      case 3:
        return pick(2) ? "12" : "-0.5";
      case 4: {
        std::string a = "[" + space();
        const std::size_t n = pick(4);
        for (std::size_t i = 0; i < n; ++i)
          a += (i ? "," : "") + space() + (pick(8) ? string_of(text()) : value());
        return a + space() + "]";
      }
      case 5:
        return pick(2) ? "{}" : R"({"id":"r"})";
      default:
        return string_of(text());
    }
  }
  std::mt19937 rng_;
};

}  // namespace

TEST(SpecJsonFlatFast, RandomAndMutatedLinesAgreeWithBoost) {
  Lines gen(11);
  int fast = 0, accepted_lines = 0;
  for (int i = 0; i < 40000; ++i) {
    std::string line = gen.line();
    if (i % 2) line = gen.mutate(std::move(line));
    const auto& extras = i % 3 ? no_extras : partner_id;
    const std::string d = differ(line, extras, &fast);
    EXPECT_EQ(d, "") << line;
    if (!d.empty()) break;
    pk::PartnerSpec spec;
    static pk::detail::FlatSpecParser flat;
    accepted_lines += flat.parse(line, spec, extras);
  }
  EXPECT_GT(fast, 2000);
  EXPECT_GT(accepted_lines, 2000);
}
