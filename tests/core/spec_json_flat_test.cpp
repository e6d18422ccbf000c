// FlatSpecParser (core/src/detail/spec_json_flat.hpp) against the tree path it stands in for
// (boost::json::parse, the extra fields taken out, spec_from_json): whenever it accepts a line, the tree
// path must accept it too and give the same spec; and it must accept the flat shapes it is there for.
#include "detail/spec_json_flat.hpp"

#include <partnerkit/spec_json.hpp>

#include <gtest/gtest.h>
#include <boost/json/parse.hpp>

#include <random>
#include <string>
#include <vector>

namespace pk = partnerkit;

namespace {

const std::vector<std::string> no_extras;

// What SpecReader's tree path gives, or nullopt when it refuses the line.
std::optional<pk::PartnerSpec> by_tree(const std::string& line, const std::vector<std::string>& extras) {
  boost::system::error_code ec;
  boost::json::value v = boost::json::parse(line, ec);
  if (ec || !v.is_object()) return std::nullopt;
  for (const auto& name : extras) v.as_object().erase(name);
  auto spec = pk::spec_from_json(v);
  if (!spec) return std::nullopt;
  return *spec;
}

// Accepted by the flat parser: then the tree's spec, equal. Returns whether it was accepted.
bool check(pk::detail::FlatSpecParser& flat, const std::string& line,
           const std::vector<std::string>& extras = no_extras) {
  pk::PartnerSpec spec;
  if (!flat.parse(line, spec, extras)) return false;
  const auto tree = by_tree(line, extras);
  EXPECT_TRUE(tree.has_value()) << "flat accepted what the tree refuses: " << line;
  if (tree) {
    EXPECT_TRUE(*tree == spec) << "flat and tree differ: " << line;
  }
  return true;
}

constexpr const char* string_fields[] = {"email",   "name",         "first_name",  "last_name",
                                         "company", "referral_key", "external_id", "image",
                                         "country", "description",  "group",       "password"};
constexpr const char* all_fields[] = {
    "email",    "name",    "first_name",  "last_name", "company",       "referral_key",    "external_id",
    "image",    "country", "description", "tags",      "group",         "partner_type",    "referrer",
    "contacts", "invite",  "password",    "link",      "custom_fields", "vendor_overrides"};

}  // namespace

