// JsonPick's fast path (core/include/partnerkit/detail/simple_json.hpp) against Boost.JSON's parser alone:
// the same verdict and the same picks on chosen edges, on every seed of fuzz/corpus/decode_dub_pick, and on
// random and mutated bodies; and the bodies meant to take the fast path do take it.
#include <partnerkit/adapter_kit/json_pick.hpp>
#include <partnerkit/testing/fuzz_decode.hpp>

#include "json_mutation.hpp"
#include "json_pick_diff.hpp"

#include <gtest/gtest.h>
#include <boost/json/parse.hpp>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <random>
#include <sstream>
#include <string>
#include <vector>

namespace partnerkit {
namespace {

using adapter_kit::PickPlan;
using test::json_pick_paths_differ;

// Dub's plan (adapters/src/dub/decode.cpp) and one whose names share lengths and nest in each other.
constexpr std::string_view dub_members[] = {"id", "email", "name", "status", "createdAt", "tenantId"};
constexpr std::string_view dub_link_members[] = {"shortLink", "id", "key", "domain"};
constexpr std::string_view other_members[] = {"a", "b", "ab", "", "x", "links"};
constexpr std::string_view other_link_members[] = {"a", "b", "c", "ab"};
const PickPlan plans[] = {
    {.members = dub_members, .array = "links", .element_members = dub_link_members},
    {.members = other_members, .array = "x", .element_members = other_link_members},
    {.members = other_members, .array = "", .element_members = {}},
};

// Every plan; the bodies the fast path read counted.
std::string differ(std::string_view body, int* fast_reads = nullptr) {
  for (const auto& plan : plans) {
    bool fast = false;
    if (auto d = json_pick_paths_differ(plan, body, &fast); !d.empty()) return d;
    if (fast && fast_reads && &plan == &plans[0]) ++*fast_reads;
  }
  return {};
}

bool read_fast(std::string_view body) {
  adapter_kit::JsonPick pick(plans[0]);
  pick.parse(body);
  return pick.read_by_simple_scan();
}

TEST(JsonPickSimple, TheSubsetIsReadByTheScannerAndAgrees) {
  const std::vector<std::string> simple = {
      R"({"id":"pn_1","email":"a@b.c","links":[{"shortLink":"s","id":"l"},null,1,"x",[],{}],"n":-0.5})",
      " \t\r\n{ \"id\" : \"a\" , \"links\" : [ { \"key\" : \"k\" } ] } \n",
      R"({"id":"a","id":"b","links":[{"key":1}],"links":[{"key":"2","key":"3"}],"x":[true,false,null]})",
      "{\"id\":\"\x7f~ !#[]\"}",                               // DEL is a plain character to JSON
      R"({"n":[0,-0,1,-1,10,0.0,123456789012345678901234]})",  // 24 characters: the longest
      std::string(32, '[') + std::string(32, ']'),
      "[]",
      "{}",
      "\"s\"",
      "0",
      "true",
      "null",
      // Well-formed UTF-8 at each length and edge: U+0080, U+07FF, U+0800, U+D7FF, U+E000, U+FFFE (a
      // noncharacter is still well-formed), U+10000, U+10FFFF; in keys too.
      "{\"id\":"
      "\"\xc2\x80\xdf\xbf\xe0\xa0\x80\xed\x9f\xbf\xee\x80\x80\xef\xbf\xbe\xf0\x90\x80\x80\xf4\x8f\xbf\xbf\"}",
      "{\"caf\xc3\xa9\":1,\"name\":\"Ana L\xc3\xb3pez \xf0\x9f\x98\x80\"}",
      // Escapes where no text is kept: a member not read, a key deeper than those read.
      R"({"x":"a\"b\\c\/d\b\f\n\r\t\u00e9\uD83D\uDE00\uffff","id":"pn","y":{"i\u0064":"\u0000"}})",
      R"({"links":[{"url":"https:\/\/x","key":"k"},"\"s\""]})",
      // Escapes in a text kept or a key compared: unescaped as Boost.JSON does (every escape, every
      // UTF-8 length, a pair, NUL), the last of duplicates still counting.
      R"({"id":"a\u0062\"\\\/\b\f\n\r\t\u0000\u007f\u0080\u07FF\u0800\uFFFF\ud800\udc00\uDBFF\uDFFF"})",
      R"({"i\u0064":"a","id":"b","\u0069d":"c","email":"\"x\"@y"})",
      R"({"links":[{"ke\u0079":"k","key":"\n","\u0073hortLink":"https:\/\/dub.sh\/a"}]})",
      R"({"name":"Ana \"Annie\" L\u00f3pez","links":"\u006c"})",
  };
  for (const auto& b : simple) {
    SCOPED_TRACE(b);
    EXPECT_EQ(differ(b), "");
    EXPECT_TRUE(read_fast(b));
  }
}

