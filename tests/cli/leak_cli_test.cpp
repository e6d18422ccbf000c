// The CLI end to end against the sandbox's "echo" fault (a vendor reflecting every request in its
// error bodies): no secret of the run in stdout, stderr or the journal, for every built-in vendor;
// render and validate never print one either.
#include "cli_harness.hpp"

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

using partnerkit::test::slurp;

using Outcome = partnerkit::test::CliOutcome;

class LeakCli : public partnerkit::test::CliHarness {
 protected:
  void SetUp() override {
    CliHarness::SetUp();
    std::ofstream(dir_ / "in.jsonl")
        << R"({"email":"ana@example.com","name":"Ana Lopez","company":"Lopez GmbH",)"
        << R"("password":")" << password << R"(","vendor_overrides":{)"
        << R"("dub":{"client_secret":")" << client_secret << R"("},)"
        << R"("partnero":{"Password":)" << numeric_secret << R"(},)"
        << R"("journeybee":{"credentials":{"value":")" << client_secret << R"("}}}})"
        << "\n";
  }
  Outcome run(const std::vector<std::string>& args, const std::string& env = "") {
    return run_line(command_line(args, {"DUB_API_KEY", "PARTNERO_API_KEY", "JOURNEYBEE_API_KEY"}, env));
  }
  void expect_clean(const std::string& where, const std::string& text,
                    const std::vector<std::string>& secrets) {
    const partnerkit::Scrubber known(secrets);
    for (const auto& s : secrets)
      EXPECT_FALSE(partnerkit::testing::detail::holds_canary(text, s, known)) << where << " leaks a secret";
  }
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
  // The echo's text is the vendor's: printed (scrubbed, checked above) as vendor_message, beside ours.
  EXPECT_NE(r.out.find(R"("vendor_message":"The given data was invalid: )"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find(R"("message":"HTTP 422: the vendor refused the input)"), std::string::npos) << r.out;
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
