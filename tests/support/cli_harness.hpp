// What the end-to-end tests of the built `partnerkit` binary start from: a directory of their own
// (removed after each test) and a command line run through the shell with stdout and stderr caught.
#pragma once

#include "files.hpp"

#include <gtest/gtest.h>

#include <sys/wait.h>

#include <cstdlib>
#include <filesystem>
#include <string>
#include <vector>

namespace partnerkit::test {

struct CliOutcome {
  int status = -1;  // the exit status; -1 when killed by a signal
  std::string out, err;
};

class CliHarness : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = temp_path("cli", "");
    std::filesystem::create_directories(dir_);
  }
  void TearDown() override {
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }

  std::filesystem::path write(const std::string& name, const std::string& text) {
    const std::filesystem::path p = dir_ / name;
    write_file(p, text);
    return p;
  }

  // "env -u <each of unset> <env> <the binary> <args...>" with stdin from `stdin_path` (or /dev/null):
  // no API key of the developer's environment reaches a test.
  std::string command_line(const std::vector<std::string>& args, const std::vector<std::string>& unset,
                           const std::string& env = "") const {
    std::string cmd = "env";
    for (const auto& name : unset) cmd += " -u " + name;
    if (!env.empty()) cmd += " " + env;
    cmd += " " + shell_quote(PARTNERKIT_CLI_PATH);
    for (const auto& a : args) cmd += " " + shell_quote(a);
    return cmd;
  }

  // Runs `line` through bash, stdout and stderr to files of the directory, read back after.
  CliOutcome run_line(const std::string& line, const std::string& stdin_path = "/dev/null") {
    const std::string cmd = "bash -c " + shell_quote(line + " <" + shell_quote(stdin_path) + " >" +
                                                     shell_quote((dir_ / "out").string()) + " 2>" +
                                                     shell_quote((dir_ / "err").string()));
    CliOutcome r;
    const int raw = std::system(cmd.c_str());
    r.status = WIFEXITED(raw) ? WEXITSTATUS(raw) : -1;
    r.out = slurp(dir_ / "out");
    r.err = slurp(dir_ / "err");
    return r;
  }

  std::filesystem::path dir_;
};

}  // namespace partnerkit::test