TEST(JsonPickSimple, OutsideTheSubsetBoostDecides) {
  const std::vector<std::string> other = {
      R"({"x":"\udc00"})",  // bad escapes: refused
      R"({"x":"\ud83d"})",
      R"({"x":"\ud83dx"})",
      R"({"x":"\ud83d\u0041"})",
      R"({"x":"\udc00\udc00"})",
      R"({"x":"\ud83d\ud83d"})",
      R"({"x":"\ud83d\n"})",
      R"({"x":"\ud83d\ude0"})",
      R"({"x":"\q"})",
      R"({"x":"\u12"})",
      R"({"x":"\u12G4"})",
      R"({"x":"\)",
      R"({"x":"\u)",
      R"({"x":"\ud83d\)",
      "{\"id\":\"\xc3\"}",  // broken UTF-8 (cut short, a lone tail, overlong, a surrogate, too high): refused
      "{\"id\":\"\xc3\xa9\xa9\"}",
      "{\"id\":\"\xc0\x80\"}",
      "{\"id\":\"\xc1\xbf\"}",
      "{\"id\":\"\xe0\x9f\xbf\"}",
      "{\"id\":\"\xed\xa0\x80\"}",
      "{\"id\":\"\xf0\x8f\xbf\xbf\"}",
      "{\"id\":\"\xf4\x90\x80\x80\"}",
      "{\"id\":\"\xf5\x80\x80\x80\"}",
      "{\"id\":\"\xe2\x82\"}",
      "{\"id\":\"\xf0\x9f\x98\"}",
      "{\"id\":\"\xff\"}",
      "\"\xe2\x82",
      "\"\xe2\x82\xac",
      "{\"id\":\"a\x01\"}",  // a control byte: refused
      R"({"n":1e5})",
      R"({"n":1E5})",
      R"({"n":1234567890123456789012345})",
      R"({"n":1.5e-3})",
      R"({"n":01})",
      R"({"n":1.})",
      R"({"n":-})",
      R"({"n":.5})",
      R"({"n":+1})",
      R"({"n":0x1})",
      std::string(33, '[') + std::string(33, ']'),
      std::string(64, '[') + std::string(64, ']'),
      std::string(65, '[') + std::string(65, ']'),
      "",
      " ",
      "{",
      "}",
      "{} x",
      "{}{}",
      R"({"a":1,})",
      R"([1,])",
      R"({"a" 1})",
      R"({,})",
      "{/*c*/}",
      "tru",
      "nul",
      "falsy",
      "nan",
      "\xef\xbb\xbf{}",
      R"({"a":"b)",
      "[\"a\"\"b\"]",
      "{\"a\":1\x0b}",
      std::string("{\"a\":\"\0\"}", 8),
      std::string("{\"a\":1}\0", 8),
  };
  for (const auto& b : other) {
    SCOPED_TRACE(b);
    EXPECT_EQ(differ(b), "");
    EXPECT_FALSE(read_fast(b));
  }
}

// The seeds of the Dub pick fuzzer: edges found and chosen there (fuzz/corpus/decode_dub_pick).
TEST(JsonPickSimple, EveryDubPickSeedAgrees) {
  namespace fs = std::filesystem;
  const char* root = std::getenv("PARTNERKIT_SOURCE_DIR");
  ASSERT_NE(root, nullptr);
  const fs::path dir = fs::path(root) / "fuzz" / "corpus" / "decode_dub_pick";
  int seeds = 0, fast = 0;
  bool bench_fast = false;
  for (const auto& entry : fs::directory_iterator(dir)) {
    std::ifstream in(entry.path(), std::ios::binary);
    std::stringstream ss;
    ss << in.rdbuf();
    const auto response = testing::response_from_bytes(ss.str());
    SCOPED_TRACE(entry.path().filename().string());
    EXPECT_EQ(differ(response.body, &fast), "");
    if (entry.path().filename() == "bench_201.txt") bench_fast = read_fast(response.body);
    ++seeds;
  }
  EXPECT_GE(seeds, 50);
  EXPECT_GT(fast, 0);
  EXPECT_TRUE(bench_fast);  // the answer the cost is measured on takes the fast path
}

// Random JSON of the subset's shape (and some outside it), then mutated byte by byte.
class Bodies {
 public:
  explicit Bodies(unsigned seed) : rng_(seed) {}
  std::string value(int depth) {
    switch (pick(depth > 4 ? 6 : 8)) {
      case 0:
        return "null";
      case 1:
        return pick(2) ? "true" : "false";
      case 2:
        return number();
      case 3:
      case 4:
      case 5:
        return string();
      case 6:
        return container(depth, '[', ']');
      default:
        return container(depth, '{', '}');
    }
  }
  std::string mutate(std::string s) { return test::mutate_json(std::move(s), rng_); }

