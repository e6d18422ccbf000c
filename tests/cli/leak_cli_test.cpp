// The CLI end to end against the sandbox's "echo" fault (a vendor reflecting every request in its
// error bodies): no secret of the run in stdout, stderr or the journal, for every built-in vendor;
// render and validate never print one either.
#include <partnerkit/secrets.hpp>
#include <partnerkit/testing/adapter_conformance.hpp>

#include <gtest/gtest.h>

#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

namespace fs = std::filesystem;

namespace {

const std::string password = "Hunter2Secret9";
const std::string client_secret = "cs-CliCanary-5f5f";
const std::string numeric_secret = "65432107";
const std::string env_key = "pk_live_CliCanaryKey_e3e3";

std::string quote(const std::string& s) {
  std::string out = "'";
  for (char c : s) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

std::string slurp(const fs::path& p) {
  std::ifstream f(p, std::ios::binary);
  std::ostringstream s;
  s << f.rdbuf();
  return s.str();
}

struct Outcome {
  int status = -1;
  std::string out, err;
};

class LeakCli : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("partnerkit_leak_cli_" + std::to_string(::getpid()) + "_" +
                                        ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::create_directories(dir_);
    std::ofstream(dir_ / "in.jsonl")
        << R"({"email":"ana@example.com","name":"Ana Lopez","company":"Lopez GmbH",)"
        << R"("password":")" << password << R"(","vendor_overrides":{)"
        << R"("dub":{"client_secret":")" << client_secret << R"("},)"
        << R"("partnero":{"Password":)" << numeric_secret << R"(},)"
        << R"("journeybee":{"credentials":{"value":")" << client_secret << R"("}}}})"
        << "\n";
  }
  void TearDown() override {
    std::error_code ec;
    fs::remove_all(dir_, ec);
  }
  Outcome run(const std::vector<std::string>& args, const std::string& env = "") {
    std::string cmd = "env -u DUB_API_KEY -u PARTNERO_API_KEY -u JOURNEYBEE_API_KEY " + env + " " +
                      quote(PARTNERKIT_CLI_PATH);
    for (const auto& a : args) cmd += " " + quote(a);
    cmd += " </dev/null >" + quote((dir_ / "out").string()) + " 2>" + quote((dir_ / "err").string());
    Outcome r;
    const int raw = std::system(cmd.c_str());
    r.status = WIFEXITED(raw) ? WEXITSTATUS(raw) : -1;
    r.out = slurp(dir_ / "out");
    r.err = slurp(dir_ / "err");
    return r;
  }
  void expect_clean(const std::string& where, const std::string& text,
                    const std::vector<std::string>& secrets) {
    const partnerkit::Scrubber known(secrets);
    for (const auto& s : secrets)
      EXPECT_FALSE(partnerkit::testing::detail::holds_canary(text, s, known)) << where << " leaks a secret";
  }
  fs::path dir_;
};

TEST_F(LeakCli, ProvisionAgainstAnEchoingSandboxPrintsAndJournalsNoSecret) {
  const fs::path journal = dir_ / "journal.jsonl";
  Outcome r = run({"provision", "--sandbox", "--sandbox-faults", "echo=1", "--vendor",
                   "dub,partnero,journeybee", "--input", (dir_ / "in.jsonl").string(), "--journal",
                   journal.string(), "--progress", "never", "--max-attempts", "1"});
  EXPECT_EQ(r.status, 1) << r.err;
  // The sandbox's keys are this run's API keys.
  const std::vector<std::string> secrets{password,      client_secret,      numeric_secret,
                                         "sk_test_dub", "pk_test_partnero", "jb_test_journeybee"};
  expect_clean("stdout", r.out, secrets);
  expect_clean("stderr", r.err, secrets);
  expect_clean("the journal", slurp(journal), secrets);
  EXPECT_NE(r.out.find("REDACTED"), std::string::npos) << "the echo was not scrubbed, or not there";
  EXPECT_NE(r.out.find("rejected"), std::string::npos);
}

TEST_F(LeakCli, RenderAndValidatePrintNoSecret) {
  const std::string env =
      "DUB_API_KEY=" + env_key + " PARTNERO_API_KEY=" + env_key + " JOURNEYBEE_API_KEY=" + env_key;
  const std::vector<std::string> secrets{password, client_secret, numeric_secret, env_key};
  Outcome r =
      run({"render", "--vendor", "dub,partnero,journeybee", "--input", (dir_ / "in.jsonl").string()}, env);
  EXPECT_EQ(r.status, 0) << r.err;
  expect_clean("render stdout", r.out, secrets);
  expect_clean("render stderr", r.err, secrets);
  Outcome v =
      run({"validate", "--vendor", "dub,partnero,journeybee", "--input", (dir_ / "in.jsonl").string()}, env);
  expect_clean("validate stdout", v.out, secrets);
  expect_clean("validate stderr", v.err, secrets);
}

}  // namespace
