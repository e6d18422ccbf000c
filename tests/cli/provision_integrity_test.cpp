// Issue 13 item 10, end to end with the built binary: numbers the CLI takes are checked (a usage
// error, exit 2, never undefined behaviour), and a closed stdout (`provision ... | head`) still gets
// the summary to stderr and an exit status that says what happened.
#include "cli_harness.hpp"

#include <gtest/gtest.h>

#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

namespace {

namespace fs = std::filesystem;

using partnerkit::test::shell_quote;
using partnerkit::test::slurp;

class ProvisionCli : public partnerkit::test::CliHarness {
 protected:
  void SetUp() override {
    CliHarness::SetUp();
    input_ = write("in.jsonl", "{\"email\":\"ada@example.com\",\"name\":\"Ada Lovelace\"}\n");
  }

  // Runs a shell command line; returns the exit status (or -1 when killed by a signal).
  int sh(const std::string& line) {
    const std::string cmd = "bash -c " + shell_quote(line);
    const int raw = std::system(cmd.c_str());
    return WIFEXITED(raw) ? WEXITSTATUS(raw) : -1;
  }

  int provision(const std::vector<std::string>& args, const std::string& env = "") {
    std::vector<std::string> all{"provision"};
    all.insert(all.end(), args.begin(), args.end());
    return run_line(command_line(all, {"DUB_API_KEY", "HTTPS_PROXY", "https_proxy"}, env)).status;
  }

  std::string err() { return slurp(dir_ / "err"); }

  fs::path input_;
};

TEST_F(ProvisionCli, NonFiniteHugeOrNegativeNumbersAreUsageErrors) {
  const std::vector<std::vector<std::string>> bad = {
      {"--timeout", "nan"},
      {"--timeout", "NaN"},
      {"--timeout", "inf"},
      {"--request-timeout", "inf"},
      {"--request-timeout", "nan"},
      {"--timeout", "1e300"},
      {"--request-timeout", "1e19"},
      {"--timeout", "-5"},
      {"--timeout", "0"},
      {"--concurrency", "1e30"},
      {"--concurrency", "-1"},
      {"--concurrency", "2.5"},
      {"--max-attempts", "nan"},
      {"--max-attempts", "99999999999999999999"},
      {"--rate", "inf"},
      {"--rate", "-1"},
  };
  for (const auto& opt : bad) {
    std::vector<std::string> args = {"--sandbox",     "--vendor",   "dub",  "--input",
                                     input_.string(), "--progress", "never"};
    args.insert(args.end(), opt.begin(), opt.end());
    EXPECT_EQ(provision(args), 2) << opt[0] << " " << opt[1] << "\n" << err();
    EXPECT_NE(err().find(opt[0]), std::string::npos) << err();
  }
}

TEST_F(ProvisionCli, ProxyPortOutOfRangeIsAUsageError) {
  for (const char* proxy : {"http://127.0.0.1:99999999999999999999", "http://127.0.0.1:70000", "127.0.0.1:0",
                            "http://user:pw@proxy.example:65536/"}) {
    const int status =
        provision({"--sandbox", "--vendor", "dub", "--input", input_.string(), "--progress", "never"},
                  std::string("HTTPS_PROXY=") + shell_quote(proxy));
    EXPECT_EQ(status, 2) << proxy << "\n" << err();
    EXPECT_NE(err().find("proxy port"), std::string::npos) << err();
  }
  // A valid port is fine (loopback, the sandbox, is never proxied).
  EXPECT_EQ(provision({"--sandbox", "--vendor", "dub", "--input", input_.string(), "--progress", "never"},
                      "HTTPS_PROXY=http://127.0.0.1:3128"),
            0)
      << err();
}

TEST_F(ProvisionCli, ClosedStdoutStillGetsTheSummaryAndAnExitStatus) {
  const fs::path many = dir_ / "many.jsonl";
  {
    std::ofstream out(many);
    for (int i = 0; i < 3000; ++i)
      out << "{\"email\":\"p" << i << "@example.com\",\"name\":\"Partner " << i << "\"}\n";
  }
  const fs::path journal = dir_ / "journal.jsonl";
  // Far more than a pipe holds goes to a reader that leaves at once: the writes fail with EPIPE.
  const std::string line = "env -u DUB_API_KEY " + shell_quote(PARTNERKIT_CLI_PATH) +
                           " provision --sandbox --vendor dub --progress never --input " +
                           shell_quote(many.string()) + " --journal " + shell_quote(journal.string()) +
                           " 2>" + shell_quote((dir_ / "err").string()) +
                           " | head -c 1 >/dev/null; exit ${PIPESTATUS[0]}";
  const int status = sh(line);
  EXPECT_EQ(status, 1) << err();  // not 141 (killed by SIGPIPE)
  EXPECT_NE(err().find("summary:"), std::string::npos) << err();
  EXPECT_NE(err().find("standard output was closed"), std::string::npos) << err();

  // The journal has what ran: a second run finishes the rest, nothing twice.
  EXPECT_EQ(provision({"--sandbox", "--vendor", "dub", "--progress", "never", "--input", many.string(),
                       "--journal", journal.string()}),
            0)
      << err();
  std::istringstream lines(slurp(dir_ / "out"));
  std::size_t n = 0;
  for (std::string l; std::getline(lines, l);) ++n;
  EXPECT_EQ(n, 3000u);
}

}  // namespace
