// Every body `partnerkit render --vendor dub` prints for a valid spec satisfies the request schema of
// Dub's OpenAPI (vendor-docs 002, POST /partners): the examples and boundary specs, checked member
// by member (types, lengths in UTF-16 units, the email pattern, linkProps ranges, no nulls where the
// schema forbids them).
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include <gtest/gtest.h>

#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <regex>
#include <set>
#include <sstream>
#include <string>
#include <vector>

namespace {

namespace json = boost::json;
namespace fs = std::filesystem;

std::size_t utf16_units(std::string_view s) {
  std::size_t n = 0;
  for (std::size_t i = 0; i < s.size();) {
    const auto c = static_cast<unsigned char>(s[i]);
    const std::size_t len = c < 0x80 ? 1 : (c >> 5) == 6 ? 2 : (c >> 4) == 14 ? 3 : 4;
    n += len == 4 ? 2 : 1;
    i += len;
  }
  return n;
}

// Collects the schema violations of one body.
class DubRequestSchema {
 public:
  std::vector<std::string> check(const json::value& body) {
    problems_.clear();
    const json::object* o = body.if_object();
    if (!o) return {"body is not an object"};
    static const std::set<std::string> known{"name",    "email",   "username",    "image",    "tenantId",
                                             "groupId", "country", "description", "linkProps"};
    for (const auto& kv : *o)
      if (!known.count(std::string(kv.key()))) fail("unknown member " + std::string(kv.key()));
    if (!o->contains("email")) fail("email is required");
    string_member(*o, "email", false, 0, 190);
    if (auto* e = o->if_contains("email"); e && e->is_string()) {
      static const std::regex pattern(
          R"(^(?!\.)(?!.*\.\.)([A-Za-z0-9_'+\-\.]*)[A-Za-z0-9_+-]@([A-Za-z0-9][A-Za-z0-9\-]*\.)+[A-Za-z]{2,}$)");
      if (!std::regex_match(std::string(e->as_string()), pattern)) fail("email does not match the pattern");
    }
    string_member(*o, "name", true, 0, 100);
    string_member(*o, "username", true, 0, 100);
    string_member(*o, "image", true, 0, SIZE_MAX);
    string_member(*o, "tenantId", false, 0, SIZE_MAX);
    string_member(*o, "groupId", false, 0, SIZE_MAX);
    string_member(*o, "country", true, 2, 2);
    if (auto* c = o->if_contains("country"); c && c->is_string()) {
      for (char ch : c->as_string())
        if (ch < 'A' || ch > 'Z') fail("country is not an upper-case ISO 3166-1 alpha-2 code");
    }
    string_member(*o, "description", true, 0, 5000);
    if (auto* lp = o->if_contains("linkProps")) {
      if (!lp->is_object()) {
        fail("linkProps must be an object");
      } else {
        const json::object& l = lp->as_object();
        static const std::set<std::string> link_known{"keyLength", "externalId", "tenantId", "prefix",
                                                      "archived",  "tagIds",     "tagNames", "comments"};
        for (const auto& kv : l)
          if (!link_known.count(std::string(kv.key())))
            fail("unknown linkProps member " + std::string(kv.key()));
        if (auto* k = l.if_contains("keyLength")) {
          if (!k->is_number())
            fail("linkProps.keyLength must be a number");
          else if (k->to_number<double>() < 3 || k->to_number<double>() > 190)
            fail("linkProps.keyLength out of 3..190");
        }
        string_member(l, "externalId", true, 1, 255);
        string_member(l, "tenantId", true, 0, 255);
        string_member(l, "prefix", false, 0, SIZE_MAX);
        string_member(l, "comments", true, 0, SIZE_MAX);
        if (auto* a = l.if_contains("archived"); a && !a->is_bool())
          fail("linkProps.archived must be a boolean");
        for (const char* arr : {"tagIds", "tagNames"}) {
          if (auto* t = l.if_contains(arr)) {
            bool ok = t->is_string();
            if (t->is_array()) {
              ok = true;
              for (const auto& x : t->as_array()) ok = ok && x.is_string();
            }
            if (!ok) fail(std::string("linkProps.") + arr + " must be a string or an array of strings");
          }
        }
      }
    }
    return problems_;
  }

