// JsonPick (adapter_kit/json_pick.hpp) and Dub's 201 read without a tree (DecodeContext::keep_raw false):
// the same verdicts as parse_json, the members the tree gives, and DubAdapter::decode's two readers
// agreeing on bodies chosen to split them.
#include <partnerkit/adapter_kit/json_pick.hpp>
#include <partnerkit/adapters/dub.hpp>

#include "adapter_test_util.hpp"
#include "dub_paths_diff.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace partnerkit {
namespace {

using adapter_kit::JsonKind;
using adapter_kit::JsonPick;
using test::context_for;
using test::response;

constexpr std::string_view members[] = {"id", "name", "links"};
constexpr std::string_view link_members[] = {"shortLink", "key"};
const adapter_kit::PickPlan plan{.members = members, .array = "links", .element_members = link_members};

std::string text(const adapter_kit::PickedValue& v) {
  return v.string() ? std::string(*v.string()) : "(none)";
}

TEST(JsonPick, ReadsTheNamedMembersAndTheArraysElements) {
  JsonPick pick(plan);
  ASSERT_TRUE(pick.parse(
      R"({"x":{"id":"inner","links":[1]},"id":"pn_1","name":"A\u00e9","links":[{"shortLink":"s1","key":"k1",)"
      R"("deep":{"key":"no"}},null,{"key":"k3"},"s"],"tail":[{"id":"no"}]})"));
  EXPECT_EQ(pick.root(), JsonKind::object);
  EXPECT_EQ(text(pick.member(0)), "pn_1");
  EXPECT_EQ(text(pick.member(1)), "A\xc3\xa9");  // unescaped
  EXPECT_EQ(pick.member(2).kind, JsonKind::array);
  EXPECT_EQ(pick.array().kind, JsonKind::array);
  ASSERT_EQ(pick.elements(), 4u);
  EXPECT_EQ(pick.element_kind(0), JsonKind::object);
  EXPECT_EQ(text(pick.element_member(0, 0)), "s1");
  EXPECT_EQ(text(pick.element_member(0, 1)), "k1");
  EXPECT_EQ(pick.element_kind(1), JsonKind::null);
  EXPECT_EQ(pick.element_member(2, 0).kind, JsonKind::absent);
  EXPECT_EQ(text(pick.element_member(2, 1)), "k3");
  EXPECT_EQ(pick.element_kind(3), JsonKind::string);
}

TEST(JsonPick, TheLastOfDuplicateKeysCountsAsInTheTree) {
  JsonPick pick(plan);
  ASSERT_TRUE(
      pick.parse(R"({"id":"first","i\u0064":"second","links":[{"key":"a"}],"links":[{"key":"b","key":7}]})"));
  EXPECT_EQ(text(pick.member(0)), "second");
  ASSERT_EQ(pick.elements(), 1u);
  EXPECT_EQ(pick.element_member(0, 1).kind, JsonKind::number);
  JsonPick again(plan);
  ASSERT_TRUE(again.parse(R"({"id":"a","id":null,"links":[{"key":"a"}],"links":"no"})"));
  EXPECT_EQ(again.member(0).kind, JsonKind::null);
  EXPECT_EQ(again.array().kind, JsonKind::string);
  EXPECT_EQ(again.elements(), 0u);
}

TEST(JsonPick, RefusesExactlyWhatParseJsonRefuses) {
  const std::string deep63 = std::string(63, '[') + std::string(63, ']');
  const std::string deep65 = std::string(65, '[') + std::string(65, ']');
  const std::vector<std::string> bodies = {"{}",
                                           "",
                                           " ",
                                           "{} x",
                                           "{}{}",
                                           "{} \n",
                                           "{\"a\":1,}",
                                           "{/*c*/}",
                                           "[1,2]",
                                           "\"s\"",
                                           "nul",
                                           "1e999999",
                                           "-123456789012345678901234567890",
                                           "{\"a\":\"\xff\"}",
                                           "{\"\xc3\":1}",
                                           "{\"a\":\"\\ud800\"}",
                                           "{\"a\":\"\\x\"}",
                                           "{\"a\":\"\x01\"}",
                                           deep63,
                                           deep65,
                                           "{\"id\":" + std::string(64, '[') + std::string(64, ']') + "}",
                                           std::string(adapter_kit::max_decode_body_bytes + 1, ' ')};
  for (const auto& body : bodies) {
    boost::json::value tree;
    JsonPick pick(plan);
    EXPECT_EQ(pick.parse(body), adapter_kit::parse_json(body, tree)) << body.substr(0, 80);
  }
}

TEST(JsonPick, EscapedStringsOutliveTheParsersBuffers) {
  // Long escaped texts come in parts (on_string_part): kept whole in the pick's own storage.
  std::string escaped;
  for (int i = 0; i < 3000; ++i) escaped += "\\u00e9x";
  JsonPick pick(plan);
  ASSERT_TRUE(pick.parse(R"({"name":")" + escaped + R"(","id":"\"q\""})"));
  std::string want;
  for (int i = 0; i < 3000; ++i) want += "\xc3\xa9x";
  EXPECT_EQ(text(pick.member(1)), want);
  EXPECT_EQ(text(pick.member(0)), "\"q\"");
}

// ---------------------------------------------------------------- Dub: the two readers agree

std::string dub_body(std::string_view extra = {},
                     std::string_view links =
                         R"([{"id":"link_1","domain":"dub.sh","key":"ana",)"
                         R"("shortLink":"https://dub.sh/ana","url":"https://example.com"}])") {
  std::string s =
      R"({"id":"pn_1","name":"Ana Lima","companyName":null,"email":"ana@example.com","tenantId":"crm-42",)"
      R"("createdAt":"2025-06-01T12:00:01.000Z","status":"approved","links":)";
  s += links;
  s += extra;
  s += "}";
  return s;
}

PartnerSpec ana() {
  PartnerSpec s;
  s.email = "ana@example.com";
  s.external_id = "crm-42";
  s.referral_key = "ana";
  return s;
}

Result<Partner> without_raw(const std::string& body, const PartnerSpec& spec) {
  DecodeContext c = context_for(spec);
  c.keep_raw = false;
  return DubAdapter().decode(response(201, body), c);
}

void expect_same(const std::string& body) {
  const PartnerSpec spec = ana();
  PartnerSpec plain;
  plain.email = spec.email;
  EXPECT_EQ(test::dub_paths_differ(response(201, body), context_for(spec)), "") << body.substr(0, 200);
  EXPECT_EQ(test::dub_paths_differ(response(201, body), context_for(plain)), "") << body.substr(0, 200);
  EXPECT_EQ(test::dub_paths_differ(response(201, body), DecodeContext{}), "") << body.substr(0, 200);
}

TEST(DubPick, DuplicateIdKeysTheLastCounts) {
  const std::string body = dub_body(R"(,"id":"pn_second")");
  auto p = without_raw(body, ana());
  ASSERT_TRUE(p) << p.error().message;
  EXPECT_EQ(p->id, "pn_second");
  expect_same(body);
  // A last id that is not a string: no id, as the tree says.
  auto q = without_raw(dub_body(R"(,"id":42)"), ana());
  ASSERT_FALSE(q);
  EXPECT_EQ(q.error().message, "dub: the partner has no string \"id\"");
  expect_same(dub_body(R"(,"id":42)"));
}

TEST(DubPick, LinksThatAreAnObjectAreRefusedAlike) {
  const std::string body = dub_body({}, R"({"shortLink":"https://dub.sh/ana"})");
  auto p = without_raw(body, ana());
  ASSERT_FALSE(p);
  EXPECT_EQ(p.error().message, "dub: the partner's \"links\" is neither an array nor null");
  EXPECT_EQ(p.error().http_status, 201);
  expect_same(body);
  expect_same(dub_body(R"(,"links":null)"));
  // An element that is not an object before one that is: the object's members are its own.
  auto q = without_raw(dub_body({}, R"([null,"s",{"shortLink":"https://dub.sh/ana","key":"ana"}])"), ana());
  ASSERT_TRUE(q) << q.error().message;
  ASSERT_EQ(q->links.size(), 1u);
  EXPECT_EQ(q->links[0].url, "https://dub.sh/ana");
  EXPECT_EQ(q->links[0].key, "ana");
  EXPECT_EQ(q->warnings.size(), 2u);
  expect_same(dub_body(
      {}, R"([null,1,"s",{},{"shortLink":""},{"shortLink":{"a":"b"}},{"id":"x"},[{"shortLink":"n"}]])"));
}

TEST(DubPick, EscapedKeysAreTheKeysTheyName) {
  const std::string body = dub_body(R"(,"i\u0064":"pn_\u0031esc","\u0065mail":"ana@example.com")");
  auto p = without_raw(body, ana());
  ASSERT_TRUE(p) << p.error().message;
  EXPECT_EQ(p->id, "pn_1esc");
  expect_same(body);
  expect_same(dub_body({}, R"([{"short\u004cink":"https:\/\/dub.sh\/ana","key":"an\u0061"}])"));
  expect_same(dub_body(R"(,"id\u0000":"nul")"));
}

TEST(DubPick, NestingAtAndPastTheLimit) {
  // json_max_depth 64: the answer's object is one level, so 63 more pass and 64 more do not.
  const std::string ok = dub_body(R"(,"deep":)" + std::string(63, '[') + std::string(63, ']'));
  const std::string deep = dub_body(R"(,"deep":)" + std::string(64, '[') + std::string(64, ']'));
  EXPECT_TRUE(without_raw(ok, ana()));
  auto p = without_raw(deep, ana());
  ASSERT_FALSE(p);
  EXPECT_EQ(p.error().message, "dub: the 201 body is not JSON, or is too large or too deeply nested");
  expect_same(ok);
  expect_same(deep);
  expect_same(dub_body({}, R"([{"shortLink":"d","x":)" + std::string(61, '[') + std::string(61, ']') + "}]"));
}

TEST(DubPick, AnswersOverEveryBufferAgree) {
  // Over the pick's 1 KB arena (many links, long escaped strings), the parser's 4 KB string buffer and
  // the old 8 KB scratch.
  std::string links = "[";
  for (int i = 0; i < 200; ++i)
    links += std::string(i ? "," : "") + R"({"id":"link_)" + std::to_string(i) + R"(","key":"k\u00e9)" +
             std::to_string(i) + R"(","shortLink":"https://dub.sh/k)" + std::to_string(i) + R"("})";
  links += "]";
  std::string escaped;
  for (int i = 0; i < 5000; ++i) escaped += "\\\"";
  const std::string body =
      dub_body(R"(,"padding":")" + escaped + R"(","pad":")" + std::string(20000, 'p') + "\"", links);
  auto p = without_raw(body, ana());
  ASSERT_TRUE(p) << p.error().message;
  EXPECT_EQ(p->links.size(), 200u);
  EXPECT_EQ(p->links[199].key,
            "k\xc3\xa9"
            "199");
  expect_same(body);
}

TEST(DubPick, HostileBodiesGiveTheSameErrors) {
  const std::string base = dub_body();
  for (const std::string& body :
       {base + "x", base + base, base + " \n", dub_body(",}"), std::string("[") + base + "]",
        std::string("\"s\""), std::string(), dub_body(R"(,"name":"\ud800")"), dub_body(",\"name\":\"a\xff\""),
        dub_body(R"(,"n":1e999999,"m":-123456789012345678901234567890)"), dub_body(R"(,"createdAt":"soon")"),
        dub_body(R"(,"status":7)"), dub_body(R"(,"email":"bob@example.com")"),
        dub_body(R"(,"name":")" + std::string(191, 'a') + "\""), dub_body(R"(,"tenantId":"crm-43")"),
        std::string(R"({"id":null,"email":null,"name":null,"status":null,"createdAt":null,"links":null})")})
    expect_same(body);
}

}  // namespace
}  // namespace partnerkit
