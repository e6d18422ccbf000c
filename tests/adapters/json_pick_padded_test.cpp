// JsonPick's fast path reads a padded copy of the body (partnerkit/detail/simple_json.hpp) with 16-byte
// windows and a first-byte filter on keys: the edges of that copy, of the windows and of the element
// slots, against Boost.JSON's parser alone (json_pick_diff.hpp also checks that a text kept is a view
// into the body itself, not into the copy).
#include <partnerkit/adapter_kit/json_pick.hpp>

#include "../../bench/support/dub_bench_201.hpp"
#include "json_pick_diff.hpp"

#include <gtest/gtest.h>
#include <boost/json/parse.hpp>

#include <string>
#include <vector>

namespace partnerkit {
namespace {

using adapter_kit::PickPlan;

constexpr std::string_view dub_members[] = {"id", "email", "name", "status", "createdAt", "tenantId"};
constexpr std::string_view dub_link_members[] = {"shortLink", "id", "key", "domain"};
const PickPlan dub{.members = dub_members, .array = "links", .element_members = dub_link_members};

std::string differ(std::string_view body, bool* fast = nullptr) {
  return test::json_pick_paths_differ(dub, body, fast);
}

// Every prefix of the bench answer, as a view into a longer buffer (the scanner must not read past it).
TEST(JsonPickPadded, EveryPrefixOfTheBenchAnswerAgrees) {
  const std::string body = bench::dub_bench_201("ana.lopez@example.com", "crm-000042");
  const std::string longer = body + "\"x\",1}";
  for (std::size_t n = 0; n <= body.size(); ++n) {
    SCOPED_TRACE(n);
    ASSERT_EQ(differ(std::string_view(longer.data(), n)), "");
  }
  bool fast = false;
  EXPECT_EQ(differ(body, &fast), "");
  EXPECT_TRUE(fast);
}

// Keys and strings of every length at every offset from a 16-byte window, with a byte the window's
// mask stops at (an escape, UTF-8, a control byte, NUL) at the window's edges.
TEST(JsonPickPadded, StringsAcrossEveryWindowAgree) {
  const std::vector<std::string> specials = {
      "", "\\\"", "\\u00e9", "\xc3\xa9", "\xe2\x82\xac", "\x01", std::string(1, '\0'), "\\"};
  int fast = 0, total = 0;
  for (std::size_t pad = 0; pad <= 16; ++pad)
    for (std::size_t len = 0; len <= 34; ++len)
      for (const auto& sp : specials)
        for (std::size_t at : {len / 2, len > 0 ? len - 1 : 0, std::size_t{15}}) {
          std::string value(len, 'v');
          if (!sp.empty() && at <= len) value.insert(at, sp);
          const std::string key = std::string("id").substr(0, len % 3) + std::string(len % 5, 'k');
          const std::string body = "{\"pad\":\"" + std::string(pad, 'x') + "\",\"" + key + "\":\"" + value +
                                   "\",\"email\":\"" + value + "\",\"links\":[{\"id\":\"" + value + "\"}]}";
          bool f = false;
          ASSERT_EQ(differ(body, &f), "") << body;
          fast += f;
          ++total;
        }
  EXPECT_GT(fast, total / 3);
}

// Names of 1-20 bytes (more than 32: compared byte by byte, and 20 of them in the table) against keys
// equal to them or one byte off, the first byte off by 64 too (the same low 6 bits: past the filter).
TEST(JsonPickPadded, KeysMatchOnlyThemselvesPastTheFilter) {
  for (std::size_t count : {std::size_t{20}, std::size_t{40}}) {
    std::vector<std::string> storage;
    for (std::size_t i = 0; i < count; ++i) {
      std::string name(1 + i % 20, 'a');
      for (std::size_t b = 0; b < name.size(); ++b) name[b] = static_cast<char>('a' + (b * 7 + i) % 26);
      storage.push_back(name);
    }
    std::vector<std::string_view> names(storage.begin(), storage.end());
    const PickPlan plan{.members = names, .array = "", .element_members = {}};
    for (const auto& name : storage)
      for (std::size_t at = 0; at < name.size(); ++at)
        for (char delta : {1, 64}) {
          std::string near = name;
          near[at] = static_cast<char>(near[at] ^ delta);
          if (near[at] == '"' || near[at] == '\\') continue;  // not a key's byte unescaped
          const std::string body = "{\"" + name + "\":\"yes\",\"" + near + "\":\"no\"}";
          ASSERT_EQ(test::json_pick_paths_differ(plan, body), "") << body;
          adapter_kit::JsonPick pick(plan);
          ASSERT_TRUE(pick.parse(body));
          const auto tree = boost::json::parse(body).as_object();
          for (std::size_t i = 0; i < names.size(); ++i) {
            const auto* v = tree.if_contains(names[i]);
            const auto* got = pick.member(i).string();
            ASSERT_EQ(got ? std::string(*got) : "(none)", v ? std::string(v->as_string()) : "(none)") << body;
          }
        }
  }
}

// Arrays past the first room of element slots, a second "links" with fewer members, and a JsonPick
// parsed twice: slots not in use stay absent.
TEST(JsonPickPadded, ElementSlotsPastTheRoomAndOnReuse) {
  adapter_kit::JsonPick reused(dub);
  for (std::size_t n = 0; n <= 12; ++n) {
    std::string links, fewer;
    for (std::size_t e = 0; e < n; ++e) {
      links += std::string(e ? "," : "") + "{\"id\":\"l" + std::to_string(e) +
               "\",\"key\":\"k\",\"shortLink\":\"s\",\"domain\":\"d\"}";
      fewer += std::string(e ? "," : "") + (e % 2 ? "{}" : "{\"key\":\"only\"}");
    }
    for (const std::string& body :
         {"{\"id\":\"a\",\"links\":[" + links + "]}", "{\"links\":[" + links + "],\"links\":[" + fewer + "]}",
          "{\"links\":[" + links + "],\"links\":[" + fewer + (n ? "," : "") + "1,\"x\"]}"}) {
      bool fast = false;
      ASSERT_EQ(differ(body, &fast), "") << body;
      EXPECT_TRUE(fast) << body;
      adapter_kit::JsonPick fresh(dub);
      ASSERT_EQ(reused.parse(body), fresh.parse(body));
      ASSERT_EQ(reused.elements(), fresh.elements()) << body;
      for (std::size_t e = 0; e < fresh.elements(); ++e)
        for (std::size_t i = 0; i < std::size(dub_link_members); ++i)
          ASSERT_EQ(reused.element_member(e, i).kind, fresh.element_member(e, i).kind) << body;
    }
  }
}

// Bodies around the copy's 4 KB on the stack, and far past it (the heap copy).
TEST(JsonPickPadded, BodiesAroundAndPastTheStackCopy) {
  const std::string head = "{\"id\":\"pn\",\"x\":\"";
  for (std::size_t size : {4070, 4079, 4080, 4081, 4082, 4096, 4097, 20000}) {
    const std::string body = head + std::string(size - head.size() - 2, 'y') + "\"}";
    ASSERT_EQ(body.size(), size);
    bool fast = false;
    ASSERT_EQ(differ(body, &fast), "") << size;
    EXPECT_TRUE(fast) << size;
  }
}

}  // namespace
}  // namespace partnerkit