 private:
  void fail(std::string p) { problems_.push_back(std::move(p)); }
  void string_member(const json::object& o, const char* name, bool nullable, std::size_t min,
                     std::size_t max) {
    const json::value* v = o.if_contains(name);
    if (!v) return;
    if (v->is_null()) {
      if (!nullable) fail(std::string(name) + " must not be null");
      return;
    }
    if (!v->is_string()) return fail(std::string(name) + " must be a string");
    const std::size_t n = utf16_units(v->as_string());
    if (n < min || n > max) fail(std::string(name) + " length " + std::to_string(n) + " out of range");
  }
  std::vector<std::string> problems_;
};

std::string run_render(const std::string& input_path, int& status) {
  const fs::path out =
      fs::temp_directory_path() / ("partnerkit_render_schema_" + std::to_string(::getpid()) + ".out");
  const std::string cmd = std::string("'") + PARTNERKIT_CLI_PATH + "' render --vendor dub --input '" +
                          input_path + "' >'" + out.string() + "' 2>/dev/null";
  const int raw = std::system(cmd.c_str());
  status = WIFEXITED(raw) ? WEXITSTATUS(raw) : -1;
  std::ifstream f(out);
  std::stringstream s;
  s << f.rdbuf();
  fs::remove(out);
  return s.str();
}

void check_all(const std::string& input_path, std::size_t expected) {
  int status = -1;
  const std::string out = run_render(input_path, status);
  ASSERT_EQ(status, 0) << input_path;
  std::istringstream lines(out);
  std::size_t n = 0;
  DubRequestSchema schema;
  for (std::string line; std::getline(lines, line); ++n) {
    const json::value v = json::parse(line);
    ASSERT_FALSE(v.as_object().contains("error")) << line;
    for (const auto& p : schema.check(v.at("body"))) ADD_FAILURE() << p << "\n  in " << line;
  }
  EXPECT_EQ(n, expected);
}

TEST(RenderDubSchema, ExamplesSatisfyTheOpenApiRequestSchema) {
  std::ifstream f(PARTNERKIT_EXAMPLES_DIR "/partners.jsonl");
  std::size_t count = 0;
  for (std::string line; std::getline(f, line);) count += line.empty() ? 0 : 1;
  check_all(PARTNERKIT_EXAMPLES_DIR "/partners.jsonl", count);
}

TEST(RenderDubSchema, BoundarySpecsSatisfyTheOpenApiRequestSchema) {
  const std::string domain = "@example.com";
  std::vector<json::object> specs;
  // The longest values validation accepts.
  specs.push_back({{"email", std::string(190 - domain.size(), 'a') + domain},
                   {"name", std::string(98, 'n') + "\xF0\x9F\x9A\x80"},  // 98 + an emoji (2 units) = 100
                   {"referral_key", std::string(100, 'k')},
                   {"description", std::string(5000, 'd')},
                   {"external_id", "t-1"},
                   {"link",
                    {{"key_length", 190},
                     {"external_id", std::string(255, 'x')},
                     {"tenant_id", std::string(255, 't')},
                     {"prefix", "/p/"},
                     {"archived", true},
                     {"tag_ids", json::array{"t1", "t2"}},
                     {"comments", "c"}}}});
  // The shortest.
  specs.push_back({{"email", "a@b.co"}, {"link", {{"key_length", 3}, {"external_id", "x"}}}});
  // Names split in first/last, lower-case country, tags, group.
  specs.push_back({{"email", "o'brien+tag@sub.example.org"},
                   {"first_name", "Séan"},
                   {"last_name", "O'Brien"},
                   {"country", "ie"},
                   {"tags", json::array{"vip"}},
                   {"group", "grp_1"},
                   {"image", "https://example.com/a.png"}});
  const fs::path in =
      fs::temp_directory_path() / ("partnerkit_render_schema_" + std::to_string(::getpid()) + ".jsonl");
  {
    std::ofstream f(in);
    for (const auto& s : specs) f << json::serialize(s) << "\n";
  }
  check_all(in.string(), specs.size());
  fs::remove(in);
}

TEST(RenderDubSchema, TheCheckerCatchesViolations) {
  DubRequestSchema schema;
  EXPECT_TRUE(schema.check(json::parse(R"({"email":"a@example.com"})")).empty());
  EXPECT_FALSE(schema.check(json::parse(R"({"name":"x"})")).empty());
  EXPECT_FALSE(schema.check(json::parse(R"({"email":".a@example.com"})")).empty());
  EXPECT_FALSE(schema.check(json::parse(R"({"email":"a@example.com","tenantId":null})")).empty());
  EXPECT_FALSE(schema.check(json::parse(R"({"email":"a@example.com","country":"de"})")).empty());
  EXPECT_FALSE(schema.check(json::parse(R"({"email":"a@example.com","linkProps":{"keyLength":2}})")).empty());
  EXPECT_FALSE(schema.check(json::parse(R"({"email":"a@example.com","companyName":"x"})")).empty());
  json::object long_name{{"email", "a@example.com"}, {"name", std::string(99, 'n') + "\xF0\x9F\x9A\x80"}};
  EXPECT_FALSE(schema.check(long_name).empty());
}

}  // namespace