TEST(SpecJsonFlat, AcceptsTheFlatShapesAndReadsThemAsTheTreeDoes) {
  pk::detail::FlatSpecParser flat;
  for (const char* f : string_fields) {
    EXPECT_TRUE(check(flat, std::string(R"({"email":"a@b.co",")") + f + R"(":"x y\u00e9\n"})") ||
                std::string_view(f) == "email")
        << f;
    EXPECT_TRUE(check(flat, std::string(R"({")") + f + R"(":"v"})")) << f;
  }
  for (const char* f : all_fields) EXPECT_TRUE(check(flat, std::string(R"({")") + f + R"(":null})")) << f;
  EXPECT_TRUE(check(flat, R"({"email":"a@b.co","tags":["x","\"y\"",""],"invite":true})"));
  EXPECT_TRUE(check(flat, R"({"tags":[],"invite":false,"partner_type":"reseller"})"));
  EXPECT_TRUE(check(flat, R"(  {"partner_type":"referral"}  )"));
  EXPECT_TRUE(check(flat, "{}"));
  EXPECT_TRUE(check(flat,
                    R"({"email":"p1@bench.example","name":"Bench Partner 1","referral_key":"partner-1",)"
                    R"("external_id":"crm-1","country":"US"})"));
  // A key or a string in escaped pieces.
  EXPECT_TRUE(check(flat, R"({"\u0065mail":"a\u0040b.co","na\u006de":"\ud83d\ude00"})"));
  EXPECT_TRUE(check(flat, "{\"name\":\"" + std::string(5000, 'n') + "\\t" + std::string(5000, 'm') + "\"}"));
  // An extra field that is not in the line does not stop it.
  EXPECT_TRUE(check(flat, R"({"email":"a@b.co"})", {"partner_id"}));
}

TEST(SpecJsonFlat, WhiteSpaceEscapesAndUtf8ReadAsTheTreeReadsThem) {
  // White space, control characters, escapes and UTF-8 after plain members; and near misses of JSON.
  pk::detail::FlatSpecParser flat;
  for (const char* line :
       {" \t{ \"email\" : \"a@b.co\" ,\r\n\"tags\" : [ \"x\" , \"y\" ] , \"invite\" : false } \n",
        "{\"tags\":[ ],\"name\":\"~\x7f\"}", R"({"name":"x","email":"a\u0040b.co"})",
        R"({"name":"x","tags":["a"],"country":"\u00e9"})", R"({"group":"g","invite":true,"company":"\t"})",
        "{\"name\":\"x\",\"description\":\"\xc3\xa9\"}", R"({"referral_key":"k","link":null})"}) {
    EXPECT_TRUE(check(flat, line)) << line;
  }
  for (const char* line :
       {R"({"name":"x","email":1})", R"({"name":"x",})", R"({"tags":["a",]})", R"({"tags":["a" "b"]})",
        R"({"name" "x"})", R"({"name":"x"}})", "\f{}", "{}\f", R"({"name":"x)", R"({"invite":tru})",
        R"({"invite":nul})", R"({"name":"x",,"group":"g"})", "{\"name\":\"a\tb\"}"}) {
    pk::PartnerSpec spec;
    EXPECT_FALSE(flat.parse(line, spec)) << line;
  }
}

TEST(SpecJsonFlat, RefusesWhatTheTreeMustDecide) {
  pk::detail::FlatSpecParser flat;
  for (const char* line : {"",
                           "null",
                           "[]",
                           "\"x\"",
                           "1",
                           "{",
                           R"({"email":"a@b.co"} x)",
                           R"({"email":"a@b.co"}{})",
                           R"({"email":1})",
                           R"({"email":true})",
                           R"({"tags":"x"})",
                           R"({"tags":[1]})",
                           R"({"tags":[null]})",
                           R"({"tags":[["x"]]})",
                           R"({"invite":"yes"})",
                           R"({"partner_type":"other"})",
                           R"({"link":{}})",
                           R"({"referrer":{"id":"x"}})",
                           R"({"contacts":[]})",
                           R"({"custom_fields":[]})",
                           R"({"vendor_overrides":{}})",
                           R"({"unknown":"x"})",
                           R"({"email":"a@b.co","email":"c@d.co"})",
                           R"({"name":"x","name":null})",
                           R"({"partner_id":"x"})",
                           "{\"name\":\"\xff\"}",
                           "{\"n\xc3\":1}",
                           R"({"email":"a@b.co",})",
                           R"({"email":"a@b.co"}/**/)"}) {
    pk::PartnerSpec spec;
    EXPECT_FALSE(flat.parse(line, spec)) << line;
  }
  pk::PartnerSpec spec;
  const std::vector<std::string> extras{"email"};
  EXPECT_FALSE(flat.parse(R"({"email":"a@b.co"})", spec, extras)) << "an extra field goes to extras";
}

TEST(SpecJsonFlat, RandomLinesAgreeWithTheTree) {
  // Lines built from the names (and a few others) with values of every kind, keys repeated at times.
  std::mt19937 rng(11);
  const std::vector<std::string> values = {R"("")",
                                           R"("x")",
                                           R"("US")",
                                           R"("a@b.co")",
                                           R"(" padded ")",
                                           R"("\u00e9\t")",
                                           R"("referral")",
                                           R"("reseller")",
                                           "null",
                                           "true",
                                           "false",
                                           "0",
                                           "7.5",
                                           "-1",
                                           "[]",
                                           R"(["a"])",
                                           R"(["a",""])",
                                           R"([1])",
                                           R"([null])",
                                           "{}",
                                           R"({"id":"r"})",
                                           R"([{"email":"c@d.co"}])"};
  std::vector<std::string> keys(std::begin(all_fields), std::end(all_fields));
  keys.insert(keys.end(), {"partner_id", "Email", "emailx", "", "e", "countr", "\\u0074ags"});
  const std::vector<std::string> extras{"partner_id"};
  pk::detail::FlatSpecParser flat;
  int accepted = 0;
  for (int i = 0; i < 20000; ++i) {
    std::string line = "{";
    const int n = static_cast<int>(rng() % 6);
    for (int m = 0; m < n; ++m) {
      if (m) line += ',';
      line += '"' + keys[rng() % keys.size()] + "\":" + values[rng() % values.size()];
    }
    line += '}';
    accepted += check(flat, line, (i % 3) ? no_extras : extras);
  }
  EXPECT_GT(accepted, 1000);
}
