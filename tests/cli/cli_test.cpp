// End-to-end runs of the built `partnerkit` binary: stdout lines, stderr, exit codes, redaction.
#include "cli_harness.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include <gtest/gtest.h>

#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

namespace {

namespace fs = std::filesystem;
namespace json = boost::json;

const std::string examples = PARTNERKIT_EXAMPLES_DIR;

using partnerkit::test::shell_quote;
using partnerkit::test::slurp;

struct Outcome {
  int status = -1;
  std::string out;
  std::string err;
  std::vector<json::object> lines;  // stdout parsed as JSON lines
};

class Cli : public partnerkit::test::CliHarness {
 protected:
  // Runs partnerkit with args; env is "NAME=value" settings; stdin from `in`.
  Outcome run(const std::vector<std::string>& args, const std::string& in = "",
              const std::vector<std::string>& env = {}) {
    fs::path in_file = write("stdin", in);
    std::string env_words;
    for (const auto& e : env) env_words += (env_words.empty() ? "" : " ") + shell_quote(e);
    const auto o =
        run_line(command_line(args, {"DUB_API_KEY", "PARTNERO_API_KEY", "JOURNEYBEE_API_KEY"}, env_words),
                 in_file.string());
    Outcome r{o.status, o.out, o.err, {}};
    std::istringstream lines(r.out.starts_with("{") ? r.out : std::string());  // help text is not JSON
    for (std::string line; std::getline(lines, line);) {
      boost::system::error_code ec;
      json::value v = json::parse(line, ec);
      EXPECT_FALSE(ec) << "stdout line is not JSON: " << line;
      if (!ec) {
        EXPECT_TRUE(v.is_object()) << line;
        if (v.is_object()) r.lines.push_back(v.as_object());
      }
    }
    return r;
  }