 private:
  std::size_t pick(std::size_t n) { return std::uniform_int_distribution<std::size_t>(0, n - 1)(rng_); }
  std::string space() {
    static constexpr const char* spaces[] = {"", "", "", "", " ", "\n", "\t\r ", "  "};
    return spaces[pick(8)];
  }
  std::string number() {
    static constexpr const char* numbers[] = {"0",
                                              "-0",
                                              "7",
                                              "-12",
                                              "3.25",
                                              "0.5",
                                              "-0.125",
                                              "1e3",
                                              "2E-2",
                                              "12345678901234567890",
                                              "123456789012345678901234567"};
    return numbers[pick(11)];
  }
  std::string string() {
    static constexpr const char* names[] = {"id",
                                            "email",
                                            "name",
                                            "status",
                                            "createdAt",
                                            "tenantId",
                                            "links",
                                            "shortLink",
                                            "key",
                                            "domain",
                                            "a",
                                            "b",
                                            "ab",
                                            "",
                                            "x",
                                            "c",
                                            "i\\u0064",
                                            "caf\xc3\xa9",
                                            "\xe2\x82\xac \xf0\x9f\x98\x80",
                                            "a\\\"b\\n\\/",
                                            "\\ud83d\\ude00\\u00E9",
                                            "\\udc00",
                                            "\\ud83d",
                                            "\\q",
                                            "https://dub.sh/p-1",
                                            "2026-01-01T00:00:00Z"};
    return "\"" + std::string(names[pick(std::size(names))]) + "\"";
  }
  std::string container(int depth, char open, char close) {
    std::string s(1, open);
    s += space();
    for (std::size_t n = pick(5), i = 0; i < n; ++i) {
      if (i) s += "," + space();
      if (open == '{') s += string() + space() + ":" + space();
      s += value(depth + 1) + space();
    }
    return s + close;
  }
  std::mt19937 rng_;
};

TEST(JsonPickSimple, RandomAndMutatedBodiesAgree) {
  constexpr int n = 50000;
  Bodies bodies(20261203);
  int fast = 0, mutated_fast = 0;
  for (int i = 0; i < n; ++i) {
    const std::string body = bodies.value(0);
    ASSERT_EQ(differ(body, &fast), "") << body;
    const std::string mutated = bodies.mutate(body);
    ASSERT_EQ(differ(mutated, &mutated_fast), "") << mutated;
  }
  // Both ways are exercised: most generated bodies are simple, and some mutants still are.
  std::printf("simple: %d of %d generated, %d of %d mutated\n", fast, n, mutated_fast, n);
  EXPECT_GT(fast, n / 2);
  EXPECT_GT(mutated_fast, n / 20);
}

}  // namespace
}  // namespace partnerkit

namespace partnerkit {
namespace {

// Names of every length from 0 to 40 against keys that differ from them in one byte, anywhere: the key
// compare (inline word loads up to 16 bytes) finds exactly the equal ones, as the tree's lookup does.
TEST(JsonPickSimple, KeysOfEveryLengthMatchOnlyThemselves) {
  std::vector<std::string> storage;
  for (std::size_t n = 0; n <= 40; ++n) {
    std::string name(n, 'k');
    for (std::size_t i = 0; i < n; ++i) name[i] = static_cast<char>('a' + (i * 7 + n) % 26);
    storage.push_back(name);
  }
  std::vector<std::string_view> names(storage.begin(), storage.end());
  const adapter_kit::PickPlan plan{.members = names, .array = "", .element_members = {}};
  for (std::size_t n = 1; n <= 40; ++n)
    for (std::size_t at = 0; at < n; ++at) {
      std::string near = storage[n];
      near[at] = near[at] == 'z' ? 'y' : static_cast<char>(near[at] + 1);
      // The near miss last, the name first: a wrong match would overwrite the right text.
      const std::string body = "{\"" + storage[n] + "\":\"yes\",\"" + near + "\":\"no\"}";
      adapter_kit::JsonPick pick(plan);
      ASSERT_TRUE(pick.parse(body));
      const auto tree = boost::json::parse(body).as_object();
      for (std::size_t i = 0; i < names.size(); ++i) {
        const auto* v = tree.if_contains(names[i]);
        const std::string want = v ? std::string(v->as_string()) : "(none)";
        const auto* got = pick.member(i).string();
        ASSERT_EQ(got ? std::string(*got) : "(none)", want) << body << " name " << i;
      }
    }
}

}  // namespace
}  // namespace partnerkit