  std::size_t example_count() {
    std::ifstream f(examples + "/partners.jsonl");
    std::size_t n = 0;
    for (std::string line; std::getline(f, line);)
      if (line.find_first_not_of(" \t\r") != std::string::npos) ++n;
    return n;
  }
};

TEST_F(Cli, VersionAndHelp) {
  Outcome v = run({"--version"});
  EXPECT_EQ(v.status, 0);
  EXPECT_TRUE(v.out.starts_with("partnerkit ")) << v.out;

  Outcome h = run({"--help"});
  EXPECT_EQ(h.status, 0);
  EXPECT_NE(h.out.find("render"), std::string::npos);
  EXPECT_NE(h.out.find("validate"), std::string::npos);
  // Every registered vendor with the variables it reads, named from the registry.
  for (const char* var : {"DUB_API_KEY", "PARTNERKIT_DUB_BASE_URL", "PARTNERO_API_KEY", "JOURNEYBEE_API_KEY",
                          "PARTNERKIT_JOURNEYBEE_BASE_URL (default https://app.journeybee.io)"})
    EXPECT_NE(h.out.find(var), std::string::npos) << var << "\n" << h.out;
  Outcome topic = run({"help", "render"});
  EXPECT_EQ(topic.status, 0);
  EXPECT_NE(topic.out.find("Usage: partnerkit render"), std::string::npos) << topic.out;

  for (const char* cmd : {"render", "validate"}) {
    Outcome c = run({cmd, "--help"});
    EXPECT_EQ(c.status, 0) << cmd;
    EXPECT_NE(c.out.find(std::string("Usage: partnerkit ") + cmd), std::string::npos) << c.out;
  }
}

#ifdef PARTNERKIT_CLI_MIMALLOC
// The binary is linked with mimalloc (cmake/PartnerkitHelpers.cmake, partnerkit_fast_allocator):
// the dynamic linker binds every `malloc` of the process to it, libc's own calls and libstdc++'s
// included. A link order that left glibc's malloc first would show here as a binding to libc.
TEST_F(Cli, EveryMallocOfTheProcessIsMimallocs) {
  Outcome v = run({"--version"}, "", {"LD_DEBUG=bindings"});
  EXPECT_EQ(v.status, 0);
  std::istringstream err(v.err);
  std::size_t bindings = 0;
  for (std::string line; std::getline(err, line);) {
    if (line.find("normal symbol `malloc'") == std::string::npos) continue;
    ++bindings;
    EXPECT_NE(line.find("libmimalloc"), std::string::npos) << line;
  }
  EXPECT_GT(bindings, 0u) << v.err.substr(0, 2000);
}
#endif

TEST_F(Cli, BadUsageExitsTwo) {
  const std::string in = examples + "/partners.jsonl";
  const std::vector<std::vector<std::string>> cases = {
      {},
      {"frobnicate"},
      {"render", "--input", in},                                                 // missing --vendor
      {"render", "--vendor", "dub"},                                             // missing --input
      {"render", "--vendor", "dub", "--input", in, "--bogus"},                   // unknown option
      {"render", "--vendor", "acme", "--input", in},                             // unknown vendor
      {"render", "--vendor", "dub,acme", "--input", in},                         // unknown vendor in a list
      {"render", "--vendor", "dub", "--input", (dir_ / "nope.jsonl").string()},  // file not found
      {"render", "--vendor", "dub", "--input", dir_.string()},                   // a directory
      {"render", "--vendor", "dub", "--input", in, "--format", "xml"},           // bad format
      {"render", "--vendor", "dub", "--input", in, "--base-url", "ftp://x"},
      {"render", "--vendor", "dub", "--input", in, "extra"},  // positional
      {"render", "--vendor", "dub", "--input"},               // missing value
      {"validate"},
      {"validate", "--input", in, "--vendor", "acme"},
  };
  for (const auto& args : cases) {
    Outcome r = run(args);
    std::string joined;
    for (const auto& a : args) joined += a + " ";
    EXPECT_EQ(r.status, 2) << joined << "\n" << r.err;
    EXPECT_FALSE(r.err.empty()) << joined;
    EXPECT_TRUE(r.out.empty()) << joined << "\n" << r.out;
  }
}

// CLI11 parses; the messages still say what was wrong, and where to look.
TEST_F(Cli, UsageMessagesNameTheProblem) {
  const std::string in = examples + "/partners.jsonl";
  const std::vector<std::pair<std::vector<std::string>, std::string>> cases = {
      {{"frobnicate"}, "partnerkit: unknown command 'frobnicate'"},
      {{"render", "--vendor", "dub", "--input", in, "--bogus=1"},
       "partnerkit render: unknown option '--bogus'"},
      {{"render", "--vendor", "dub", "--input", in, "extra"},
       "partnerkit render: unexpected argument 'extra'"},
      {{"render", "--vendor", "dub", "--input"}, "partnerkit render: option --input needs a value"},
      {{"render", "--vendor", "dub", "--input", in, "--input", in},
       "partnerkit render: option --input given more than once"},
      {{"render", "--input", in}, "partnerkit render: missing --vendor\nTry 'partnerkit render --help'."},
      {{"--plugin"}, "partnerkit: option --plugin needs a value"},
  };
  for (const auto& [args, message] : cases) {
    Outcome r = run(args);
    EXPECT_EQ(r.status, 2) << message;
    EXPECT_NE(r.err.find(message), std::string::npos) << r.err;
    EXPECT_TRUE(r.out.empty()) << r.out;
  }
  // --vendor repeats and lists; --name=value works; --help wins over the rest of the line.
  Outcome two = run({"render", "--vendor=dub", "--vendor", "partnero", "--input", in});
  EXPECT_EQ(two.status, 0) << two.err;
  EXPECT_NE(two.out.find(R"("vendor":"partnero")"), std::string::npos);
  Outcome help = run({"render", "--bogus", "--help"});
  EXPECT_EQ(help.status, 0) << help.err;
  EXPECT_NE(help.out.find("Usage: partnerkit render"), std::string::npos);
}

TEST_F(Cli, RenderExamplesForDubRedactsTheKey) {
  const std::string key = "dub_live_SECRET_0123456789abcdef";
  Outcome r =
      run({"render", "--vendor", "dub", "--input", examples + "/partners.jsonl"}, "", {"DUB_API_KEY=" + key});
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(r.out.find(key), std::string::npos);
  EXPECT_EQ(r.err.find(key), std::string::npos);
  ASSERT_EQ(r.lines.size(), example_count());
  for (std::size_t i = 0; i < r.lines.size(); ++i) {
    const json::object& o = r.lines[i];
    EXPECT_EQ(o.at("index").to_number<std::size_t>(), i);
    EXPECT_EQ(o.at("vendor"), "dub");
    EXPECT_EQ(o.at("method"), "POST");
    EXPECT_EQ(o.at("url"), "https://api.dub.co/partners");
    const json::object& headers = o.at("headers").as_object();
    ASSERT_TRUE(headers.contains("Authorization")) << json::serialize(o);
    EXPECT_EQ(headers.at("Authorization"), "REDACTED");
    ASSERT_TRUE(o.at("body").is_object()) << json::serialize(o);
    EXPECT_TRUE(o.at("body").as_object().contains("email"));
    EXPECT_TRUE(o.at("warnings").is_array());
  }
  EXPECT_NE(r.err.find("render:"), std::string::npos);
}

TEST_F(Cli, RenderEveryVendorFromCsvOnStdin) {
  Outcome r = run({"render", "--vendor", "dub,partnero,journeybee", "--input", "-"},
                  slurp(examples + "/partners.csv"),
                  {"PARTNERO_API_KEY=pk_SECRET_partnero", "JOURNEYBEE_API_KEY=jb_api_SECRET"});
  ASSERT_EQ(r.status, 0) << r.err;
  ASSERT_EQ(r.lines.size(), 3 * example_count());
  EXPECT_EQ(r.out.find("SECRET"), std::string::npos);
  for (std::size_t i = 0; i < r.lines.size(); ++i) {
    const json::object& o = r.lines[i];
    EXPECT_EQ(o.at("index").to_number<std::size_t>(), i / 3);
    const char* vendors[] = {"dub", "partnero", "journeybee"};
    EXPECT_EQ(o.at("vendor"), vendors[i % 3]);
    EXPECT_FALSE(o.contains("error")) << json::serialize(o);
  }
}

TEST_F(Cli, RenderSameOutputFromJsonlAndCsv) {
  Outcome a = run({"render", "--vendor", "dub,partnero,journeybee", "--input", examples + "/partners.jsonl"});
  Outcome b = run({"render", "--vendor", "dub,partnero,journeybee", "--input", examples + "/partners.csv"});
  ASSERT_EQ(a.status, 0);
  ASSERT_EQ(b.status, 0);
  EXPECT_EQ(a.out, b.out);
}

TEST_F(Cli, RenderNeverPrintsAPassword) {
  fs::path in = write("pw.jsonl", R"({"email":"pw@example.com","name":"Pat","password":"Sup3rSecretPw"})"
                                  "\n");
  Outcome r = run({"render", "--vendor", "partnero", "--input", in.string()});
  ASSERT_EQ(r.status, 0) << r.err;
  ASSERT_EQ(r.lines.size(), 1u);
  EXPECT_EQ(r.out.find("Sup3rSecretPw"), std::string::npos) << r.out;
}

TEST_F(Cli, RenderBadItemsFailButOthersGoThrough) {
  fs::path in = write("mixed.jsonl",
                      "{\"email\":\"ok1@example.com\"}\n"
                      "{\"email\":\"broken@example.com\",\n"
                      "{\"email\":\"not-an-email\"}\n"
                      "\n"
                      "{\"email\":\"ok2@example.com\",\"country\":\"ZZ\"}\n"
                      "{\"email\":\"ok3@example.com\"}\n");
  Outcome r = run({"render", "--vendor", "dub", "--input", in.string()});
  EXPECT_EQ(r.status, 1);
  ASSERT_EQ(r.lines.size(), 5u) << r.out;
  EXPECT_FALSE(r.lines[0].contains("error"));
  for (std::size_t i : {1u, 2u, 3u}) {
    const json::object& o = r.lines[i];
    ASSERT_TRUE(o.contains("error")) << json::serialize(o);
    EXPECT_EQ(o.at("index").to_number<std::size_t>(), i);
    EXPECT_EQ(o.at("vendor"), "dub");
    EXPECT_EQ(o.at("error").at("code"), "invalid_input");
  }
  EXPECT_EQ(r.lines[1].at("line").to_number<int>(), 2);
  EXPECT_EQ(r.lines[2].at("line").to_number<int>(), 3);
  EXPECT_EQ(r.lines[3].at("line").to_number<int>(), 5);  // blank line 4 skipped
  EXPECT_EQ(r.lines[2].at("error").at("field"), "email");
  EXPECT_EQ(r.lines[3].at("error").at("field"), "country");
  EXPECT_NE(json::serialize(r.lines[3].at("error")).find("line 5"), std::string::npos);
  EXPECT_FALSE(r.lines[4].contains("error"));
  EXPECT_EQ(r.lines[4].at("index").to_number<int>(), 4);
}

TEST_F(Cli, RenderStrictRefusesFieldsTheVendorCannotCarry) {
  fs::path in = write("company.jsonl", "{\"email\":\"c@example.com\",\"company\":\"Acme GmbH\"}\n");
  Outcome lenient = run({"render", "--vendor", "dub", "--input", in.string()});
  ASSERT_EQ(lenient.status, 0) << lenient.err;
  ASSERT_EQ(lenient.lines.size(), 1u);
  EXPECT_FALSE(lenient.lines[0].at("warnings").as_array().empty());
  EXPECT_FALSE(lenient.lines[0].at("body").as_object().contains("company"));

  Outcome strict = run({"render", "--vendor", "dub", "--input", in.string(), "--strict"});
  EXPECT_EQ(strict.status, 1);
  ASSERT_EQ(strict.lines.size(), 1u);
  EXPECT_EQ(strict.lines[0].at("error").at("code"), "unsupported_field");
}

TEST_F(Cli, RenderBaseUrlOverrides) {
  fs::path in = write("one.jsonl", "{\"email\":\"a@example.com\"}\n");
  Outcome all = run(
      {"render", "--vendor", "dub,partnero", "--input", in.string(), "--base-url=https://127.0.0.1:8443"});
  ASSERT_EQ(all.status, 0) << all.err;
  ASSERT_EQ(all.lines.size(), 2u);
  EXPECT_EQ(all.lines[0].at("url"), "https://127.0.0.1:8443/partners");
  EXPECT_EQ(all.lines[1].at("url"), "https://127.0.0.1:8443/v1/partners");

  Outcome one = run({"render", "--vendor", "dub,partnero", "--input", in.string(), "--base-url",
                     "partnero=https://127.0.0.1:9000"});
  ASSERT_EQ(one.status, 0) << one.err;
  EXPECT_EQ(one.lines[0].at("url"), "https://api.dub.co/partners");
  EXPECT_EQ(one.lines[1].at("url"), "https://127.0.0.1:9000/v1/partners");

  Outcome env = run({"render", "--vendor", "dub", "--input", in.string()}, "",
                    {"PARTNERKIT_DUB_BASE_URL=https://127.0.0.1:7000"});
  ASSERT_EQ(env.status, 0) << env.err;
  EXPECT_EQ(env.lines[0].at("url"), "https://127.0.0.1:7000/partners");
}

TEST_F(Cli, RenderVendorSettings) {
  fs::path in = write("jb.jsonl", "{\"email\":\"a@example.com\",\"country\":\"de\",\"tags\":[\"vip\"]}\n");
  fs::path settings = write("settings.json", R"({"journeybee":{"company_id":42,"country_ids":{"DE":276},)"
                                             R"("tag_ids":{"vip":7}}})");
  Outcome r =
      run({"render", "--vendor", "journeybee", "--input", in.string(), "--settings", settings.string()});
  ASSERT_EQ(r.status, 0) << r.err;
  ASSERT_EQ(r.lines.size(), 1u);
  EXPECT_EQ(r.lines[0].at("url"), "https://app.journeybee.io/api/v1/companies/42/partnerships");
  const json::object& body = r.lines[0].at("body").as_object();
  EXPECT_EQ(body.at("countryId").to_number<int>(), 276);
  EXPECT_EQ(body.at("tags"), json::array({7}));

  fs::path bad = write("bad.json", "[1]");
  EXPECT_EQ(
      run({"render", "--vendor", "journeybee", "--input", in.string(), "--settings", bad.string()}).status,
      2);
}

TEST_F(Cli, RenderCsvWithUnknownColumnIsUnreadable) {
  fs::path in = write("bad.csv", "email,nickname\na@example.com,x\n");
  Outcome r = run({"render", "--vendor", "dub", "--input", in.string()});
  EXPECT_EQ(r.status, 2);
  EXPECT_NE(r.err.find("nickname"), std::string::npos) << r.err;
}

TEST_F(Cli, RenderEmptyInputIsFine) {
  Outcome r = run({"render", "--vendor", "dub", "--input", "-"}, "");
  EXPECT_EQ(r.status, 0);
  EXPECT_TRUE(r.out.empty());
}

TEST_F(Cli, ValidateExamplesAreAllValid) {
  for (const char* file : {"/partners.jsonl", "/partners.csv"}) {
    Outcome r = run({"validate", "--input", examples + file});
    ASSERT_EQ(r.status, 0) << file << r.out << r.err;
    ASSERT_EQ(r.lines.size(), example_count());
    for (std::size_t i = 0; i < r.lines.size(); ++i) {
      EXPECT_EQ(r.lines[i].at("index").to_number<std::size_t>(), i);
      EXPECT_EQ(r.lines[i].at("ok"), true) << json::serialize(r.lines[i]);
      EXPECT_TRUE(r.lines[i].at("issues").as_array().empty());
      // One partner per line; the CSV header is line 1.
      const std::size_t header = std::string_view(file).ends_with(".csv") ? 1 : 0;
      EXPECT_EQ(r.lines[i].at("line").to_number<std::size_t>(), i + 1 + header);
    }
    EXPECT_NE(r.err.find("validate:"), std::string::npos);
  }
}

TEST_F(Cli, ValidateReportsEveryIssueWithItsField) {
  fs::path in = write("bad.jsonl",
                      "{\"email\":\"ok@example.com\"}\n"
                      "{\"email\":\"bad\",\"country\":\"XX\",\"link\":{\"key_length\":2}}\n"
                      "{\"email\":\"x@example.com\",\"referrer\":{}}\n"
                      "oops\n");
  Outcome r = run({"validate", "--input", in.string()});
  EXPECT_EQ(r.status, 1);
  ASSERT_EQ(r.lines.size(), 4u);
  EXPECT_EQ(r.lines[0].at("ok"), true);
  EXPECT_EQ(r.lines[1].at("ok"), false);
  std::vector<std::string> fields;
  for (const auto& i : r.lines[1].at("issues").as_array()) fields.emplace_back(i.at("field").as_string());
  EXPECT_NE(std::find(fields.begin(), fields.end(), "email"), fields.end());
  EXPECT_NE(std::find(fields.begin(), fields.end(), "country"), fields.end());
  EXPECT_NE(std::find(fields.begin(), fields.end(), "link.key_length"), fields.end());
  // An empty referrer is a blank optional field: not given, with a warning.
  EXPECT_EQ(r.lines[2].at("ok"), true);
  EXPECT_FALSE(r.lines[2].at("warnings").as_array().empty());
  EXPECT_EQ(r.lines[3].at("ok"), false);
  EXPECT_EQ(r.lines[3].at("line").to_number<int>(), 4);
  EXPECT_NE(r.err.find("2 valid"), std::string::npos) << r.err;
}

TEST_F(Cli, ValidateNamesTheVendorWhoseRuleFails) {
  fs::path in = write("pw.jsonl", "{\"email\":\"a@example.com\",\"password\":\"weak\"}\n");
  Outcome all = run({"validate", "--input", in.string()});
  EXPECT_EQ(all.status, 1);
  ASSERT_EQ(all.lines.size(), 1u);
  EXPECT_NE(json::serialize(all.lines[0]).find("partnero: "), std::string::npos);
  Outcome jb = run({"validate", "--input", in.string(), "--vendor", "journeybee"});
  EXPECT_EQ(jb.status, 0) << jb.err;  // Partnero's password rule never fails JourneyBee
}

TEST_F(Cli, ValidateWithVendorsWarnsAboutFieldsTheyCannotCarry) {
  fs::path in = write("w.jsonl",
                      "{\"email\":\"a@example.com\",\"company\":\"Acme\",\"referral_key\":\"acme\"}\n"
                      "{\"email\":\"b@example.com\"}\n");
  Outcome r = run({"validate", "--input", in.string(), "--vendor", "dub,journeybee"});
  ASSERT_EQ(r.status, 0) << r.err;  // warnings do not fail an item
  ASSERT_EQ(r.lines.size(), 2u);
  const json::array& w = r.lines[0].at("warnings").as_array();
  bool dub = false, jb = false;
  for (const auto& x : w) {
    dub = dub || x.at("vendor") == "dub";
    jb = jb || x.at("vendor") == "journeybee";
  }
  EXPECT_TRUE(dub) << json::serialize(w);  // Dub has no company
  EXPECT_TRUE(jb) << json::serialize(w);   // JourneyBee has no referral_key
  EXPECT_EQ(r.lines[0].at("ok"), true);
  EXPECT_TRUE(r.lines[1].at("warnings").as_array().empty());
}

}  // namespace

namespace {

TEST(CliOutput, AFailedWriteToStdoutExitsTwo) {
  if (!std::filesystem::exists("/dev/full")) GTEST_SKIP() << "no /dev/full";
  const std::string cmd = std::string("'") + PARTNERKIT_CLI_PATH + "' render --vendor dub --input '" +
                          PARTNERKIT_EXAMPLES_DIR + "/partners.jsonl' >/dev/full 2>/dev/null";
  const int raw = std::system(cmd.c_str());
  ASSERT_TRUE(WIFEXITED(raw));
  EXPECT_EQ(WEXITSTATUS(raw), 2);
}

}  // namespace
